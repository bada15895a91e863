import { describe, expect, it } from "vitest";
import { parseInstallationDefaults } from "../../src/config/installation-defaults.js";
import { parseRepoConfig } from "../../src/config/repo-config.js";

const AGENTS = ["claude", "claude-code"];

describe("parseInstallationDefaults", () => {
  it("reads every key into the run's names", () => {
    expect(
      parseInstallationDefaults(
        { agent: "claude-code", model: "claude-opus-5-5", executor: "process", budgets: { turns: 80, input_tokens: 1000, output_tokens: 500, cost_usd: 2.5, minutes: 30 } },
        AGENTS,
      ),
    ).toEqual({
      ok: true,
      defaults: {
        agent: "claude-code",
        model: "claude-opus-5-5",
        executor: "process",
        budgets: { turns: 80, inputTokens: 1000, outputTokens: 500, costUsd: 2.5, minutes: 30 },
      },
    });
  });

  it("takes nothing set as no defaults", () => {
    expect(parseInstallationDefaults({}, AGENTS)).toEqual({ ok: true, defaults: { budgets: {} } });
  });

  it("holds values to the rules of .github/hamster.yml, with the same words, all errors together", () => {
    const parsed = parseInstallationDefaults({ model: "no spaces allowed", executor: "cloud", budgets: { turns: 0, cost_usd: 5000, minutes: "soon" } }, AGENTS);
    expect(parsed.ok).toBe(false);
    const errors = parsed.ok ? [] : parsed.errors;
    expect(errors).toEqual([
      '`model` must be a model id such as `claude-sonnet-4-5` (got "no spaces allowed")',
      "`executor` must be `local`, `process` or `actions` (got \"cloud\")",
      "`budgets.turns` must be a whole number from 1 to 1000 (got 0)",
      "`budgets.cost_usd` must be a number greater than 0 and at most 1000 (got 5000)",
      '`budgets.minutes` must be a number greater than 0 and at most 1440 (got "soon")',
    ]);
    // The repository's file says the same of the same values.
    const repo = parseRepoConfig({ budgets: { turns: 0 } });
    expect(repo.ok ? [] : repo.errors).toEqual(["`budgets.turns` in .github/hamster.yml must be a whole number from 1 to 1000 (got 0)"]);
  });

  it("refuses an agent the app does not know, naming the known ones", () => {
    expect(parseInstallationDefaults({ agent: "skynet" }, AGENTS)).toEqual({
      ok: false,
      errors: ['`agent` must be an agent Hamster knows (claude, claude-code) (got "skynet")'],
    });
  });
});
