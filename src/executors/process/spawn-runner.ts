import { spawn, type ChildProcess } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SECRET_VARIABLES } from "../../security/app-secrets.js";

/** The environment variable a runner reads its run credential from (never an argument: argv is public). */
export const RUN_CREDENTIAL_VARIABLE = "HAMSTER_RUN_CREDENTIAL";

/**
 * Passed on to a runner: what its commands and its sandbox need from the host, nothing of the
 * app's secrets. PRIVATE_KEY_PATH is only where the key lies: the runner's sandbox hides it.
 */
const HOST_VARIABLES = new Set([
  "PATH",
  "HOME",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TZ",
  "TMPDIR",
  "LOG_LEVEL",
  "PRIVATE_KEY_PATH",
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "NO_PROXY",
  "no_proxy",
]);
const WITHHELD: ReadonlySet<string> = new Set<string>([...SECRET_VARIABLES, RUN_CREDENTIAL_VARIABLE]);

/**
 * A runner's environment: the host basics and the app's HAMSTER_* settings (its sandbox,
 * its limits), never a provider key, a GitHub credential or the vault key; then its run
 * credential. ANTHROPIC_* stay behind too: the runner's model calls go to the gateway.
 */
export function buildRunnerEnv(parent: NodeJS.ProcessEnv, credential: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined || WITHHELD.has(name)) continue;
    if (HOST_VARIABLES.has(name) || name.startsWith("HAMSTER_")) env[name] = value;
  }
  env[RUN_CREDENTIAL_VARIABLE] = credential;
  return env;
}

/**
 * The compiled `hamster` command. The runner always runs compiled JavaScript; when this
 * module itself runs from its TypeScript source (the tests), that is dist/ of the project.
 */
export function resolveRunnerCli(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith(".ts") ? resolve(dirname(here), "../../../dist/src/cli/main.js") : resolve(dirname(here), "../../cli/main.js");
}

/**
 * Starts `hamster runner --url <appUrl>` with this Node, in its own process group, so that
 * stopping it also stops what it started (the agent's commands). Its standard error (its
 * log) is kept by the caller.
 */
export function spawnCompiledRunner(appUrl: string, env: Record<string, string>, extraArgs: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, [resolveRunnerCli(), "runner", "--url", appUrl, ...extraArgs], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
}

/** Resolves true once the runner has exited, or false after `waitMs`. */
export async function waitForExit(child: ChildProcess, waitMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return true;
  let timer: NodeJS.Timeout | undefined;
  const exited = await Promise.race([
    new Promise<boolean>((resolveExit) => child.once("exit", () => resolveExit(true))),
    new Promise<boolean>((done) => (timer = setTimeout(() => done(false), waitMs))),
  ]);
  clearTimeout(timer);
  return exited;
}

/** Kills a runner and its process group with SIGKILL; resolves once it has exited (or after `waitMs`). */
export async function killRunner(child: ChildProcess, waitMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = waitForExit(child, waitMs);
  try {
    // The group: the runner leads it when it was started detached.
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
  await exited;
}
