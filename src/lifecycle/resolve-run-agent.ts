import type { AgentProvider } from "../agent/provider.js";
import type { ExecutorName } from "../domain/executor-name.js";

/**
 * The agents whose model calls go through the app's model gateway, which adds the provider's
 * key: the built-in agent and Claude Code. Codex and Aider bring their own keys.
 */
const PROVIDER_OF_AGENT: Record<string, string> = { claude: "anthropic", "claude-code": "anthropic" };

export interface AgentSources {
  /** The provider for an agent name, or why it is not available. */
  getAgent(name: string): AgentProvider | { unavailable: string };
  /** The installation's own key for a model provider (the vault), if it has one. */
  getProviderKey?(installationId: number, provider: string): string | undefined;
}

export interface RunAgentRequest {
  readonly installationId: number;
  readonly agentName: string;
  /** The app-wide Anthropic key (ANTHROPIC_API_KEY), if set. */
  readonly appAnthropicKey: string | undefined;
  /** Where the run executes; default local. */
  readonly executor?: ExecutorName;
}

export type ResolvedAgent =
  /** agent: null when the run executes on GitHub Actions, whose runner finds the agent itself. */
  | { readonly ok: true; readonly agent: AgentProvider | null; readonly apiKey?: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The agent a run asked for, with the key it will use, or why it cannot start. Asked when
 * a run is admitted and again when it starts, before anything is created on GitHub.
 */
export function resolveRunAgent(sources: AgentSources, { installationId, agentName, appAnthropicKey, executor = "local" }: RunAgentRequest): ResolvedAgent {
  const found = sources.getAgent(agentName);
  // On Actions the runner has the agents the repository's setup steps installed, not the app's.
  const agent = "unavailable" in found ? (executor === "actions" ? null : found) : found;
  if (agent !== null && "unavailable" in agent) return { ok: false, reason: agent.unavailable };
  const provider = PROVIDER_OF_AGENT[agentName];
  // A runner never holds a provider key: an agent that brings its own could not call its model there.
  if (executor !== "local" && provider === undefined) {
    return {
      ok: false,
      reason: `The agent ${JSON.stringify(agentName)} calls its model with its own provider key, which a runner never holds, so it cannot run with \`executor: ${executor}\`. Use agent=claude or agent=claude-code, or \`executor: local\` in .github/hamster.yml.`,
    };
  }
  const apiKey = provider ? sources.getProviderKey?.(installationId, provider) : undefined;
  if (provider === "anthropic" && !apiKey && !appAnthropicKey) {
    return {
      ok: false,
      reason: `No Anthropic API key is set up for this installation, so the agent cannot start. An admin of the Hamster server adds one with \`hamster secrets set --installation ${installationId} --provider anthropic\` (the key is read from standard input), or sets ANTHROPIC_API_KEY for the whole app.`,
    };
  }
  return { ok: true, agent, ...(apiKey ? { apiKey } : {}) };
}
