import { z } from "zod";
import { DEFAULT_WORKFLOW_PATH } from "../domain/actions-workflow.js";
import { EXECUTOR_NAMES, type ExecutorName } from "../domain/executor-name.js";
import { parseBranchName } from "../git/ref-name.js";
import { findClosest } from "./closest-key.js";
import {
  ACTIONS_KEYS,
  BRIEF_KEYS,
  BUDGET_KEYS,
  DEFAULT_BRIEF_PARALLEL,
  MAX_BRIEF_PARALLEL,
  CI_FIX_KEYS,
  DEFAULT_CI_FIX_ATTEMPTS,
  MAX_CI_FIX_ATTEMPTS,
  MAX_COMMAND_LENGTH,
  MAX_SETUP_COMMANDS,
  MAX_TOKENS,
  REPO_CONFIG_PATH,
  TOP_LEVEL_KEYS,
  type KeySpec,
} from "./repo-config-keys.js";

export { CONFIG_FILE_NAME, MAX_COMMAND_LENGTH, MAX_SETUP_COMMANDS, REPO_CONFIG_PATH, renderRepoConfigReference } from "./repo-config-keys.js";

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
  /** YAML `actions`: how a run with `executor: actions` is dispatched. */
  actions: ActionsSettings;
  /** YAML `brief`: how `/deliver all` delivers a brief's tasks. */
  brief: BriefSettings;
  /** YAML `ci_fix`: follow-ups that fix the repository's failing checks on a Hamster pull request. */
  ciFix: CiFixSettings;
}

export interface BriefSettings {
  /** Tasks of one brief running at once. */
  parallel: number;
  /** A dependent starts on its blocker's branch before the blocker's pull request is merged. */
  stack: boolean;
}

export interface CiFixSettings {
  enabled: boolean;
  /** Runs per pull request at most. */
  attempts: number;
}

/** The repository's workflow for `executor: actions`, with the defaults filled in (ref: the default branch). */
export interface ActionsSettings {
  workflow: string;
  ref?: string;
  queueTimeoutMinutes: number;
}

export type RepoConfigParse =
  | { ok: true; config: RepoConfig; warnings: string[] }
  // Warnings travel with errors too: a misspelt key often explains the error beside it.
  | { ok: false; errors: string[]; warnings: string[] };

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const WORKFLOW_FILE = /^(?:\.github\/workflows\/)?([A-Za-z0-9][A-Za-z0-9._-]{0,99}\.ya?ml)$/;
export const DEFAULT_QUEUE_TIMEOUT_MINUTES = 30;

type TopLevelKey = (typeof TOP_LEVEL_KEYS)[number]["key"];
type BudgetKey = (typeof BUDGET_KEYS)[number]["key"];
type ActionsKey = (typeof ACTIONS_KEYS)[number]["key"];
type BriefKey = (typeof BRIEF_KEYS)[number]["key"];
type CiFixKey = (typeof CI_FIX_KEYS)[number]["key"];

// Probot's config plugin consumes `_extends` (inheriting another repository's file); accept it silently if left over.
const PROBOT_KEYS: ReadonlySet<string> = new Set(["_extends"]);

const must = (spec: { expected: string }) => ({ error: `must be ${spec.expected}` });
const top = (key: TopLevelKey) => must(TOP_LEVEL_KEYS.find((spec) => spec.key === key) as KeySpec);
const budget = (key: BudgetKey) => must(BUDGET_KEYS.find((spec) => spec.key === key) as KeySpec);
const actions = (key: ActionsKey) => must(ACTIONS_KEYS.find((spec) => spec.key === key) as KeySpec);
const brief = (key: BriefKey) => must(BRIEF_KEYS.find((spec) => spec.key === key) as KeySpec);
const ciFix = (key: CiFixKey) => must(CI_FIX_KEYS.find((spec) => spec.key === key) as KeySpec);

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

const ActionsSchema = z.object(
  {
    workflow: z.string(actions("workflow")).regex(WORKFLOW_FILE, actions("workflow")).optional(),
    ref: z
      .string(actions("ref"))
      .superRefine((value, ctx) => {
        const parsed = parseBranchName(value);
        if (!parsed.ok) ctx.addIssue({ code: "custom", message: `is not a valid branch name: ${parsed.reason}` });
      })
      .optional(),
    queue_timeout_minutes: z
      .number(actions("queue_timeout_minutes"))
      .int(actions("queue_timeout_minutes"))
      .min(1, actions("queue_timeout_minutes"))
      .max(1440, actions("queue_timeout_minutes"))
      .optional(),
  },
  top("actions"),
);

