import { EXECUTOR_NAMES, type ExecutorName } from "../domain/executor-name.js";
import { z } from "zod";
import { parseBranchName } from "../git/ref-name.js";

/** The name Probot's `context.config()` takes: it looks under `.github/` itself. */
export const CONFIG_FILE_NAME = "hamster.yml";
export const REPO_CONFIG_PATH = `.github/${CONFIG_FILE_NAME}`;

export const MAX_SETUP_COMMANDS = 20;
export const MAX_COMMAND_LENGTH = 2000;

/** A repository's own settings for runs, from `.github/hamster.yml`. */
export interface RepoConfig {
  branch?: string;
  target?: string;
  agent?: string;
  model?: string;
  setup: string[];
  test?: string;
  budgets: { turns?: number; inputTokens?: number; outputTokens?: number; costUsd?: number; minutes?: number };
  readyForReview: boolean;
  /** YAML `allow_workflow_changes`, default false: changes under .github/workflows/ are not pushed. */
  allowWorkflowChanges: boolean;
  /** YAML `executor`: where the run's stages execute; absent: the app's HAMSTER_EXECUTOR. */
  executor?: ExecutorName;
}

export type RepoConfigParse =
  | { ok: true; config: RepoConfig; warnings: string[] }
  // Warnings travel with errors too: a misspelt key often explains the error beside it.
  | { ok: false; errors: string[]; warnings: string[] };

interface KeySpec {
  readonly key: string;
  /** What a valid value is, worded to follow "must be" (errors) and to fill the reference's Type column. */
  readonly expected: string;
  readonly default: string;
  readonly meaning: string;
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const MAX_TOKENS = 100_000_000;

// One table drives validation messages, unknown-key detection and the reference, so they cannot drift apart.
const TOP_LEVEL_KEYS = [
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
    key: "executor",
    expected: EXECUTOR_NAMES.map((name) => `\`${name}\``).join(" or "),
    default: "the app's `HAMSTER_EXECUTOR` (`local`)",
    meaning: "Where the run's agent and commands execute: `local` in the app's process, `process` in a separate runner process that talks to the app over the runner protocol. A runner holds no provider key, so with `process` only the agents that call the model through the gateway (`claude`, `claude-code`) run; asking for another is answered with the reason.",
  },
] as const satisfies readonly KeySpec[];

const BUDGET_KEYS = [
  { key: "turns", expected: "a whole number from 1 to 1000", default: "the app's default", meaning: "Model calls over the run." },
  {
    key: "input_tokens",
    expected: `a whole number from 1 to ${MAX_TOKENS.toLocaleString("en-US")}`,
    default: "no limit",
    meaning: "Input tokens over the run.",
  },
  {
    key: "output_tokens",
    expected: `a whole number from 1 to ${MAX_TOKENS.toLocaleString("en-US")}`,
    default: "no limit",
    meaning: "Output tokens over the run.",
  },
  { key: "cost_usd", expected: "a number greater than 0 and at most 1000", default: "no limit", meaning: "Model cost over the run, in US dollars." },
  {
    key: "minutes",
    expected: "a number greater than 0 and at most 1440",
    default: "the app's default (`HAMSTER_RUN_MINUTES`, 60)",
    meaning: "Wall-clock time of the whole run (checkout, setup, the agent and the test runs), in minutes.",
  },
] as const satisfies readonly KeySpec[];

type TopLevelKey = (typeof TOP_LEVEL_KEYS)[number]["key"];
type BudgetKey = (typeof BUDGET_KEYS)[number]["key"];

// Probot's config plugin consumes `_extends` (inheriting another repository's file); accept it silently if left over.
const PROBOT_KEYS: ReadonlySet<string> = new Set(["_extends"]);

const must = (spec: { expected: string }) => ({ error: `must be ${spec.expected}` });
const top = (key: TopLevelKey) => must(TOP_LEVEL_KEYS.find((spec) => spec.key === key) as KeySpec);
const budget = (key: BudgetKey) => must(BUDGET_KEYS.find((spec) => spec.key === key) as KeySpec);

