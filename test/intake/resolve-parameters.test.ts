import { describe, expect, it } from "vitest";
import { renderParameterSources } from "../../src/reporter/render-parameter-sources.js";
import { resolveRunParameters, resolveRunSettings, type ParameterInputs } from "../../src/intake/resolve-parameters.js";

const defaults = { branch: "main", agent: "claude", model: "claude-sonnet-5-5" };
const nothing: ParameterInputs = { command: {}, preferences: null, repository: {}, installation: null, defaults };

describe("resolveRunParameters", () => {
  it("takes the defaults when nothing is given; the target follows the base", () => {
    expect(resolveRunParameters(nothing)).toEqual({
      branch: { value: "main", source: "default" },
      target: { value: "main", source: "default" },
      agent: { value: "claude", source: "default" },
      model: { value: "claude-sonnet-5-5", source: "default" },
    });
  });

  // Each row: which layers have a value for the key, and which one wins.
  it.each([
    ["command over everything", { command: "c", preferences: "p", repository: "r", installation: "i" }, "c", "command"],
    ["command over repository", { command: "c", repository: "r" }, "c", "command"],
    ["preferences over repository", { preferences: "p", repository: "r" }, "p", "preferences"],
    ["preferences over installation", { preferences: "p", installation: "i" }, "p", "preferences"],
    ["preferences alone", { preferences: "p" }, "p", "preferences"],
    ["repository over installation", { repository: "r", installation: "i" }, "r", "repository"],
    ["repository alone", { repository: "r" }, "r", "repository"],
  ] as const)("picks %s for branch, agent and model", (_case, layers, value, source) => {
    for (const key of ["branch", "agent", "model"] as const) {
      const input: ParameterInputs = {
        command: "command" in layers ? { [key]: `${layers.command}-${key}` } : {},
        preferences: "preferences" in layers ? { [key]: `${layers.preferences}-${key}` } : null,
        repository: "repository" in layers ? { [key]: `${layers.repository}-${key}` } : {},
        installation: null,
        defaults,
      };
      expect(resolveRunParameters(input)[key]).toEqual({ value: `${value}-${key}`, source });
    }
  });

  it("takes the installation's agent and model over the app's defaults, never a branch", () => {
    const resolved = resolveRunParameters({ ...nothing, installation: { agent: "codex", model: "claude-opus-5-5" } });
    expect(resolved).toEqual({
      branch: { value: "main", source: "default" },
      target: { value: "main", source: "default" },
      agent: { value: "codex", source: "installation" },
      model: { value: "claude-opus-5-5", source: "installation" },
    });
  });

  it("mixes sources key by key", () => {
    const resolved = resolveRunParameters({
      command: { target: "develop" },
      preferences: { agent: "codex", branch: "trunk" },
      repository: { branch: "stable", model: "claude-opus-4-1", agent: "claude" },
      installation: { agent: "aider", model: "claude-haiku-5-5" },
      defaults,
    });
    expect(resolved).toEqual({
      branch: { value: "trunk", source: "preferences" },
      target: { value: "develop", source: "command" },
      agent: { value: "codex", source: "preferences" },
      model: { value: "claude-opus-4-1", source: "repository" },
    });
  });

  it.each([
    ["the command's target", { command: { branch: "a", target: "t" }, repository: { target: "r" } }, { value: "t", source: "command" }],
    ["the repository's target over a base from the command", { command: { branch: "a" }, repository: { target: "r" } }, { value: "r", source: "repository" }],
    ["the base from the command", { command: { branch: "a" } }, { value: "a", source: "command" }],
    ["the base from preferences", { preferences: { branch: "p" } }, { value: "p", source: "preferences" }],
    ["the base from the repository", { repository: { branch: "r" } }, { value: "r", source: "repository" }],
  ] as const)("resolves the target to %s", (_case, layers, target) => {
    const input: ParameterInputs = { ...nothing, ...layers };
    expect(resolveRunParameters(input).target).toEqual(target);
  });
});

describe("renderParameterSources", () => {
  it("says where each value came from", () => {
    const resolved = resolveRunParameters({
      command: { target: "develop" },
      preferences: { agent: "claude" },
      repository: { model: "claude-sonnet-5-5" },
      installation: null,
      defaults,
    });
    expect(renderParameterSources(resolved)).toBe(
      "base `main` (repository default) · target `develop` (your /deliver) · agent `claude` (your preferences) · model `claude-sonnet-5-5` (.github/hamster.yml)",
    );
  });

  it("names the app's defaults as such", () => {
    expect(renderParameterSources(resolveRunParameters(nothing))).toBe(
      "base `main` (repository default) · target `main` (repository default) · agent `claude` (app default) · model `claude-sonnet-5-5` (app default)",
    );
  });

  it("names the installation's defaults", () => {
    expect(renderParameterSources(resolveRunParameters({ ...nothing, installation: { model: "claude-opus-5-5" } }))).toContain(
      "model `claude-opus-5-5` (installation defaults)",
    );
  });

  it("keeps a value with backticks readable", () => {
    const resolved = resolveRunParameters({ ...nothing, command: { branch: "we`ird" } });
    expect(renderParameterSources(resolved)).toBe(
      "base ``we`ird`` (your /deliver) · target ``we`ird`` (your /deliver) · agent `claude` (app default) · model `claude-sonnet-5-5` (app default)",
    );
  });
});

describe("resolveRunSettings", () => {
  it("leaves the executor to the app and sets no budget when nobody chose one", () => {
    expect(resolveRunSettings({ command: {}, repository: { budgets: {} }, installation: null })).toEqual({ budgets: {}, budgetSources: {} });
  });

  it.each([
    ["the command", { command: "process", repository: "actions", installation: "actions" }, "process", "command"],
    ["the repository over the installation", { repository: "actions", installation: "process" }, "actions", "repository"],
    ["the installation", { installation: "process" }, "process", "installation"],
  ] as const)("takes the executor from %s", (_case, layers, value, source) => {
    const resolved = resolveRunSettings({
      command: "command" in layers ? { executor: layers.command } : {},
      repository: { ...("repository" in layers ? { executor: layers.repository } : {}), budgets: {} },
      installation: { executor: layers.installation, budgets: {} },
    });
    expect(resolved.executor).toEqual({ value, source });
  });

  it("merges budgets key by key: the repository's over the installation's", () => {
    const resolved = resolveRunSettings({
      command: {},
      repository: { budgets: { turns: 9, minutes: 15 } },
      installation: { budgets: { turns: 7, costUsd: 2, outputTokens: 1000 } },
    });
    expect(resolved.budgets).toEqual({ turns: 9, minutes: 15, costUsd: 2, outputTokens: 1000 });
    expect(resolved.budgetSources).toEqual({ turns: "repository", minutes: "repository", costUsd: "installation", outputTokens: "installation" });
  });
});
