import type { Logger } from "probot";
import { createClaudeAgent } from "../agent/claude-agent.js";
import type { AgentProvider } from "../agent/provider.js";
import { createAgentRegistry, type AgentRegistry } from "../agent/registry.js";
import type { AppSettings } from "../config/env.js";
import type { AgentSources } from "../lifecycle/resolve-run-agent.js";
import { checkSandbox } from "../sandbox/check-sandbox.js";
import { collectAppSecrets } from "../security/app-secrets.js";
import type { Redactor } from "../security/redactor.js";
import { VaultError, type Vault } from "../store/vault.js";

export function createBuiltinAgent(settings: AppSettings): AgentProvider {
  return createClaudeAgent({
    ...(settings.anthropicApiKey ? { apiKey: settings.anthropicApiKey } : {}),
    ...(settings.anthropicBaseUrl ? { baseURL: settings.anthropicBaseUrl } : {}),
    maxTokens: settings.maxOutputTokens,
    commandTimeoutMs: settings.commandTimeoutMs,
    sandbox: settings.sandbox,
  });
}

/** The secrets the settings hold, known to the redactor before anything is written out. */
export function addSettingsSecrets(redactor: Redactor, settings: AppSettings): void {
  if (settings.anthropicApiKey) redactor.addSecret(settings.anthropicApiKey);
  if (settings.oauth) redactor.addSecret(settings.oauth.clientSecret);
  for (const { key } of settings.vaultKeys ?? []) redactor.addSecret(key.toString("base64"));
}

/**
 * The agents this server can run, found once at start; then whether their sandbox can start,
 * said in the log now rather than discovered by the first run. Once this resolves, Probot's
 * run() has loaded .env: every secret the app holds is known to the redactor.
 */
export async function loadAgents(deps: {
  settings: AppSettings;
  builtinAgent: AgentProvider | undefined;
  env: NodeJS.ProcessEnv;
  redactor: Redactor;
  log: Logger;
}): Promise<AgentRegistry> {
  const { settings, log } = deps;
  const registry = await createAgentRegistry({
    builtin: deps.builtinAgent ?? createBuiltinAgent(settings),
    env: deps.env,
    commandTimeoutMs: settings.commandTimeoutMs,
    sandbox: settings.sandbox,
    cliNetwork: settings.agentCliNetwork,
  });
  await reportSandbox(settings, log);
  for (const secret of collectAppSecrets(deps.env)) deps.redactor.addSecret(secret);
  return registry;
}

async function reportSandbox(settings: AppSettings, log: Logger): Promise<void> {
  if (settings.sandbox.mode === "off") {
    log.warn("HAMSTER_SANDBOX=off: the agent's commands run UNSANDBOXED, with this server's files and network in reach.");
    return;
  }
  const check = await checkSandbox();
  if (!check.ok) log.error(`The sandbox cannot start, so every run will fail until this is fixed: ${check.reason}`);
  else for (const warning of check.warnings) log.warn(warning);
}

/** Where a run finds its agent, and the installation's own model key (from the vault) when it has one. */
export function createAgentSources(registry: AgentRegistry, vault: Vault, redactor: Redactor): Required<AgentSources> {
  return {
    getAgent: (name) => registry.available[name] ?? { unavailable: registry.explainMissing(name) },
    getProviderKey: (installationId, provider) => {
      try {
        const key = vault.getSecret(installationId, provider) ?? undefined;
        if (key) redactor.addSecret(key);
        return key;
      } catch (error) {
        // No master key configured: the installation has no key of its own, the app-wide one applies.
        if (error instanceof VaultError && error.code === "no_key") return undefined;
        throw error;
      }
    },
  };
}
