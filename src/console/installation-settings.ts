import type { ServerResponse } from "node:http";
import { parseInstallationDefaults } from "../config/installation-defaults.js";
import { EXECUTOR_NAMES } from "../domain/executor-name.js";
import { findPreferenceProblems } from "../intake/deliver-parameters.js";
import { createNoKeyError } from "../store/vault.js";
import type { ConsoleDeps } from "./console-deps.js";
import { ConsoleNotFound, type ConsoleContext, type ConsoleRoute } from "./console-request.js";
import { defineView, securityHeaders, sendMessage, sendPage } from "./console-view.js";
import { canAdministerInstallation } from "./installation-admin.js";
import { formatWhen } from "./runs-list.js";
import {
  ADMIN_ACTIONS,
  MAX_PROVIDER_KEY_LENGTH,
  MIN_PROVIDER_KEY_LENGTH,
  parseSettingsAction,
  readDefaultsForm,
  readPreferencesForm,
  readProviderKey,
  showDefaults,
  showSubmittedDefaults,
  type DefaultsFields,
  type SettingsAction,
} from "./settings-form.js";
import { INSTALLATION_SETTINGS_TEMPLATE } from "./templates/installation-settings.js";

/**
 * GET/POST /hamster/installations/:id/settings. Anyone who can reach the installation sees the
 * page and edits their own delivery preferences there; its admins (installation-admin.ts) also
 * set, replace or remove its Anthropic key and edit its defaults. A POST from someone else for
 * an admin's form is refused with 403: they can see the installation, so 404 would hide nothing.
 * Out of reach, the page is 404 like anything else.
 */

export const SETTINGS_PATTERN = "/hamster/installations/:id/settings";
const PROVIDER = "anthropic";
/** The agent a run gets when nothing names one (admission's own default). */
const APP_DEFAULT_AGENT = "claude";

const NOTICES: Readonly<Record<SettingsAction, string>> = {
  "set-key": "The API key is saved. The next model call of this installation's runs uses it.",
  "remove-key": "The API key is removed.",
  "save-defaults": "The defaults are saved. They apply to runs requested from now on.",
  "save-preferences": "Your preferences are saved.",
};

const ERROR_HEADINGS: Readonly<Record<SettingsAction, string>> = {
  "set-key": "The key was not saved:",
  "remove-key": "The key was not removed:",
  "save-defaults": "The defaults were not saved:",
  "save-preferences": "Your preferences were not saved:",
};

export interface SettingsData {
  readonly installationId: number;
  readonly label: string;
  readonly action: string;
  readonly csrf: string;
  readonly admin: boolean;
  readonly notice: string | null;
  readonly errors: readonly string[];
  readonly errorHeading: string;
  readonly key: {
    readonly set: boolean;
    readonly status: string;
    readonly vaultMissing: string | null;
    readonly fallback: string;
    readonly minLength: number;
    readonly maxLength: number;
  };
  readonly defaults: { readonly fields: DefaultsFields; readonly updated: string | null };
  readonly appDefaults: { readonly agent: string; readonly model: string; readonly executor: string };
  readonly agents: readonly string[];
  readonly executors: readonly string[];
  readonly budgets: readonly { readonly key: keyof DefaultsFields["budgets"]; readonly label: string; readonly placeholder: string }[];
  readonly preferences: { readonly agent: string; readonly branch: string; readonly model: string };
}

const settingsView = defineView<SettingsData>("installation-settings", INSTALLATION_SETTINGS_TEMPLATE);

export function settingsPath(installationId: number): string {
  return `/hamster/installations/${installationId}/settings`;
}

/** The installation the route names, when the user can reach it; otherwise the same 404 as for one that does not exist. */
async function findInstallation(ctx: ConsoleContext, id: string | undefined): Promise<number> {
  if (id === undefined || !/^[1-9]\d{0,15}$/.test(id)) throw new ConsoleNotFound();
  const installationId = Number(id);
  if (!(await ctx.access.installationIds()).includes(installationId)) throw new ConsoleNotFound();
  return installationId;
}

/** The installation as the user knows it: the accounts its repositories belong to. */
async function describeInstallation(ctx: ConsoleContext, installationId: number): Promise<string> {
  const repos = await ctx.access.reachableRepos();
  const owners = [...new Set(repos.filter((repo) => repo.installationId === installationId).map((repo) => repo.fullName.split("/")[0]!))];
  return owners.length > 0 ? owners.join(", ") : `installation ${installationId}`;
}

interface RenderOptions {
  readonly status?: number;
  readonly notice?: string | null;
  readonly errors?: readonly string[];
  readonly errorHeading?: string;
  /** What the defaults form shows instead of the stored values (a refused submission). */
  readonly defaultsFields?: DefaultsFields;
  readonly preferences?: { agent: string; branch: string; model: string };
}

function buildKeyData(deps: ConsoleDeps, installationId: number): SettingsData["key"] {
  const stored = deps.vault.findSecret(installationId, PROVIDER);
  const status = stored
    ? `Set on ${formatWhen(stored.updatedAt)} by ${stored.updatedBy ?? "someone (before the console recorded who)"}.`
    : "No key of this installation's own is set.";
  const fallback = deps.settings.anthropicApiKey
    ? "Without a key of its own, this installation's runs use the app's key (ANTHROPIC_API_KEY)."
    : "Without a key, runs of the agents that call Anthropic's API (claude, claude-code) cannot start: the app has no ANTHROPIC_API_KEY either.";
  return {
    set: stored !== null,
    status,
    vaultMissing: deps.vault.currentKeyVersion === null ? `${createNoKeyError().message} Then restart the app.` : null,
    fallback,
    minLength: MIN_PROVIDER_KEY_LENGTH,
    maxLength: MAX_PROVIDER_KEY_LENGTH,
  };
}

