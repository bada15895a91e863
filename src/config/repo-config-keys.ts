import { EXECUTOR_NAMES } from "../domain/executor-name.js";
import { DEFAULT_WORKFLOW_PATH } from "../domain/actions-workflow.js";
import { DEFAULT_PARALLEL } from "../task/plan/schedule-plan.js";

export const CONFIG_FILE_NAME = "hamster.yml";
export const REPO_CONFIG_PATH = `.github/${CONFIG_FILE_NAME}`;
export const MAX_SETUP_COMMANDS = 20;
export const MAX_COMMAND_LENGTH = 2000;
export const MAX_TOKENS = 100_000_000;

export interface KeySpec {
  readonly key: string;
  /** What a valid value is, worded to follow "must be" (errors) and to fill the reference's Type column. */
  readonly expected: string;
  readonly default: string;
  readonly meaning: string;
}

// One table drives validation messages, unknown-key detection and the reference, so they cannot drift apart.
export const TOP_LEVEL_KEYS = [
  { key: "branch", expected: "a branch name", default: "the repository's default branch", meaning: "Branch the work starts from." },
  { key: "target", expected: "a branch name", default: "the same as `branch`", meaning: "Branch the pull request is opened against." },
  { key: "agent", expected: "a non-empty agent name", default: "the app's default agent", meaning: "Which coding agent does the work, e.g. `claude`." },
  { key: "model", expected: "a model id such as `claude-sonnet-4-5`", default: "the app's default model", meaning: "Model the agent uses." },
  {
    key: "setup",
    expected: `a command, or a list of at most ${MAX_SETUP_COMMANDS} commands`,
    default: "none",
    meaning: "Commands run in the checkout before the agent starts, e.g. `npm ci`; they reach only the hosts in the server's `HAMSTER_SETUP_ALLOW_HOSTS` (the package registries by default).",
  },
  {
    key: "test",
    expected: `a non-empty command of at most ${MAX_COMMAND_LENGTH.toLocaleString("en-US")} characters`,
    default: "discovered: `npm test` (`pnpm test` or `yarn test` next to their lockfile), `make test`, `python -m pytest`, `cargo test` or `go test ./...`",
    meaning: "The command that verifies the work.",
  },
  { key: "budgets", expected: "a mapping of budget names to numbers", default: "the app's defaults", meaning: "Limits that stop a run: the `budgets.*` keys below." },
  {
    key: "ready_for_review",
    expected: "`true` or `false`",
    default: "`true`",
    meaning: "`false` leaves the pull request as a draft when the run ends.",
  },
  {
    key: "allow_workflow_changes",
    expected: "`true` or `false`",
    default: "`false`",
    meaning:
      "`true` lets the agent's changes under `.github/workflows/` be pushed (they run with the repository's CI secrets); GitHub accepts them only from an app that has the *Workflows* permission.",
  },
  {
    key: "brief",
    expected: "a mapping of `brief.*` keys",
    default: "the defaults below",
    meaning: "How `/deliver all` delivers a brief's tasks (the sub-issues, or the task list's issues, of the issue it is given on).",
  },
  {
    key: "executor",
    expected: EXECUTOR_NAMES.map((name) => `\`${name}\``).join(", ").replace(/, (?=[^,]*$)/, " or "),
    default: "the app's `HAMSTER_EXECUTOR` (`local`)",
    meaning:
      "Where the run's agent and commands execute: `local` in the app's process, `process` in a separate runner process, `actions` in a GitHub Actions job of this repository (the `actions.*` keys below; set it up with `/hamster setup actions`). A runner holds no provider key, so with `process` and `actions` only the agents that call the model through the gateway (`claude`, `claude-code`) run; asking for another is answered with the reason.",
  },
  { key: "actions", expected: "a mapping of `actions.*` keys", default: "the defaults below", meaning: "How runs with `executor: actions` are dispatched." },
  {
    key: "ci_fix",
    expected: "`false`, `true` or a mapping of `ci_fix.*` keys",
    default: "`true`, with the defaults below",
    meaning:
      "Whether the repository's own checks failing on a Hamster pull request start a follow-up run that fixes them; `false` turns it off.",
  },
] as const satisfies readonly KeySpec[];

/** What both token budgets accept. */
const TOKEN_COUNT = `a whole number from 1 to ${MAX_TOKENS.toLocaleString("en-US")}`;

