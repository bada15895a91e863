import type { PreferenceValues } from "../store/preference-store.js";
import type { DeliverParams } from "./deliver-parameters.js";
import type { ExecutorName } from "../domain/executor-name.js";
import type { InstallationDefaults, RunBudgets } from "../domain/installation-defaults.js";
import type { ParameterSource, ResolvedParameter, ResolvedParameters } from "../domain/parameters.js";


export interface ParameterInputs {
  /** The `/deliver` command's parameters; `{}` for the label. */
  command: DeliverParams;
  /** The triggering user's saved preferences, null when none are saved. */
  preferences: PreferenceValues | null;
  /** The repository's `.github/hamster.yml`. */
  repository: { branch?: string; target?: string; agent?: string; model?: string };
  /** The installation's defaults (set by its admins in the console), null when none are saved. */
  installation: Pick<InstallationDefaults, "agent" | "model"> | null;
  /** The app's own: `branch` is the repository's default branch. */
  defaults: { branch: string; agent: string; model: string };
}

/**
 * Picks each parameter of a run: the command, then the triggering user's preferences, then
 * `.github/hamster.yml`, then the installation's defaults, then the app's defaults; the
 * first one that has a value wins.
 *
 * `target` has no preference and no app default of its own: without a command value or a
 * repository setting it is the resolved `branch`, and carries the branch's source, because
 * whatever chose the base chose the target too (`/deliver branch=x` opens the pull request
 * against `x`; with nothing given, both are the repository's default branch). Branches are
 * a repository's own: an installation's defaults have none.
 */
export function resolveRunParameters(input: ParameterInputs): ResolvedParameters {
  const { command, repository, defaults } = input;
  const preferences = input.preferences ?? {};
  const installation = input.installation ?? {};
  const branch = pickFirst({ command: command.branch, preferences: preferences.branch, repository: repository.branch }, defaults.branch);
  const target = pickFirst({ command: command.target, repository: repository.target }, branch.value, branch.source);
  const agent = pickFirst(
    { command: command.agent, preferences: preferences.agent, repository: repository.agent, installation: installation.agent },
    defaults.agent,
  );
  const model = pickFirst(
    { command: command.model, preferences: preferences.model, repository: repository.model, installation: installation.model },
    defaults.model,
  );
  return { branch, target, agent, model };
}

export interface SettingInputs {
  command: DeliverParams;
  repository: { executor?: ExecutorName; budgets: RunBudgets };
  installation: Pick<InstallationDefaults, "executor" | "budgets"> | null;
}

export interface ResolvedSettings {
  /** Absent when nothing chose one: the app's HAMSTER_EXECUTOR applies when the run starts. */
  executor?: ResolvedParameter<ExecutorName>;
  /** Each budget the repository or the installation set; the app's defaults fill the rest when the run starts. */
  budgets: RunBudgets;
  /** Where each budget in `budgets` came from. */
  budgetSources: Partial<Record<keyof RunBudgets, ParameterSource>>;
}

const BUDGET_NAMES = ["turns", "inputTokens", "outputTokens", "costUsd", "minutes"] as const satisfies readonly (keyof RunBudgets)[];

/**
 * The run's executor and budgets by the same precedence: the command (executor only: a
 * command sets no budgets), then `.github/hamster.yml`, then the installation's defaults,
 * key by key, so a repository that sets only `budgets.turns` keeps its installation's cost limit.
 */
export function resolveRunSettings(input: SettingInputs): ResolvedSettings {
  const installation = input.installation ?? { budgets: {} };
  const executor = pickFirstOf<ExecutorName>({ command: input.command.executor, repository: input.repository.executor, installation: installation.executor });
  const budgets: { -readonly [Key in keyof RunBudgets]: RunBudgets[Key] } = {};
  const budgetSources: ResolvedSettings["budgetSources"] = {};
  for (const name of BUDGET_NAMES) {
    const picked = pickFirstOf<number>({ repository: input.repository.budgets[name], installation: installation.budgets[name] });
    if (!picked) continue;
    budgets[name] = picked.value;
    budgetSources[name] = picked.source;
  }
  return { ...(executor ? { executor } : {}), budgets, budgetSources };
}

const SOURCES_IN_ORDER = ["command", "preferences", "repository", "installation"] as const;
type Candidates<T> = { readonly [Source in (typeof SOURCES_IN_ORDER)[number]]?: T | undefined };

function pickFirst(candidates: Candidates<string>, fallback: string, fallbackSource: ParameterSource = "default"): ResolvedParameter<string> {
  return pickFirstOf(candidates) ?? { value: fallback, source: fallbackSource };
}

function pickFirstOf<T>(candidates: Candidates<T>): ResolvedParameter<T> | undefined {
  for (const source of SOURCES_IN_ORDER) {
    const value = candidates[source];
    if (value !== undefined) return { value, source };
  }
  return undefined;
}