async function renderSettings(deps: ConsoleDeps, ctx: ConsoleContext, response: ServerResponse, installationId: number, admin: boolean, options: RenderOptions = {}) {
  const { settings } = deps;
  const stored = admin ? deps.installationDefaults.getDefaults(installationId) : null;
  const preferences = deps.preferences.getPreferences(installationId, ctx.user.id) ?? {};
  const label = await describeInstallation(ctx, installationId);
  sendPage(response, ctx, {
    title: `Settings · ${label}`,
    view: settingsView,
    status: options.status ?? 200,
    data: {
      installationId,
      label,
      action: settingsPath(installationId),
      csrf: ctx.csrf,
      admin,
      notice: options.notice ?? null,
      errors: options.errors ?? [],
      errorHeading: options.errorHeading ?? "",
      key: buildKeyData(deps, installationId),
      defaults: {
        fields: options.defaultsFields ?? showDefaults(stored),
        updated: stored ? `on ${formatWhen(stored.updatedAt)} by ${stored.updatedBy}` : null,
      },
      appDefaults: { agent: APP_DEFAULT_AGENT, model: settings.defaultModel, executor: settings.executor },
      agents: deps.knownAgents,
      executors: EXECUTOR_NAMES,
      budgets: [
        { key: "turns", label: "Turns (model calls)", placeholder: String(settings.maxTurns) },
        { key: "input_tokens", label: "Input tokens", placeholder: "no limit" },
        { key: "output_tokens", label: "Output tokens", placeholder: "no limit" },
        { key: "cost_usd", label: "Cost (US dollars)", placeholder: "no limit" },
        { key: "minutes", label: "Minutes (wall clock)", placeholder: String(settings.runMinutes) },
      ],
      preferences: options.preferences ?? { agent: preferences.agent ?? "", branch: preferences.branch ?? "", model: preferences.model ?? "" },
    },
  });
}

async function showSettings(deps: ConsoleDeps, ctx: ConsoleContext, response: ServerResponse, params: Record<string, string>): Promise<void> {
  const installationId = await findInstallation(ctx, params["id"]);
  const admin = await canAdministerInstallation(deps, ctx, installationId);
  const saved = parseSettingsAction(new URLSearchParams({ action: ctx.url.searchParams.get("saved") ?? "" }));
  await renderSettings(deps, ctx, response, installationId, admin, { notice: saved ? NOTICES[saved] : null });
}

/** Post, then redirect, then get: a reload does not post the form again. */
function redirectSaved(response: ServerResponse, installationId: number, action: SettingsAction): void {
  response.writeHead(303, { ...securityHeaders(), location: `${settingsPath(installationId)}?saved=${action}` }).end();
}

async function saveSettings(deps: ConsoleDeps, ctx: ConsoleContext, response: ServerResponse, params: Record<string, string>): Promise<void> {
  const installationId = await findInstallation(ctx, params["id"]);
  const action = parseSettingsAction(ctx.form);
  if (action === undefined) return sendMessage(response, ctx, 400, "Unknown action", "This form asks for something the settings page does not do. Reload the page and try again.");
  const admin = await canAdministerInstallation(deps, ctx, installationId);
  if (ADMIN_ACTIONS.includes(action) && !admin) {
    return sendMessage(response, ctx, 403, "Admins only", "Only admins of this installation's account, or of its repository, change its API key and defaults.");
  }
  const refuse = (errors: readonly string[], more: RenderOptions = {}) =>
    renderSettings(deps, ctx, response, installationId, admin, { status: 400, errors, errorHeading: ERROR_HEADINGS[action], ...more });
  const by = ctx.user.login;

  switch (action) {
    case "set-key": {
      if (deps.vault.currentKeyVersion === null) return refuse([createNoKeyError().message]);
      const read = readProviderKey(ctx.form);
      if (!read.ok) return refuse([read.error]);
      // Learnt before it is stored: nothing written from here on can show it.
      deps.redactor.addSecret(read.key);
      deps.vault.setSecret(installationId, PROVIDER, read.key, by);
      deps.log.info({ installationId, provider: PROVIDER, by }, "provider key set in the console");
      break;
    }
    case "remove-key": {
      if (!deps.vault.deleteSecret(installationId, PROVIDER)) return refuse(["No key of this installation's own is set."]);
      deps.log.info({ installationId, provider: PROVIDER, by }, "provider key removed in the console");
      break;
    }
    case "save-defaults": {
      const parsed = parseInstallationDefaults(readDefaultsForm(ctx.form), deps.knownAgents);
      if (!parsed.ok) return refuse(parsed.errors, { defaultsFields: showSubmittedDefaults(ctx.form) });
      deps.installationDefaults.setDefaults(installationId, parsed.defaults, by);
      deps.log.info({ installationId, by }, "installation defaults saved in the console");
      break;
    }
    case "save-preferences": {
      const values = readPreferencesForm(ctx.form);
      const problems = findPreferenceProblems(values, deps.knownAgents);
      if (problems.length > 0) {
        return refuse(problems, { preferences: { agent: values.agent ?? "", branch: values.branch ?? "", model: values.model ?? "" } });
      }
      deps.preferences.replacePreferences(installationId, ctx.user, values);
      break;
    }
  }
  redirectSaved(response, installationId, action);
}

export function createInstallationSettingsRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    { method: "GET", pattern: SETTINGS_PATTERN, handle: (ctx, _request, response, params) => showSettings(deps, ctx, response, params) },
    { method: "POST", pattern: SETTINGS_PATTERN, handle: (ctx, _request, response, params) => saveSettings(deps, ctx, response, params) },
  ];
}
