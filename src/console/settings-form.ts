import { INSTALLATION_BUDGET_KEYS, type InstallationDefaultsInput } from "../config/installation-defaults.js";
import type { InstallationDefaults } from "../domain/installation-defaults.js";
import type { PreferenceValues } from "../store/preference-store.js";

/**
 * The settings page's forms, read into plain values (pure): which action a POST asks for, and
 * its fields. A field left empty is a setting not set. Nothing here checks the values: the
 * rules of `.github/hamster.yml` and of `/hamster prefs` do that.
 */

export const SETTINGS_ACTIONS = ["set-key", "remove-key", "save-defaults", "save-preferences"] as const;
export type SettingsAction = (typeof SETTINGS_ACTIONS)[number];

/** The actions only an admin of the installation may take. */
export const ADMIN_ACTIONS: readonly SettingsAction[] = ["set-key", "remove-key", "save-defaults"];

export function parseSettingsAction(form: URLSearchParams): SettingsAction | undefined {
  const action = form.get("action") ?? "";
  return (SETTINGS_ACTIONS as readonly string[]).includes(action) ? (action as SettingsAction) : undefined;
}

/** A number as the form sends it becomes a number, so that a schema checks its range; anything else stays text, to be named in the error. */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;

function readField(form: URLSearchParams, name: string): string | undefined {
  const value = (form.get(name) ?? "").trim();
  return value === "" ? undefined : value;
}

/** The defaults form, under the `.github/hamster.yml` key names (`budgets.cost_usd`, …). */
export function readDefaultsForm(form: URLSearchParams): InstallationDefaultsInput {
  const budgets: Record<string, unknown> = {};
  for (const key of INSTALLATION_BUDGET_KEYS) {
    const value = readField(form, `budgets.${key}`);
    if (value !== undefined) budgets[key] = NUMBER.test(value) ? Number(value) : value;
  }
  const agent = readField(form, "agent");
  const model = readField(form, "model");
  const executor = readField(form, "executor");
  return {
    ...(agent !== undefined ? { agent } : {}),
    ...(model !== undefined ? { model } : {}),
    ...(executor !== undefined ? { executor } : {}),
    ...(Object.keys(budgets).length > 0 ? { budgets } : {}),
  };
}

/** What the defaults form shows: the stored values, or what was just submitted when it was refused. */
export interface DefaultsFields {
  readonly agent: string;
  readonly model: string;
  readonly executor: string;
  readonly budgets: Readonly<Record<(typeof INSTALLATION_BUDGET_KEYS)[number], string>>;
}

export function showDefaults(defaults: InstallationDefaults | null): DefaultsFields {
  const b = defaults?.budgets ?? {};
  const text = (value: number | undefined) => (value === undefined ? "" : String(value));
  return {
    agent: defaults?.agent ?? "",
    model: defaults?.model ?? "",
    executor: defaults?.executor ?? "",
    budgets: { turns: text(b.turns), input_tokens: text(b.inputTokens), output_tokens: text(b.outputTokens), cost_usd: text(b.costUsd), minutes: text(b.minutes) },
  };
}

export function showSubmittedDefaults(form: URLSearchParams): DefaultsFields {
  const field = (name: string) => form.get(name) ?? "";
  return {
    agent: field("agent"),
    model: field("model"),
    executor: field("executor"),
    budgets: {
      turns: field("budgets.turns"),
      input_tokens: field("budgets.input_tokens"),
      output_tokens: field("budgets.output_tokens"),
      cost_usd: field("budgets.cost_usd"),
      minutes: field("budgets.minutes"),
    },
  };
}

export function readPreferencesForm(form: URLSearchParams): PreferenceValues {
  const values: PreferenceValues = {};
  for (const key of ["agent", "branch", "model"] as const) {
    const value = readField(form, key);
    if (value !== undefined) values[key] = value;
  }
  return values;
}

/** Longest provider key accepted: Anthropic's are about a hundred characters. */
export const MAX_PROVIDER_KEY_LENGTH = 1_000;
/** Shortest: a key much shorter is a slip, and the redactor ignores what is shorter than 8 characters. */
export const MIN_PROVIDER_KEY_LENGTH = 20;

export type ProviderKeyRead = { ok: true; key: string } | { ok: false; error: string };

/** The key field: one line, no spaces, of a plausible length. The refusal never repeats what was typed. */
export function readProviderKey(form: URLSearchParams): ProviderKeyRead {
  const key = (form.get("key") ?? "").trim();
  if (key === "") return { ok: false, error: "Paste the key into the field first." };
  if (/\s/.test(key) || key.length < MIN_PROVIDER_KEY_LENGTH || key.length > MAX_PROVIDER_KEY_LENGTH) {
    return {
      ok: false,
      error: `That is not an API key: a key is one line of ${MIN_PROVIDER_KEY_LENGTH} to ${MAX_PROVIDER_KEY_LENGTH.toLocaleString("en-US")} characters without spaces (Anthropic's start with sk-ant-).`,
    };
  }
  return { ok: true, key };
}
