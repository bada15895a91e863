import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runProcess } from "./run-process.js";
import { BWRAP_COMMAND, PRLIMIT_COMMAND, type SandboxLimits } from "./sandbox.js";

export type SandboxCheck = { readonly ok: true; readonly warnings: readonly string[] } | { readonly ok: false; readonly reason: string };

const CHECK_TIMEOUT_MS = 15_000;

const OFF_HINT =
  "or set HAMSTER_SANDBOX=off to run commands without a sandbox (unsafe: a command could then read the app's data directory and files and reach its network)";

let cached: Promise<SandboxCheck> | undefined;

/**
 * Whether bubblewrap can start a sandbox on this server: runs a sandboxed `true` once and
 * remembers the answer, so a run fails at once with a reason a person can act on (install
 * bubblewrap, allow user namespaces, or turn the sandbox off) instead of every command
 * failing with bwrap's own message.
 */
export function checkSandbox(): Promise<SandboxCheck> {
  cached ??= probeSandbox();
  return cached;
}

/** checkSandbox without the cache. `limits` default to the sandbox's defaults. */
export async function probeSandbox(options: { readonly env?: Record<string, string>; readonly limits?: SandboxLimits } = {}): Promise<SandboxCheck> {
  const env = options.env ?? { PATH: process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin" };
  let workdir: string;
  try {
    workdir = await mkdtemp(path.join(tmpdir(), "hamster-sandbox-check-"));
  } catch (error) {
    return { ok: false, reason: `Could not create a directory to check the sandbox in: ${describe(error)}` };
  }
  try {
    const result = await runProcess({
      file: "true",
      args: [],
      cwd: workdir,
      env,
      timeoutMs: CHECK_TIMEOUT_MS,
      maxOutputChars: 4_000,
      signal: new AbortController().signal,
      sandbox: { mode: "bubblewrap", workdir, hidePaths: [], network: "none", limits: options.limits ?? {} },
    });
    if (result.ending === "exited" && result.exitCode === 0) return { ok: true, warnings: findWarnings() };
    return { ok: false, reason: explainFailure(result.ending, result.output.trim(), result.exitCode) };
  } finally {
    await rm(workdir, { recursive: true, force: true }).catch(() => undefined);
  }
}

function explainFailure(ending: string, output: string, exitCode: number | null): string {
  if (ending === "spawn_error") {
    return `Commands run in a bubblewrap sandbox, and bubblewrap (\`${BWRAP_COMMAND}\`) could not be started on this server (${output}). Install it (\`apt-get install bubblewrap\`), ${OFF_HINT}.`;
  }
  if (ending === "timeout") return `Commands run in a bubblewrap sandbox, and a trial sandbox did not finish within ${CHECK_TIMEOUT_MS / 1000} s. ${capitalize(OFF_HINT)}.`;
  if (ending === "cancelled") return "The sandbox check was cancelled.";
  const said = output === "" ? `it exited with code ${exitCode ?? "unknown"}` : `it said: ${output.slice(-1_000)}`;
  if (new RegExp(`${PRLIMIT_COMMAND}.*(No such file|not found)`, "i").test(output)) {
    return `Commands run in a bubblewrap sandbox with resource limits set by \`${PRLIMIT_COMMAND}\`, which was not found on PATH (${said}). Install util-linux (\`apt-get install util-linux\`), ${OFF_HINT}.`;
  }
  if (/unrecognized option|unknown option/i.test(output)) {
    return `Commands run in a bubblewrap sandbox, and the installed bubblewrap is too old (0.8 or later is needed; ${said}). Upgrade it (\`apt-get install bubblewrap\`), ${OFF_HINT}.`;
  }
  if (/namespace|permission|not permitted|setting up uid map|creating new/i.test(output)) {
    return `Commands run in a bubblewrap sandbox, and bubblewrap could not create one: this system does not let unprivileged users create user namespaces (${said}). Allow them (sysctl kernel.unprivileged_userns_clone=1 and user.max_user_namespaces > 0; on Ubuntu 24.04+ also kernel.apparmor_restrict_unprivileged_userns=0; in Docker, a seccomp profile that permits unshare/clone of namespaces), ${OFF_HINT}.`;
  }
  return `Commands run in a bubblewrap sandbox, and a trial sandbox failed (${said}). Fix bubblewrap (\`apt-get install bubblewrap\`), ${OFF_HINT}.`;
}

function findWarnings(): string[] {
  const warnings: string[] = [];
  if (process.getuid?.() === 0) {
    warnings.push(
      "Hamster runs as root: the kernel does not apply the sandbox's process limit (RLIMIT_NPROC) to root, so a fork bomb is stopped only by the command timeout, and root inside the sandbox can read root-only files that are not hidden. Run Hamster as an unprivileged user (the Dockerfile does).",
    );
  }
  return warnings;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