export const BUDGET_KEYS = [
  { key: "turns", expected: "a whole number from 1 to 1000", default: "the app's default", meaning: "Model calls over the run." },
  { key: "input_tokens", expected: TOKEN_COUNT, default: "no limit", meaning: "Input tokens over the run." },
  { key: "output_tokens", expected: TOKEN_COUNT, default: "no limit", meaning: "Output tokens over the run." },
  { key: "cost_usd", expected: "a number greater than 0 and at most 1000", default: "no limit", meaning: "Model cost over the run, in US dollars." },
  {
    key: "minutes",
    expected: "a number greater than 0 and at most 1440",
    default: "the app's default (`HAMSTER_RUN_MINUTES`, 60)",
    meaning: "Wall-clock time of the whole run (checkout, setup, the agent and the test runs), in minutes.",
  },
] as const satisfies readonly KeySpec[];

export const ACTIONS_KEYS = [
  {
    key: "workflow",
    expected: "a workflow file under `.github/workflows/`, such as `hamster.yml`",
    default: `\`${DEFAULT_WORKFLOW_PATH}\``,
    meaning: "The workflow each run dispatches.",
  },
  { key: "ref", expected: "a branch name", default: "the repository's default branch", meaning: "The branch whose copy of the workflow runs (and the only one whose runs may claim a Hamster run)." },
  {
    key: "queue_timeout_minutes",
    expected: "a whole number from 1 to 1440",
    default: "`30`",
    meaning: "How long a dispatched job may wait for a runner (for example, when no runner has the label its `runs-on` asks for) before the run fails.",
  },
] as const satisfies readonly KeySpec[];

export const MAX_CI_FIX_ATTEMPTS = 10;
export const DEFAULT_CI_FIX_ATTEMPTS = 2;

export const CI_FIX_KEYS = [
  {
    key: "attempts",
    expected: `a whole number from 0 to ${MAX_CI_FIX_ATTEMPTS}`,
    default: `\`${DEFAULT_CI_FIX_ATTEMPTS}\``,
    meaning: "How many runs may fix failing checks on one pull request; a fix after which the same checks fail the same way stops them early.",
  },
] as const satisfies readonly KeySpec[];

export const MAX_BRIEF_PARALLEL = 10;
export const DEFAULT_BRIEF_PARALLEL = DEFAULT_PARALLEL;

export const BRIEF_KEYS = [
  {
    key: "parallel",
    expected: `a whole number from 1 to ${MAX_BRIEF_PARALLEL}`,
    default: `\`${DEFAULT_BRIEF_PARALLEL}\``,
    meaning: "How many of a brief's tasks run at once; the others wait for a free slot.",
  },
  {
    key: "stack",
    expected: "`true` or `false`",
    default: "`false`",
    meaning:
      "`true` starts a task on top of its blocker's branch as soon as the blocker's pull request is delivered, before it is merged; the task's pull request targets the blocker's branch and is retargeted when that one merges. `false` waits for the merge.",
  },
] as const satisfies readonly KeySpec[];

/** Markdown reference of every key, for the README and for replies to a broken config. */
export function renderRepoConfigReference(): string {
  const row = (key: string, spec: KeySpec) => `| \`${key}\` | ${spec.expected} | ${spec.default} | ${spec.meaning} |`;
  return [
    `Every key in \`${REPO_CONFIG_PATH}\` is optional. Parameters of a \`/deliver\` command and your saved preferences take precedence over it.`,
    "",
    "| Key | Value | Default | Meaning |",
    "| --- | --- | --- | --- |",
    ...TOP_LEVEL_KEYS.flatMap((spec) => [
      row(spec.key, spec),
      ...(spec.key === "budgets" ? BUDGET_KEYS.map((budgetSpec) => row(`budgets.${budgetSpec.key}`, budgetSpec)) : []),
      ...(spec.key === "brief" ? BRIEF_KEYS.map((briefSpec) => row(`brief.${briefSpec.key}`, briefSpec)) : []),
      ...(spec.key === "actions" ? ACTIONS_KEYS.map((actionsSpec) => row(`actions.${actionsSpec.key}`, actionsSpec)) : []),
      ...(spec.key === "ci_fix" ? CI_FIX_KEYS.map((ciFixSpec) => row(`ci_fix.${ciFixSpec.key}`, ciFixSpec)) : []),
    ]),
    "",
    "**Example:**",
    "",
    "```yaml",
    "branch: main",
    "target: develop",
    "model: claude-sonnet-4-5",
    "setup:",
    "  - npm ci",
    "test: npm test",
    "budgets:",
    "  turns: 80",
    "  cost_usd: 5",
    "  minutes: 60",
    "ready_for_review: false",
    "```",
  ].join("\n");
}