const branchName = (key: "branch" | "target") =>
  z.string(top(key)).superRefine((value, ctx) => {
    const parsed = parseBranchName(value);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: `is not a valid branch name: ${parsed.reason}` });
  });

const COMMAND_ERROR = { error: `must be a non-empty command of at most ${MAX_COMMAND_LENGTH.toLocaleString("en-US")} characters` };
const command = z.string(COMMAND_ERROR).max(MAX_COMMAND_LENGTH, COMMAND_ERROR).refine((value) => value.trim() !== "", COMMAND_ERROR);

const tokens = (key: BudgetKey) => z.number(budget(key)).int(budget(key)).min(1, budget(key)).max(MAX_TOKENS, budget(key));

const BudgetsSchema = z.object(
  {
    turns: z.number(budget("turns")).int(budget("turns")).min(1, budget("turns")).max(1000, budget("turns")).optional(),
    input_tokens: tokens("input_tokens").optional(),
    output_tokens: tokens("output_tokens").optional(),
    cost_usd: z.number(budget("cost_usd")).positive(budget("cost_usd")).max(1000, budget("cost_usd")).optional(),
    minutes: z.number(budget("minutes")).positive(budget("minutes")).max(1440, budget("minutes")).optional(),
  },
  top("budgets"),
);

const RepoConfigSchema = z.object({
  branch: branchName("branch").optional(),
  target: branchName("target").optional(),
  agent: z.string(top("agent")).trim().min(1, top("agent")).optional(),
  model: z.string(top("model")).regex(MODEL_NAME, top("model")).optional(),
  // YAML lets a single command be written without list syntax.
  setup: z
    .preprocess(
      (value) => (typeof value === "string" ? [value] : value),
      z.array(command, top("setup")).max(MAX_SETUP_COMMANDS, { error: `must have at most ${MAX_SETUP_COMMANDS} commands` }),
    )
    .optional(),
  test: command.optional(),
  budgets: BudgetsSchema.optional(),
  ready_for_review: z.boolean(top("ready_for_review")).optional(),
  allow_workflow_changes: z.boolean(top("allow_workflow_changes")).optional(),
  executor: z.enum(EXECUTOR_NAMES, top("executor")).optional(),
});

/**
 * Checks the repository's `.github/hamster.yml` as Probot's config plugin parsed it (null
 * when the file is absent). Wrong values are errors, all reported together; unknown keys
 * are warnings, so a typo does not stop a run but is pointed out.
 */
export function parseRepoConfig(raw: unknown): RepoConfigParse {
  if (raw === null || raw === undefined) return { ok: true, config: createDefaultConfig(), warnings: [] };
  if (!isMapping(raw)) {
    return {
      ok: false,
      errors: [`${REPO_CONFIG_PATH} must be a mapping of keys to values, such as \`branch: main\` (got ${describeValue(raw)})`],
      warnings: [],
    };
  }

  // YAML reads `key:` with no value as null: the author left the setting empty, so it takes its default.
  const input = withoutNulls(raw);
  if (isMapping(input.budgets)) input.budgets = withoutNulls(input.budgets);
  const warnings = findUnknownKeys(input);

  const result = RepoConfigSchema.safeParse(input);
  if (!result.success) {
    const errors = result.error.issues.map((issue) => renderIssue(input, issue.path, issue.message));
    return { ok: false, errors: [...new Set(errors)], warnings };
  }

  const data = result.data;
  const config: RepoConfig = { ...createDefaultConfig() };
  if (data.branch !== undefined) config.branch = data.branch;
  if (data.target !== undefined) config.target = data.target;
  if (data.agent !== undefined) config.agent = data.agent;
  if (data.model !== undefined) config.model = data.model;
  if (data.setup !== undefined) config.setup = data.setup;
  if (data.test !== undefined) config.test = data.test;
  if (data.ready_for_review !== undefined) config.readyForReview = data.ready_for_review;
  if (data.allow_workflow_changes !== undefined) config.allowWorkflowChanges = data.allow_workflow_changes;
  if (data.executor !== undefined) config.executor = data.executor;
  const budgets = data.budgets ?? {};
  if (budgets.turns !== undefined) config.budgets.turns = budgets.turns;
  if (budgets.input_tokens !== undefined) config.budgets.inputTokens = budgets.input_tokens;
  if (budgets.output_tokens !== undefined) config.budgets.outputTokens = budgets.output_tokens;
  if (budgets.cost_usd !== undefined) config.budgets.costUsd = budgets.cost_usd;
  if (budgets.minutes !== undefined) config.budgets.minutes = budgets.minutes;
  return { ok: true, config, warnings };
}

