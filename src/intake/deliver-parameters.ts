import { EXECUTOR_NAMES, type ExecutorName } from "../domain/executor-name.js";
import { parseBranchName } from "../git/ref-name.js";
import type { PreferenceValues } from "../store/preference-store.js";
import { renderValue } from "./render-command-error.js";
import type { Token } from "./tokenize.js";

export const DELIVER_PARAMETER_KEYS = ["branch", "target", "agent", "model", "executor", "repo"] as const;
export type DeliverParameterKey = (typeof DELIVER_PARAMETER_KEYS)[number];

/** The keys `/hamster prefs key=value` accepts: a target branch depends on the repository, so it is not a personal default. */
export const PREFERENCE_KEYS = ["agent", "branch", "model"] as const satisfies readonly (keyof PreferenceValues & DeliverParameterKey)[];

export interface DeliverParams {
  branch?: string;
  target?: string;
  agent?: string;
  model?: string;
  executor?: ExecutorName;
  /** `owner/name`: the repository of the installation the code is in, when not the issue's own. */
  repo?: string;
}

// A parameter starts with an unquoted lowercase key and "="; anything else begins free text.
export const PARAMETER_START = /^[a-z][a-z_-]*=/;

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const REPOSITORY_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/** Which keys a command takes, and what its error messages call them. */
export interface ParameterGrammar<Key extends DeliverParameterKey> {
  readonly noun: string;
  readonly keys: readonly Key[];
}

export const DELIVER_GRAMMAR: ParameterGrammar<DeliverParameterKey> = { noun: "parameter", keys: DELIVER_PARAMETER_KEYS };
export const PREFERENCE_GRAMMAR: ParameterGrammar<(typeof PREFERENCE_KEYS)[number]> = { noun: "preference", keys: PREFERENCE_KEYS };

/**
 * Returns a function that checks one `key=value` token (its raw text starts with
 * `PARAMETER_START`) and stores its value in `values`, or adds the problem to `errors`.
 */
export function createParameterCollector<Key extends DeliverParameterKey>(
  grammar: ParameterGrammar<Key>,
  values: { [K in Key]?: string },
  knownAgents: readonly string[],
  errors: string[],
): (text: string, token: Token) => void {
  // Keys seen so far, valid or not: a second "branch=" is a duplicate even if the first was rejected.
  const seenKeys = new Set<string>();
  return (text, token) => {
    const raw = text.slice(token.start, token.end);
    const key = raw.slice(0, raw.indexOf("="));
    // The key is plain lowercase letters, so the value is what follows it in the unquoted token.
    const value = token.value.slice(key.length + 1);
    const problem = findParameterProblem(grammar, seenKeys, key, value) ?? findValueProblem(key as Key, value, knownAgents);
    if (problem !== null) {
      errors.push(problem);
      return;
    }
    values[key as Key] = value;
  };
}

/** The problems a key can have before its value is looked at; records the key as seen when it is a known one. */
function findParameterProblem<Key extends DeliverParameterKey>(
  grammar: ParameterGrammar<Key>,
  seenKeys: Set<string>,
  key: string,
  value: string,
): string | null {
  if (!(grammar.keys as readonly string[]).includes(key)) return `unknown ${grammar.noun} "${key}"; the ${grammar.noun}s are ${grammar.keys.join(", ")}`;
  if (seenKeys.has(key)) return `${grammar.noun} "${key}" is given more than once`;
  seenKeys.add(key);
  return value === "" ? `${grammar.noun} "${key}" has an empty value` : null;
}

/** Checks saved-preference values by the rules `/hamster prefs key=value` applies (the console's form uses them too). */
export function findPreferenceProblems(values: PreferenceValues, knownAgents: readonly string[]): string[] {
  return PREFERENCE_KEYS.flatMap((key) => {
    const value = values[key];
    if (value === undefined) return [];
    return [findValueProblem(key, value, knownAgents)].filter((problem) => problem !== null);
  });
}

function findValueProblem(key: DeliverParameterKey, value: string, knownAgents: readonly string[]): string | null {
  switch (key) {
    case "branch":
    case "target": {
      const branch = parseBranchName(value);
      return branch.ok ? null : `${key} ${renderValue(value)} is not a valid branch name: ${branch.reason}`;
    }
    case "agent":
      if (knownAgents.includes(value)) return null;
      return knownAgents.length === 0
        ? `unknown agent ${renderValue(value)}; no agents are available`
        : `unknown agent ${renderValue(value)}; the agents are ${knownAgents.join(", ")}`;
    case "model":
      return MODEL_NAME.test(value)
        ? null
        : `model ${renderValue(value)} is not a valid model name: use at most 100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit`;
    case "executor":
      return (EXECUTOR_NAMES as readonly string[]).includes(value) ? null : `unknown executor ${renderValue(value)}; the executors are ${EXECUTOR_NAMES.join(", ")}`;
    case "repo":
      return REPOSITORY_NAME.test(value) ? null : `repo ${renderValue(value)} is not a repository: write it as owner/name`;
  }
}
