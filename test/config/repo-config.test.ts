import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import {
  CONFIG_FILE_NAME,
  parseRepoConfig,
  REPO_CONFIG_PATH,
  renderRepoConfigReference,
  type RepoConfigParse,
} from "../../src/config/repo-config.js";
import { discoverTestCommand } from "../../src/context/test-command.js";

// Probot hands over the YAML already parsed; parsing real YAML here keeps the tests honest about types.
function parseYamlConfig(text: string): RepoConfigParse {
  return parseRepoConfig(parseYaml(text));
}

function errorsOf(result: RepoConfigParse): string[] {
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.config)}`);
  return result.errors;
}

const DEFAULTS = {
  setup: [],
  budgets: {},
  readyForReview: true,
  allowWorkflowChanges: false,
  actions: { workflow: ".github/workflows/hamster.yml", queueTimeoutMinutes: 30 },
  brief: { parallel: 2, stack: false },
  ciFix: { enabled: true, attempts: 2 },
};

describe("parseRepoConfig", () => {
  it("names the file as Probot's context.config expects it", () => {
    expect(REPO_CONFIG_PATH).toBe(".github/hamster.yml");
    expect(CONFIG_FILE_NAME).toBe("hamster.yml");
  });

  it("parses a full configuration", () => {
    const result = parseYamlConfig(
      [
        "branch: main",
        "target: release/2.x",
        "agent: claude",
        "model: claude-sonnet-4-5",
        "setup:",
        "  - npm ci",
        "  - npm run build",
        "test: npm test -- --run",
        "budgets:",
        "  turns: 80",
        "  input_tokens: 2000000",
        "  output_tokens: 100000",
        "  cost_usd: 4.5",
        "  minutes: 90",
        "ready_for_review: false",
        "executor: actions",
        "actions:",
        "  workflow: deliver.yaml",
        "  ref: ci/runners",
        "  queue_timeout_minutes: 10",
        "brief:",
        "  parallel: 4",
        "  stack: true",
      ].join("\n"),
    );
    expect(result).toEqual({
      ok: true,
      warnings: [],
      config: {
        branch: "main",
        target: "release/2.x",
        agent: "claude",
        model: "claude-sonnet-4-5",
        setup: ["npm ci", "npm run build"],
        test: "npm test -- --run",
        budgets: { turns: 80, inputTokens: 2_000_000, outputTokens: 100_000, costUsd: 4.5, minutes: 90 },
        readyForReview: false,
        allowWorkflowChanges: false,
        executor: "actions",
        actions: { workflow: ".github/workflows/deliver.yaml", ref: "ci/runners", queueTimeoutMinutes: 10 },
        brief: { parallel: 4, stack: true },
        ciFix: { enabled: true, attempts: 2 },
      },
    });
  });

  it("gives defaults for an absent or empty file, and for keys left empty", () => {
    expect(parseRepoConfig(null)).toEqual({ ok: true, config: DEFAULTS, warnings: [] });
    expect(parseRepoConfig(undefined)).toEqual({ ok: true, config: DEFAULTS, warnings: [] });
    expect(parseRepoConfig({})).toEqual({ ok: true, config: DEFAULTS, warnings: [] });
    expect(parseYamlConfig("branch:\nbudgets:\n  turns:\n")).toEqual({ ok: true, config: DEFAULTS, warnings: [] });
  });

  it("does not share default objects between results", () => {
    const first = parseRepoConfig(null);
    if (!first.ok) throw new Error("expected ok");
    first.config.setup.push("mutated");
    first.config.budgets.turns = 1;
    expect(parseRepoConfig(null)).toEqual({ ok: true, config: DEFAULTS, warnings: [] });
  });

  it("accepts setup as a single string or as a list", () => {
    expect(parseYamlConfig("setup: npm ci")).toMatchObject({ ok: true, config: { setup: ["npm ci"] } });
    expect(parseYamlConfig("setup:\n  - npm ci\n  - make\n")).toMatchObject({ ok: true, config: { setup: ["npm ci", "make"] } });
  });

  it("warns about unknown keys, suggesting the closest known one", () => {
    const result = parseYamlConfig("modle: claude-opus-4\nbranch: main\nreadyForReview: false\nturns: 5\nfoo: 1\n");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.branch).toBe("main");
    // The misspelt keys take no effect.
    expect(result.config.model).toBeUndefined();
    expect(result.config.readyForReview).toBe(true);
    expect(result.warnings).toEqual([
      "unknown key `modle` in .github/hamster.yml (known keys: branch, target, agent, model, setup, test, budgets, ready_for_review, allow_workflow_changes, brief, executor, actions, ci_fix; did you mean `model`?)",
      "unknown key `readyForReview` in .github/hamster.yml (known keys: branch, target, agent, model, setup, test, budgets, ready_for_review, allow_workflow_changes, brief, executor, actions, ci_fix; did you mean `ready_for_review`?)",
      "unknown key `turns` in .github/hamster.yml (known keys: branch, target, agent, model, setup, test, budgets, ready_for_review, allow_workflow_changes, brief, executor, actions, ci_fix; did you mean `budgets.turns`?)",
      "unknown key `foo` in .github/hamster.yml (known keys: branch, target, agent, model, setup, test, budgets, ready_for_review, allow_workflow_changes, brief, executor, actions, ci_fix)",
    ]);
  });

  it("reads the brief keys, checks them, and warns about unknown ones", () => {
    const read = parseYamlConfig("brief:\n  parallel: 3\n  stack: true\n");
    expect(read.ok && read.config.brief).toEqual({ parallel: 3, stack: true });
    const empty = parseYamlConfig("brief:\n  parallel:\n");
    expect(empty.ok && empty.config.brief).toEqual({ parallel: 2, stack: false });
    expect(errorsOf(parseYamlConfig("brief:\n  parallel: 0\n  stack: yes please\n"))).toEqual([
      "`brief.parallel` in .github/hamster.yml must be a whole number from 1 to 10 (got 0)",
      '`brief.stack` in .github/hamster.yml must be `true` or `false` (got "yes please")',
    ]);
    expect(errorsOf(parseYamlConfig("brief: 3\n"))).toEqual(["`brief` in .github/hamster.yml must be a mapping of `brief.*` keys (got 3)"]);
    const typo = parseYamlConfig("brief:\n  paralel: 3\n");
    expect(typo.warnings).toEqual([
      "unknown key `brief.paralel` in .github/hamster.yml (known keys in `brief`: parallel, stack; did you mean `brief.parallel`?)",
    ]);
  });

  it("checks the actions keys, and warns about unknown ones", () => {
    const result = parseYamlConfig("actions:\n  workflow: ../../etc/passwd\n  ref: 'bad..ref'\n  queue_timeout_minutes: 0\n");
    expect(errorsOf(result)).toEqual([
      '`actions.workflow` in .github/hamster.yml must be a workflow file under `.github/workflows/`, such as `hamster.yml` (got "../../etc/passwd")',
      expect.stringMatching(/^`actions\.ref` in \.github\/hamster\.yml is not a valid branch name/),
      "`actions.queue_timeout_minutes` in .github/hamster.yml must be a whole number from 1 to 1440 (got 0)",
    ]);
    const typo = parseYamlConfig("actions:\n  workflw: hamster.yml\n");
    expect(typo.warnings).toEqual([
      "unknown key `actions.workflw` in .github/hamster.yml (known keys in `actions`: workflow, ref, queue_timeout_minutes; did you mean `actions.workflow`?)",
    ]);
    const full = parseYamlConfig("actions:\n  workflow: .github/workflows/hamster.yml\n");
    expect(full.ok && full.config.actions).toEqual({ workflow: ".github/workflows/hamster.yml", queueTimeoutMinutes: 30 });
  });

  it("warns about unknown keys inside budgets", () => {
    const result = parseYamlConfig("budgets:\n  turns: 10\n  cost: 3\n  minuts: 5\n");
    expect(result).toMatchObject({ ok: true, config: { budgets: { turns: 10 } } });
    if (!result.ok) return;
    expect(result.config.budgets).toEqual({ turns: 10 });
    expect(result.warnings).toHaveLength(2);
    expect(result.warnings[0]).toBe(
      "unknown key `budgets.cost` in .github/hamster.yml (known keys in `budgets`: turns, input_tokens, output_tokens, cost_usd, minutes)",
    );
    expect(result.warnings[1]).toMatch(/unknown key `budgets\.minuts`.*did you mean `budgets\.minutes`\?\)$/);
  });

  it("accepts Probot's _extends silently", () => {
    expect(parseRepoConfig({ _extends: "other-repo", branch: "main" })).toMatchObject({ ok: true, warnings: [] });
  });

  it("reports every wrong value at once, naming the key and what it expects", () => {
    const result = parseYamlConfig(
      [
        "branch: 'bad branch'",
        "target: 12",
        "agent: ''",
        "model: -nope",
        "setup: ['npm ci', '', 3]",
        `test: '${"x".repeat(2001)}'`,
        "budgets:",
        "  turns: 0",
        "  input_tokens: 1.5",
        "  output_tokens: 100000001",
        "  cost_usd: '5'",
        "  minutes: 1441",
        "ready_for_review: 'yes'",
        "modle: x",
      ].join("\n"),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      "`branch` in .github/hamster.yml is not a valid branch name: branch names cannot contain spaces (got \"bad branch\")",
      "`target` in .github/hamster.yml must be a branch name (got 12)",
      "`agent` in .github/hamster.yml must be a non-empty agent name (got \"\")",
      "`model` in .github/hamster.yml must be a model id such as `claude-sonnet-4-5` (got \"-nope\")",
      "item 2 of `setup` in .github/hamster.yml must be a non-empty command of at most 2,000 characters (got \"\")",
      "item 3 of `setup` in .github/hamster.yml must be a non-empty command of at most 2,000 characters (got 3)",
      expect.stringMatching(/^`test` in \.github\/hamster\.yml must be a non-empty command of at most 2,000 characters \(got a string of 2,001 characters/),
      "`budgets.turns` in .github/hamster.yml must be a whole number from 1 to 1000 (got 0)",
      "`budgets.input_tokens` in .github/hamster.yml must be a whole number from 1 to 100,000,000 (got 1.5)",
      "`budgets.output_tokens` in .github/hamster.yml must be a whole number from 1 to 100,000,000 (got 100000001)",
      "`budgets.cost_usd` in .github/hamster.yml must be a number greater than 0 and at most 1000 (got \"5\")",
      "`budgets.minutes` in .github/hamster.yml must be a number greater than 0 and at most 1440 (got 1441)",
      "`ready_for_review` in .github/hamster.yml must be `true` or `false` (got \"yes\")",
    ]);
    // The typo is still pointed out beside the errors.
    expect(result.warnings).toEqual([expect.stringContaining("did you mean `model`?")]);
  });

  it("bounds setup: at most 20 commands, each at most 2000 characters, also as a single string", () => {
    expect(errorsOf(parseRepoConfig({ setup: Array.from({ length: 21 }, () => "true") }))).toEqual([
      "`setup` in .github/hamster.yml must have at most 20 commands (got a list of 21 items)",
    ]);
    expect(parseRepoConfig({ setup: Array.from({ length: 20 }, () => "true") }).ok).toBe(true);
    expect(errorsOf(parseRepoConfig({ setup: "x".repeat(2001) }))).toEqual([
      expect.stringMatching(/^`setup` in \.github\/hamster\.yml must be a non-empty command .*\(got a string of 2,001 characters/),
    ]);
    expect(parseRepoConfig({ setup: "x".repeat(2000) }).ok).toBe(true);
    expect(errorsOf(parseRepoConfig({ setup: { run: "npm ci" } }))).toEqual([
      "`setup` in .github/hamster.yml must be a command, or a list of at most 20 commands (got a mapping)",
    ]);
  });

  it("accepts budget bounds at their limits and rejects non-finite numbers", () => {
    const atLimits = parseRepoConfig({ budgets: { turns: 1000, input_tokens: 100_000_000, output_tokens: 1, cost_usd: 1000, minutes: 1440 } });
    expect(atLimits).toMatchObject({ ok: true, config: { budgets: { turns: 1000, inputTokens: 100_000_000, outputTokens: 1, costUsd: 1000, minutes: 1440 } } });
    expect(parseRepoConfig({ budgets: { cost_usd: 0.01, minutes: 0.5 } })).toMatchObject({ ok: true, config: { budgets: { costUsd: 0.01, minutes: 0.5 } } });
    expect(errorsOf(parseRepoConfig({ budgets: { cost_usd: Number.POSITIVE_INFINITY, turns: Number.NaN } }))).toHaveLength(2);
    expect(errorsOf(parseRepoConfig({ budgets: { cost_usd: 0 } }))).toEqual([expect.stringContaining("`budgets.cost_usd`")]);
    expect(errorsOf(parseRepoConfig({ budgets: ["turns"] }))).toEqual([
      "`budgets` in .github/hamster.yml must be a mapping of budget names to numbers (got a list of 1 item)",
    ]);
  });

  it("rejects a file that is not a mapping", () => {
    for (const raw of [["branch", "main"], "branch: main", 42, true]) {
      const errors = errorsOf(parseRepoConfig(raw));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^\.github\/hamster\.yml must be a mapping of keys to values/);
    }
  });
});

describe("ci_fix", () => {
  it("is on with two attempts by default; `false` turns it off, a mapping sets the attempts", () => {
    const ciFixOf = (text: string) => {
      const result = parseYamlConfig(text);
      if (!result.ok) throw new Error(result.errors.join("; "));
      return result.config.ciFix;
    };
    expect(ciFixOf("branch: main")).toEqual({ enabled: true, attempts: 2 });
    expect(ciFixOf("ci_fix: false")).toEqual({ enabled: false, attempts: 2 });
    expect(ciFixOf("ci_fix: true")).toEqual({ enabled: true, attempts: 2 });
    expect(ciFixOf("ci_fix:\n  attempts: 5")).toEqual({ enabled: true, attempts: 5 });
    expect(ciFixOf("ci_fix:\n  attempts: 0")).toEqual({ enabled: true, attempts: 0 });
    expect(ciFixOf("ci_fix:\n  attempts:")).toEqual({ enabled: true, attempts: 2 });
  });

  it("refuses other values, naming the key and what it takes, and warns about unknown keys inside it", () => {
    expect(errorsOf(parseYamlConfig("ci_fix: sometimes"))).toEqual(['`ci_fix` in .github/hamster.yml must be `false`, `true` or a mapping of `ci_fix.*` keys (got "sometimes")']);
    expect(errorsOf(parseYamlConfig("ci_fix: 3"))).toEqual(["`ci_fix` in .github/hamster.yml must be `false`, `true` or a mapping of `ci_fix.*` keys (got 3)"]);
    for (const [value, shown] of [["11", "11"], ["1.5", "1.5"], ["-1", "-1"]]) {
      expect(errorsOf(parseYamlConfig(`ci_fix:\n  attempts: ${value}`))).toEqual([`\`ci_fix.attempts\` in .github/hamster.yml must be a whole number from 0 to 10 (got ${shown})`]);
    }
    expect(parseYamlConfig("ci_fix:\n  attemps: 1").warnings).toEqual([
      "unknown key `ci_fix.attemps` in .github/hamster.yml (known keys in `ci_fix`: attempts; did you mean `ci_fix.attempts`?)",
    ]);
  });
});