// `ci_fix: true|false` is taken before the schema (see parseRepoConfig); the schema checks the mapping.
const CiFixSchema = z.object(
  {
    attempts: z.number(ciFix("attempts")).int(ciFix("attempts")).min(0, ciFix("attempts")).max(MAX_CI_FIX_ATTEMPTS, ciFix("attempts")).optional(),
  },
  top("ci_fix"),
);

const BriefSchema = z.object(
  {
    parallel: z.number(brief("parallel")).int(brief("parallel")).min(1, brief("parallel")).max(MAX_BRIEF_PARALLEL, brief("parallel")).optional(),
    stack: z.boolean(brief("stack")).optional(),
  },
  top("brief"),
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
  actions: ActionsSchema.optional(),
  brief: BriefSchema.optional(),
  ci_fix: CiFixSchema.optional(),
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
  if (isMapping(input.actions)) input.actions = withoutNulls(input.actions);
  if (isMapping(input.brief)) input.brief = withoutNulls(input.brief);
  if (isMapping(input.ci_fix)) input.ci_fix = withoutNulls(input.ci_fix);
  const ciFixSwitch = typeof input.ci_fix === "boolean" ? input.ci_fix : undefined;
  if (ciFixSwitch !== undefined) delete input.ci_fix;
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
  const workflowFile = data.actions?.workflow === undefined ? undefined : WORKFLOW_FILE.exec(data.actions.workflow)?.[1];
  if (workflowFile !== undefined) config.actions.workflow = `.github/workflows/${workflowFile}`;
  if (data.actions?.ref !== undefined) config.actions.ref = data.actions.ref;
  if (data.actions?.queue_timeout_minutes !== undefined) config.actions.queueTimeoutMinutes = data.actions.queue_timeout_minutes;
  if (data.brief?.parallel !== undefined) config.brief.parallel = data.brief.parallel;
  if (data.brief?.stack !== undefined) config.brief.stack = data.brief.stack;
  if (ciFixSwitch !== undefined) config.ciFix.enabled = ciFixSwitch;
  if (data.ci_fix?.attempts !== undefined) config.ciFix.attempts = data.ci_fix.attempts;
  config.budgets = readBudgets(data.budgets ?? {});
  return { ok: true, config, warnings };
}

/**
 * The keys an installation's defaults share with `.github/hamster.yml`, checked by the same
 * rules (src/config/installation-defaults.ts).
 */
export const InstallationDefaultsSchema = RepoConfigSchema.pick({ agent: true, model: true, executor: true, budgets: true });

/** The `budgets` mapping as the schema checked it, in the run's names. */
export function readBudgets(budgets: z.infer<typeof BudgetsSchema>): RepoConfig["budgets"] {
  const read: RepoConfig["budgets"] = {};
  if (budgets.turns !== undefined) read.turns = budgets.turns;
  if (budgets.input_tokens !== undefined) read.inputTokens = budgets.input_tokens;
  if (budgets.output_tokens !== undefined) read.outputTokens = budgets.output_tokens;
  if (budgets.cost_usd !== undefined) read.costUsd = budgets.cost_usd;
  if (budgets.minutes !== undefined) read.minutes = budgets.minutes;
  return read;
}

function createDefaultConfig(): RepoConfig {
  return {
    setup: [],
    budgets: {},
    readyForReview: true,
    allowWorkflowChanges: false,
    actions: { workflow: DEFAULT_WORKFLOW_PATH, queueTimeoutMinutes: DEFAULT_QUEUE_TIMEOUT_MINUTES },
    brief: { parallel: DEFAULT_BRIEF_PARALLEL, stack: false },
    ciFix: { enabled: true, attempts: DEFAULT_CI_FIX_ATTEMPTS },
  };
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
  for (const [section, specs] of [
    ["budgets", BUDGET_KEYS],
    ["actions", ACTIONS_KEYS],
    ["brief", BRIEF_KEYS],
    ["ci_fix", CI_FIX_KEYS],
  ] as const) {
    const value = input[section];
    if (!isMapping(value)) continue;
    const known: readonly string[] = specs.map((spec) => spec.key);
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const closest = findClosest(key, known);
      warnings.push(renderUnknownKey(`\`${section}.${key}\``, `known keys in \`${section}\``, known, closest === undefined ? undefined : `${section}.${closest}`));
    }
  }
  return warnings;
}

function renderUnknownKey(name: string, listLabel: string, known: readonly string[], suggestion: string | undefined): string {
  const hint = suggestion === undefined ? "" : `; did you mean \`${suggestion}\`?`;
  return `unknown key ${name} in ${REPO_CONFIG_PATH} (${listLabel}: ${known.join(", ")}${hint})`;
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

/** A value as an error message quotes it: short strings in full, long ones cut, anything else by its kind. */
export function describeValue(value: unknown): string {
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
