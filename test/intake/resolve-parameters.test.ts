import { describe, expect, it } from "vitest";
import { renderParameterSources } from "../../src/reporter/render-parameter-sources.js";
import { resolveRunParameters, type ParameterInputs } from "../../src/intake/resolve-parameters.js";

const defaults = { branch: "main", agent: "claude", model: "claude-sonnet-5-5" };
const nothing: ParameterInputs = { command: {}, preferences: null, repository: {}, defaults };

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
    ["command over everything", { command: "c", preferences: "p", repository: "r" }, "c", "command"],
    ["command over repository", { command: "c", repository: "r" }, "c", "command"],
    ["preferences over repository", { preferences: "p", repository: "r" }, "p", "preferences"],
    ["preferences alone", { preferences: "p" }, "p", "preferences"],
    ["repository alone", { repository: "r" }, "r", "repository"],
  ] as const)("picks %s for branch, agent and model", (_case, layers, value, source) => {
    for (const key of ["branch", "agent", "model"] as const) {
      const input: ParameterInputs = {
        command: "command" in layers ? { [key]: `${layers.command}-${key}` } : {},
        preferences: "preferences" in layers ? { [key]: `${layers.preferences}-${key}` } : null,
        repository: "repository" in layers ? { [key]: `${layers.repository}-${key}` } : {},
        defaults,
      };
      expect(resolveRunParameters(input)[key]).toEqual({ value: `${value}-${key}`, source });
    }
  });

  it("mixes sources key by key", () => {
    const resolved = resolveRunParameters({
      command: { target: "develop" },
      preferences: { agent: "codex", branch: "trunk" },
      repository: { branch: "stable", model: "claude-opus-4-1", agent: "claude" },
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

  it("keeps a value with backticks readable", () => {
    const resolved = resolveRunParameters({ ...nothing, command: { branch: "we`ird" } });
    expect(renderParameterSources(resolved)).toBe(
      "base ``we`ird`` (your /deliver) · target ``we`ird`` (your /deliver) · agent `claude` (app default) · model `claude-sonnet-5-5` (app default)",
    );
  });
});
