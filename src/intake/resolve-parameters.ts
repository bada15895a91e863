import type { PreferenceValues } from "../store/preference-store.js";
import type { DeliverParams } from "./slash-command.js";
import type { ParameterSource, ResolvedParameter, ResolvedParameters } from "../domain/parameters.js";


export interface ParameterInputs {
  /** The `/deliver` command's parameters; `{}` for the label. */
  command: DeliverParams;
  /** The triggering user's saved preferences, null when none are saved. */
  preferences: PreferenceValues | null;
  /** The repository's `.github/hamster.yml`. */
  repository: { branch?: string; target?: string; agent?: string; model?: string };
  /** The app's own: `branch` is the repository's default branch. */
  defaults: { branch: string; agent: string; model: string };
}

/**
 * Picks each parameter of a run: the command, then the triggering user's preferences, then
 * `.github/hamster.yml`, then the app's defaults; the first one that has a value wins.
 *
 * `target` has no preference and no app default of its own: without a command value or a
 * repository setting it is the resolved `branch`, and carries the branch's source, because
 * whatever chose the base chose the target too (`/deliver branch=x` opens the pull request
 * against `x`; with nothing given, both are the repository's default branch).
 */
export function resolveRunParameters(input: ParameterInputs): ResolvedParameters {
  const { command, repository, defaults } = input;
  const preferences = input.preferences ?? {};
  const branch = pickFirst({ command: command.branch, preferences: preferences.branch, repository: repository.branch }, defaults.branch);
  const target = pickFirst({ command: command.target, repository: repository.target }, branch.value, branch.source);
  const agent = pickFirst({ command: command.agent, preferences: preferences.agent, repository: repository.agent }, defaults.agent);
  const model = pickFirst({ command: command.model, preferences: preferences.model, repository: repository.model }, defaults.model);
  return { branch, target, agent, model };
}

const SOURCES_IN_ORDER = ["command", "preferences", "repository"] as const;

function pickFirst(
  candidates: { readonly [Source in (typeof SOURCES_IN_ORDER)[number]]?: string | undefined },
  fallback: string,
  fallbackSource: ParameterSource = "default",
): ResolvedParameter<string> {
  for (const source of SOURCES_IN_ORDER) {
    const value = candidates[source];
    if (value !== undefined) return { value, source };
  }
  return { value: fallback, source: fallbackSource };
}


