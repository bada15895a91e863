import type { HostPattern } from "../../sandbox/egress-allowlist.js";
import type { SandboxOption } from "../../sandbox/sandbox.js";
import type { UpstreamProxies } from "../../sandbox/upstream-proxy.js";

export interface CommandAgentOptions {
  /** Absolute path of the CLI, as findExecutable returned it. */
  readonly executablePath: string;
  /** The app's environment: PATH and the spec's passEnv variables are taken from it, nothing else. */
  readonly env: NodeJS.ProcessEnv;
  /** Longest one `send` may run. */
  readonly commandTimeoutMs: number;
  /** Longest text a `send` returns (head and tail kept). Default 30,000. */
  readonly maxOutputChars?: number;
  /**
   * The sandbox the CLI (and so everything it runs) works in: settings (the checkout becomes
   * the workdir) or a factory from the checkout to a policy. Its HOME is made writable, and
   * its network is set by `network`, never the policy's: the CLI calls its model API
   * itself. Absent: unsandboxed.
   */
  readonly sandbox?: SandboxOption;
  /** The sandboxed CLI's network. Default: the egress proxy, to the spec's hosts only. */
  readonly network?: CommandAgentNetwork;
}

/**
 * "proxy": one egress proxy per session, letting through the spec's hosts and
 * `allowHosts` (HAMSTER_AGENT_CLI_ALLOW_HOSTS); "host": the host's whole network. Without
 * a sandbox the CLI always has the host's network: nothing would force it through a proxy.
 */
export interface CommandAgentNetwork {
  readonly mode: "proxy" | "host";
  readonly allowHosts?: readonly HostPattern[];
  /** More destination ports than 80, 443 and a base URL's. For tests, whose servers listen on a random port; no setting sets it. */
  readonly extraPorts?: readonly number[];
  /** The proxy the egress proxy chains to: the app's own HTTPS_PROXY, HTTP_PROXY and NO_PROXY. */
  readonly upstream?: UpstreamProxies;
}
