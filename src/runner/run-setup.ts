import { runShellCommand } from "../agent/tools/bash.js";
import type { AppSettings } from "../config/env.js";
import { startEgressProxy, type EgressProxy, type EgressReport } from "../sandbox/egress-proxy.js";
import { renderRefusedHosts, type RefusalContext } from "../sandbox/render-refused-hosts.js";
import { resolveSandboxPolicy, type SandboxNetwork } from "../sandbox/sandbox.js";
import { RunFailure } from "../domain/run-failure.js";
import type { CommandRun } from "../sandbox/build-command-event.js";

/** What a command's end reports: everything of a `command` event but its purpose. */
export type CommandEnd = Omit<CommandRun, "purpose" | "tailChars">;

/*
 * The repository's setup commands (`setup:` in .github/hamster.yml). They install
 * dependencies, so they get a network, but by default only through the egress proxy, to
 * the hosts HAMSTER_SETUP_ALLOW_HOSTS lists: an install script cannot reach the metadata
 * endpoint, the app's own port or a host of its choosing.
 */

export interface SetupRequest {
  readonly commands: readonly string[];
  readonly settings: Pick<AppSettings, "sandbox" | "setupNetwork" | "commandTimeoutMs">;
  readonly workdir: string;
  readonly home: string;
  readonly readOnlyPaths: readonly string[];
  readonly env: Record<string, string>;
  readonly signal: AbortSignal;
  onCommand(command: string): void;
  /** A command has ended (any way): what it printed, how it ended, how long it took. */
  onCommandEnd?(run: CommandEnd): void;
}

/** How a failed setup names what the proxy refused. */
export const SETUP_REFUSALS: RefusalContext = {
  reachOnly: "Setup commands reach only the hosts an admin allowed",
  needer: "setup",
  allowSetting: "HAMSTER_SETUP_ALLOW_HOSTS",
  networkSetting: "HAMSTER_SETUP_NETWORK",
};

/** Runs each setup command in turn; throws RunFailure at the first that fails. Returns what the proxy allowed and refused (empty without one). */
export async function runSetupCommands(request: SetupRequest): Promise<EgressReport> {
  const { settings } = request;
  if (request.commands.length === 0) return { allowed: [], refused: [] };
  // Without a sandbox nothing would force a command through the proxy.
  const useProxy = settings.setupNetwork.mode === "proxy" && settings.sandbox.mode === "bubblewrap";
  const { allowHosts, upstream } = settings.setupNetwork;
  const proxy: EgressProxy | undefined = useProxy ? await startEgressProxy({ allowHosts, ...(upstream ? { upstream } : {}) }) : undefined;
  const network: SandboxNetwork = settings.setupNetwork.mode === "none" ? "none" : useProxy ? "proxy" : "host";
  try {
    const sandbox = resolveSandboxPolicy(settings.sandbox, request.workdir, {
      writablePaths: [request.home],
      readOnlyPaths: request.readOnlyPaths,
      network,
      ...(proxy ? { egressProxySocket: proxy.socketPath } : {}),
    });
    for (const command of request.commands) {
      request.onCommand(command);
      const startedAt = Date.now();
      const result = await runShellCommand({
        command,
        cwd: request.workdir,
        env: request.env,
        timeoutMs: settings.commandTimeoutMs,
        maxOutputChars: 20_000,
        signal: request.signal,
        sandbox,
      });
      request.onCommandEnd?.({ command, result, durationMs: Date.now() - startedAt });
      if (result.exitCode !== 0) {
        const refusals = proxy ? renderRefusedHosts(proxy.report(), SETUP_REFUSALS) : "";
        throw new RunFailure(
          `The setup command \`${command}\` from .github/hamster.yml failed (${result.ending === "spawn_error" ? "it could not start" : result.exitCode === null ? "killed" : `exit code ${result.exitCode}`}).${refusals} Its output ended with:\n\n\`\`\`\n${result.output.slice(-3000)}\n\`\`\``,
        );
      }
    }
    return proxy?.report() ?? { allowed: [], refused: [] };
  } finally {
    await proxy?.close();
  }
}