describe("renderRepoConfigReference", () => {
  it("documents every key with its type and default", () => {
    const reference = renderRepoConfigReference();
    const keys = [
      "branch",
      "target",
      "agent",
      "model",
      "setup",
      "test",
      "budgets",
      "budgets.turns",
      "budgets.input_tokens",
      "budgets.output_tokens",
      "budgets.cost_usd",
      "budgets.minutes",
      "ready_for_review",
      "allow_workflow_changes",
      "brief",
      "brief.parallel",
      "brief.stack",
      "executor",
      "actions",
      "actions.workflow",
      "actions.ref",
      "actions.queue_timeout_minutes",
      "ci_fix",
      "ci_fix.attempts",
    ];
    for (const key of keys) expect(reference).toMatch(new RegExp(`^\\| \`${key.replace(".", "\\.")}\` \\|`, "m"));
    // Every row has the four columns of the header.
    const rows = reference.split("\n").filter((line) => line.startsWith("| `"));
    expect(rows).toHaveLength(keys.length);
    for (const row of rows) expect(row.split(" | ")).toHaveLength(4);
    expect(reference).toContain("| `ready_for_review` | `true` or `false` | `true` |");
  });

  it("names every test command the app can discover", async () => {
    // One repository root per command discovery can pick: the reference's default must list them all.
    const roots: Record<string, string>[] = [
      { "package.json": '{"scripts":{"test":"vitest"}}' },
      { "package.json": '{"scripts":{"test":"vitest"}}', "pnpm-lock.yaml": "lockfileVersion: 9\n" },
      { "package.json": '{"scripts":{"test":"vitest"}}', "yarn.lock": "# yarn\n" },
      { Makefile: "test:\n\ttrue\n" },
      { "pytest.ini": "[pytest]\n" },
      { "Cargo.toml": "[package]\n" },
      { "go.mod": "module example.com/x\n" },
    ];
    const testRow = renderRepoConfigReference()
      .split("\n")
      .find((line) => line.startsWith("| `test` |"));
    for (const files of roots) {
      const dir = mkdtempSync(path.join(tmpdir(), "hamster-config-reference-"));
      try {
        for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
        const command = await discoverTestCommand(dir);
        expect(command).toBeDefined();
        expect(testRow).toContain(`\`${command}\``);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it("says that pushing workflow changes also needs the app's Workflows permission", () => {
    const row = renderRepoConfigReference()
      .split("\n")
      .find((line) => line.startsWith("| `allow_workflow_changes` |"));
    expect(row).toContain("*Workflows* permission");
  });

  it("shows an example that is itself a valid configuration", () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(renderRepoConfigReference())?.[1];
    expect(example).toBeDefined();
    expect(parseYamlConfig(example ?? "")).toMatchObject({ ok: true, warnings: [] });
    expect(parseYamlConfig(example ?? "")).toMatchObject({ config: { readyForReview: false,
        allowWorkflowChanges: false, setup: ["npm ci"] } });
  });
});

describe("executor", () => {
  it("takes local or process, and refuses anything else with the choices", () => {
    expect(parseYamlConfig("executor: process\n")).toMatchObject({ ok: true, config: { executor: "process" } });
    const refused = parseYamlConfig("executor: docker\n");
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).toContain("executor");
  });
});
