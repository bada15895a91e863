import { parseHostPattern, type HostPattern } from "../../sandbox/egress-allowlist.js";
import type { RefusalContext } from "../../sandbox/render-refused-hosts.js";
import type { CommandAgentSpec } from "./spec.js";

/** The ports every CLI may reach through the proxy: HTTP and HTTPS. */
const DEFAULT_AGENT_PORTS: readonly number[] = [80, 443];

/** How a failed CLI run names what the proxy refused. */
export const AGENT_CLI_REFUSALS: RefusalContext = {
  reachOnly: "Command-line agents reach only their model API and the hosts an admin allowed",
  needer: "the agent",
  allowSetting: "HAMSTER_AGENT_CLI_ALLOW_HOSTS",
  networkSetting: "HAMSTER_AGENT_CLI_NETWORK",
};

/**
 * What a CLI may reach through its egress proxy: its spec's model API hosts, the host of a
 * base URL its passEnv sets (with that URL's port, for a gateway on another port), and
 * `extraHosts`. A base URL that does not parse adds nothing: the CLI will say what is wrong
 * with it.
 */
export function resolveAgentAllowlist(
  spec: CommandAgentSpec,
  env: NodeJS.ProcessEnv,
  extraHosts: readonly HostPattern[] = [],
): { allowHosts: HostPattern[]; ports: number[] } {
  const hosts = [...spec.allowHosts];
  const ports = new Set(DEFAULT_AGENT_PORTS);
  for (const url of findBaseUrls(spec, env)) {
    hosts.push(url.hostname);
    // The app's own gateway on this machine: the proxy reaches loopback only where it is listed.
    if (url.hostname === "localhost") hosts.push("127.0.0.1", "::1");
    if (url.port !== "") ports.add(Number(url.port));
  }
  return { allowHosts: [...parseHosts(hosts), ...extraHosts], ports: [...ports] };
}

/** The base URLs the CLI is given that parse and name a host. */
function findBaseUrls(spec: CommandAgentSpec, env: NodeJS.ProcessEnv): URL[] {
  const urls: URL[] = [];
  for (const key of spec.baseUrlEnv ?? []) {
    const value = env[key];
    // Only a variable the CLI is given: anything else does not change where it connects.
    if (!spec.passEnv.includes(key) || value === undefined || value === "") continue;
    const url = parseUrl(value);
    if (url !== undefined && url.hostname !== "") urls.push(url);
  }
  return urls;
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Hosts that are not valid patterns are left out, not guessed at. */
function parseHosts(hosts: readonly string[]): HostPattern[] {
  const patterns: HostPattern[] = [];
  for (const host of hosts) {
    const parsed = parseHostPattern(host);
    if (parsed.ok) patterns.push(parsed.pattern);
  }
  return patterns;
}
