import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEgressProxy, type EgressProxy } from "../../sandbox/egress-proxy.js";
import { resolveSandboxPolicy, type SandboxPolicy } from "../../sandbox/sandbox.js";
import type { AgentSessionRequest } from "../provider.js";
import { AGENT_CLI_REFUSALS, resolveAgentAllowlist } from "./allowlist.js";
import type { CommandAgentOptions } from "./options.js";
import type { CommandAgentSpec } from "./spec.js";

/** Where a session's CLI lives: its own HOME, its sandbox policy and the egress proxy it reaches the network through. */
export interface SessionPlace {
  readonly home: string;
  readonly proxy?: EgressProxy;
  readonly sandbox?: SandboxPolicy;
}

/**
 * A HOME of its own: CLIs keep config, caches and sessions there, and the server user's
 * real HOME (ssh keys, other tools' tokens) is none of the agent's business. A login
 * stored in that HOME is therefore not seen: CLI agents authenticate through passEnv.
 * The HOME is removed again when the network cannot be set up.
 */
export async function createSessionPlace(
  spec: CommandAgentSpec,
  options: CommandAgentOptions,
  request: AgentSessionRequest,
): Promise<SessionPlace> {
  const home = await mkdtemp(path.join(tmpdir(), `hamster-${spec.name}-home-`));
  try {
    return { home, ...(await prepareNetwork(spec, options, request, home)) };
  } catch (error) {
    await rm(home, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The sandbox policy of the session and, with network "proxy" and a real sandbox, the
 * egress proxy it reaches the network through (the caller closes it).
 */
async function prepareNetwork(
  spec: CommandAgentSpec,
  options: CommandAgentOptions,
  request: AgentSessionRequest,
  home: string,
): Promise<{ proxy?: EgressProxy; sandbox?: SandboxPolicy }> {
  if (options.sandbox === undefined) return {};
  const base = resolveSandboxPolicy(options.sandbox, request.workdir, { writablePaths: [home], network: "host", readOnlyPaths: request.readOnlyPaths ?? [] });
  const network = options.network ?? { mode: "proxy" };
  if (network.mode === "host" || base.mode !== "bubblewrap") return { sandbox: base };
  const allowlist = resolveAgentAllowlist(spec, options.env, network.allowHosts);
  const proxy = await startEgressProxy({
    allowHosts: allowlist.allowHosts,
    ports: [...allowlist.ports, ...(network.extraPorts ?? [])],
    allowSetting: AGENT_CLI_REFUSALS.allowSetting,
    // A model call may be silent for minutes while the model thinks: never cut it off before the command limit.
    idleTimeoutMs: Math.max(300_000, options.commandTimeoutMs),
    ...(network.upstream ? { upstream: network.upstream } : {}),
  });
  return { proxy, sandbox: { ...base, network: "proxy", egressProxySocket: proxy.socketPath } };
}

/**
 * Closes the proxy once, whoever asks first. A cancelled run lets go of its proxy at once;
 * close() still runs and finds it closed.
 */
export function createProxyCloser(proxy: EgressProxy | undefined, signal: AbortSignal): { close: () => Promise<void>; detach: () => void } {
  let proxyClosed: Promise<void> | undefined;
  const close = (): Promise<void> => (proxyClosed ??= proxy?.close() ?? Promise.resolve());
  const onAbort = (): void => void close().catch(() => undefined);
  if (proxy !== undefined) {
    signal.addEventListener("abort", onAbort, { once: true });
    // Cancelled while the proxy started: the listener would never fire.
    if (signal.aborted) onAbort();
  }
  return { close, detach: () => signal.removeEventListener("abort", onAbort) };
}
