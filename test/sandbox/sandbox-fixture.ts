import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { buildCommandEnv } from "../../src/agent/tools/bash.js";
import { runProcess, type ProcessRequest, type ProcessResult } from "../../src/sandbox/run-process.js";
import { probeSandbox } from "../../src/sandbox/check-sandbox.js";
import type { SandboxPolicy, SandboxSettings } from "../../src/sandbox/sandbox.js";
import { pollUntil } from "../helpers/wait.js";

/**
 * Fails (never skips) when bubblewrap cannot run here: a sandbox test that passes because
 * there is no sandbox would prove nothing.
 */
export async function requireBubblewrap(): Promise<void> {
  const check = await probeSandbox();
  if (!check.ok) {
    throw new Error(`The sandbox tests need a working bubblewrap (bwrap 0.8+, user namespaces, prlimit), and it does not work here:\n${check.reason}`);
  }
}

/**
 * A layout like the app's, outside /tmp (the sandbox's /tmp is its own tmpfs, which would
 * hide anything under the host's /tmp anyway and so prove nothing about hidePaths):
 *   <root>/app/.env              the app's directory with a secret
 *   <root>/key.pem               the private key (a hidden file, not in a hidden directory)
 *   <root>/data/canary           the data directory
 *   <root>/data/workspaces/run-1 the checkout (workdir)
 *   <root>/home                  the command's HOME
 *   <root>/outside               a writable host directory that is not the workdir
 */
export interface Layout {
  readonly root: string;
  readonly appDir: string;
  readonly keyFile: string;
  readonly dataDir: string;
  readonly workdir: string;
  readonly home: string;
  readonly outside: string;
  policy(overrides?: Partial<SandboxPolicy>): SandboxPolicy;
  /** The app-wide sandbox settings of this layout, as agents take them (they add the workdir). */
  settings(): SandboxSettings;
  cleanup(): void;
}

export const CANARY = `canary-${process.pid}-${Date.now()}`;

export function createLayout(): Layout {
  // /var/tmp: not covered by the sandbox's /tmp, and writable by every user.
  const root = realpathSync(mkdtempSync(path.join("/var/tmp", "hamster-sandbox-test-")));
  const appDir = path.join(root, "app");
  const dataDir = path.join(root, "data");
  const workdir = path.join(dataDir, "workspaces", "run-1");
  const home = path.join(root, "home");
  const outside = path.join(root, "outside");
  for (const dir of [appDir, workdir, home, outside]) mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(appDir, ".env"), `WEBHOOK_SECRET=env-${CANARY}\n`);
  const keyFile = path.join(root, "key.pem");
  writeFileSync(keyFile, `-----BEGIN key-${CANARY}-----\n`);
  writeFileSync(path.join(dataDir, "canary"), `data-${CANARY}\n`);
  // Open to every user, so a run as an unprivileged user (see runAsUnprivileged) can work here.
  for (const dir of [root, dataDir, path.dirname(workdir), workdir, home, outside]) chmodSync(dir, 0o777);
  return {
    root,
    appDir,
    keyFile,
    dataDir,
    workdir,
    home,
    outside,
    policy: (overrides = {}) => ({
      mode: "bubblewrap",
      workdir,
      hidePaths: [dataDir, appDir, keyFile],
      writablePaths: [home],
      network: "none",
      limits: {},
      ...overrides,
    }),
    settings: () => ({ mode: "bubblewrap", hidePaths: [dataDir, appDir, keyFile], network: "none", limits: {} }),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Runs `script` with bash in the layout's sandbox, as the bash tool would. */
export function runSandboxed(layout: Layout, script: string, overrides: Partial<ProcessRequest> & { policy?: Partial<SandboxPolicy> } = {}): Promise<ProcessResult> {
  const { policy, ...request } = overrides;
  return runProcess({
    file: "bash",
    args: ["-c", script],
    cwd: layout.workdir,
    env: buildCommandEnv({ HOME: layout.home }),
    timeoutMs: 10_000,
    maxOutputChars: 20_000,
    signal: new AbortController().signal,
    sandbox: layout.policy(policy),
    ...request,
  });
}

/** Live (not zombie) processes on the host whose argv[0] is `marker` (set with bash's `exec -a`). */
export function findMarkedProcesses(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")[0] === marker) found.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return found;
}

/** True once `condition` holds; false if it still does not after a limit far above what a loaded machine needs. */
export function waitUntil(condition: () => boolean): Promise<boolean> {
  return pollUntil(condition);
}
