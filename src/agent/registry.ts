import type { SandboxOption } from "../sandbox/sandbox.js";
import { COMMAND_AGENTS } from "./command/agents.js";
import { createCommandAgent } from "./command/command-agent.js";
import { findExecutable } from "./command/find-executable.js";
import type { CommandAgentNetwork } from "./command/options.js";
import type { AgentProvider } from "./provider.js";

/** The built-in tool-use loop's `agent=` name. */
export const BUILTIN_AGENT_NAME = "claude";

/** Every `agent=` value Hamster understands, whether or not this server can run it. */
export const KNOWN_AGENT_NAMES: readonly string[] = [BUILTIN_AGENT_NAME, ...COMMAND_AGENTS.map((spec) => spec.name)];

export interface AgentRegistry {
  /** The providers this server can run, by `agent=` name. Has no prototype: only real names are keys. */
  readonly available: Record<string, AgentProvider>;
  readonly known: readonly string[];
  /** Why `name` cannot be used, in words for the person who asked for it. */
  explainMissing(name: string): string;
}

export interface AgentRegistryOptions {
  readonly builtin: AgentProvider;
  /** The app's environment: command agents are looked up on its PATH and take their keys from it. */
  readonly env: NodeJS.ProcessEnv;
  readonly commandTimeoutMs: number;
  /** The sandbox command agents run in (the built-in agent gets its own in its options). */
  readonly sandbox?: SandboxOption;
  /** The sandboxed command agents' network (HAMSTER_AGENT_CLI_NETWORK); default: the egress proxy to each one's model API. */
  readonly cliNetwork?: CommandAgentNetwork;
}

/**
 * The built-in agent, plus each command agent whose CLI is installed on this server
 * (found on `env.PATH` once, at start: installing one later needs a restart).
 */
export async function createAgentRegistry(options: AgentRegistryOptions): Promise<AgentRegistry> {
  // No prototype, so `agent=constructor` or `agent=__proto__` finds nothing rather than Object's members.
  const available: Record<string, AgentProvider> = Object.create(null) as Record<string, AgentProvider>;
  available[BUILTIN_AGENT_NAME] = options.builtin;
  const found = await Promise.all(COMMAND_AGENTS.map(async (spec) => ({ spec, path: await findExecutable(spec.executable, options.env["PATH"]) })));
  for (const { spec, path } of found) {
    if (path === null) continue;
    available[spec.name] = createCommandAgent(spec, {
      executablePath: path,
      env: options.env,
      commandTimeoutMs: options.commandTimeoutMs,
      ...(options.sandbox ? { sandbox: options.sandbox } : {}),
      ...(options.cliNetwork ? { network: options.cliNetwork } : {}),
    });
  }

  return {
    available,
    known: KNOWN_AGENT_NAMES,
    explainMissing: (name) => explainMissing(name, available),
  };
}

const MAX_ECHOED_NAME = 60;

function explainMissing(name: string, available: Record<string, AgentProvider>): string {
  // The name comes from a user's comment and goes back into one: quoted and bounded.
  const quoted = JSON.stringify(name.length > MAX_ECHOED_NAME ? `${name.slice(0, MAX_ECHOED_NAME)}…` : name);
  if (Object.hasOwn(available, name)) return `The agent ${quoted} is available on this Hamster server.`;
  const spec = COMMAND_AGENTS.find((candidate) => candidate.name === name);
  if (spec !== undefined) {
    return `The agent ${quoted} needs the \`${spec.executable}\` command-line tool on the Hamster server, and it was not found on PATH. Install it there, or use agent=${BUILTIN_AGENT_NAME}.`;
  }
  const here = KNOWN_AGENT_NAMES.filter((known) => Object.hasOwn(available, known));
  return `There is no agent ${quoted}. Known agents: ${KNOWN_AGENT_NAMES.join(", ")} (available on this server: ${here.join(", ")}).`;
}