function createDefaultConfig(): RepoConfig {
  return { setup: [], budgets: {}, readyForReview: true, allowWorkflowChanges: false };
}

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

function findUnknownKeys(input: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  const topKeys = TOP_LEVEL_KEYS.map((spec) => spec.key);
  const budgetKeys = BUDGET_KEYS.map((spec) => spec.key);
  for (const key of Object.keys(input)) {
    if ((topKeys as readonly string[]).includes(key) || PROBOT_KEYS.has(key)) continue;
    // A budget written at the top level is a common slip; point at where it belongs.
    const suggestion = (budgetKeys as readonly string[]).includes(key) ? `budgets.${key}` : findClosest(key, topKeys);
    warnings.push(renderUnknownKey(`\`${key}\``, "known keys", topKeys, suggestion));
  }
  if (isMapping(input.budgets)) {
    for (const key of Object.keys(input.budgets)) {
      if ((budgetKeys as readonly string[]).includes(key)) continue;
      const closest = findClosest(key, budgetKeys);
      warnings.push(
        renderUnknownKey(`\`budgets.${key}\``, "known keys in `budgets`", budgetKeys, closest === undefined ? undefined : `budgets.${closest}`),
      );
    }
  }
  return warnings;
}

function renderUnknownKey(name: string, listLabel: string, known: readonly string[], suggestion: string | undefined): string {
  const hint = suggestion === undefined ? "" : `; did you mean \`${suggestion}\`?`;
  return `unknown key ${name} in ${REPO_CONFIG_PATH} (${listLabel}: ${known.join(", ")}${hint})`;
}

/** The known key closest to `key`: same up to case and `-`/`_`, or at most two edits away. */
function findClosest(key: string, known: readonly string[]): string | undefined {
  const loose = (text: string) => text.toLowerCase().replace(/[-_\s]/g, "");
  const same = known.find((candidate) => loose(candidate) === loose(key));
  if (same !== undefined) return same;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function renderIssue(input: Record<string, unknown>, path: readonly PropertyKey[], message: string): string {
  return `${renderPath(input, path)} in ${REPO_CONFIG_PATH} ${message} (got ${describeValue(findValue(input, path))})`;
}

function findValue(input: Record<string, unknown>, path: readonly PropertyKey[]): unknown {
  // The schema sees a single setup command as a list of one; the author wrote a string.
  if (path.length === 2 && path[0] === "setup" && typeof input.setup === "string") return input.setup;
  let current: unknown = input;
  for (const segment of path) {
    if (!isMapping(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function renderPath(input: Record<string, unknown>, path: readonly PropertyKey[]): string {
  const last = path[path.length - 1];
  if (typeof last === "number") {
    const parent = path.slice(0, -1).map(String).join(".");
    // A single command written as a string is shown as the key itself, not as "item 1".
    if (parent === "setup" && typeof input.setup === "string") return "`setup`";
    return `item ${last + 1} of \`${parent}\``;
  }
  return `\`${path.map(String).join(".")}\``;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? "" : "s"}`;
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 57)}…` : value;
    return value.length > 60 ? `a string of ${value.length.toLocaleString("en-US")} characters, ${JSON.stringify(shown)}` : JSON.stringify(shown);
  }
  return String(value);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== null));
}
