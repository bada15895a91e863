import { readdirSync } from "node:fs";
import path from "node:path";
import type { SandboxLimits, SandboxMode, SandboxNetwork, SandboxSettings } from "./sandbox.js";

/**
 * Places under the app user's home where tools keep credentials: hidden from commands even
 * when the rest of that home stays visible (language toolchains such as pyenv or nvm often
 * live there, and hiding the whole home would break them).
 */
export const HOME_SECRET_PATHS: readonly string[] = [
  ".ssh",
  ".gnupg",
  ".aws",
  ".azure",
  ".config/gcloud",
  ".config/gh",
  ".config/hub",
  ".config/git/credentials",
  ".git-credentials",
  ".netrc",
  ".npmrc",
  ".yarnrc.yml",
  ".pypirc",
  ".docker",
  ".kube",
  ".claude",
  ".claude.json",
  ".codex",
  ".config/anthropic",
];

/** Sockets that would hand a command the host: container engines, and the per-user runtime dirs (ssh-agent, D-Bus, keyrings). */
export const HOST_SOCKET_PATHS: readonly string[] = [
  "/var/run/docker.sock",
  "/run/docker.sock",
  "/run/containerd",
  "/run/podman",
  "/run/user",
];

export interface SandboxSettingsInput {
  readonly mode: SandboxMode;
  readonly network: SandboxNetwork;
  /** HAMSTER_DATA_DIR, absolute: the database, the vault, every run's workspace. */
  readonly dataDir: string;
  /** The app's working directory (where `.env` and often the private key lie); process.cwd(). */
  readonly appDir: string;
  /** PRIVATE_KEY_PATH as given (relative paths are taken from appDir, as Probot does). */
  readonly privateKeyPath?: string | undefined;
  /** The app user's home (os.homedir()): its credential files are hidden. */
  readonly appHome?: string | undefined;
  /** More absolute paths to hide (HAMSTER_SANDBOX_HIDE). */
  readonly extraHidePaths?: readonly string[];
  readonly limits?: SandboxLimits;
}

/**
 * The sandbox settings of the app: what is hidden from every command.
 * - the data directory (database, vault; each run's workspace is mounted back on top);
 * - the app's directory, with its `.env` — as a whole, unless it is `/`, the app user's
 *   home or a parent of it (hiding that would hide the toolchains installed there): then
 *   only its `.env*` and `*.pem` files;
 * - the private key file;
 * - credentials in the app user's home (HOME_SECRET_PATHS) and host sockets (HOST_SOCKET_PATHS);
 * - `extraHidePaths`.
 * Paths that do not exist are skipped when a command starts, so listing them costs nothing.
 */
export function buildSandboxSettings(input: SandboxSettingsInput): SandboxSettings {
  const appDir = path.resolve(input.appDir);
  const hidePaths = [path.resolve(input.dataDir)];
  const appHome = input.appHome === undefined || input.appHome === "" ? undefined : path.resolve(input.appHome);
  if (appDir !== "/" && (appHome === undefined || !isInsideOrSame(appHome, appDir))) {
    hidePaths.push(appDir);
  } else {
    hidePaths.push(...listSecretFiles(appDir));
  }
  if (input.privateKeyPath !== undefined && input.privateKeyPath !== "") hidePaths.push(path.resolve(appDir, input.privateKeyPath));
  if (appHome !== undefined && appHome !== "/") hidePaths.push(...HOME_SECRET_PATHS.map((p) => path.join(appHome, p)));
  hidePaths.push(...HOST_SOCKET_PATHS);
  for (const extra of input.extraHidePaths ?? []) {
    if (!path.isAbsolute(extra)) throw new Error(`A path to hide from commands must be absolute, got "${extra}".`);
    hidePaths.push(path.resolve(extra));
  }
  return {
    mode: input.mode,
    network: input.network,
    hidePaths: [...new Set(hidePaths)],
    limits: input.limits ?? {},
  };
}

function listSecretFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.startsWith(".env") || name.endsWith(".pem"))
      .map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}

function isInsideOrSame(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === "" || (relative.split(path.sep)[0] !== ".." && !path.isAbsolute(relative));
}
