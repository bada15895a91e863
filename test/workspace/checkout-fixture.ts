import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createBareRemote, DEFAULT_REMOTE_FILES, runTestGit } from "../helpers/git.js";
import type { BareRemote, BareRemoteOptions } from "../helpers/git.js";
import { prepareCheckout, renderMirrorDir } from "../../src/workspace/workspace.js";
import type { GitAuthor, PrepareCheckoutOptions, PreparedCheckout } from "../../src/workspace/workspace.js";

export const APP_AUTHOR: GitAuthor = { name: "Hamster Bot", email: "hamster@example.test" };
export const WORK_BRANCH = "hamster/12-add-retries";
export const START_MESSAGE = "Start: Add retries";

/** How a fixture's checkouts get their history: a full clone each, or through a shared mirror. */
export type CheckoutMode = "clone" | "mirror";
export const CHECKOUT_MODES: readonly CheckoutMode[] = ["clone", "mirror"];

export interface CheckoutFixtureOptions extends BareRemoteOptions {
  /** "mirror" passes `mirrorsDir` (next to the remote) to prepareCheckout; "clone" by default. */
  mode?: CheckoutMode;
}

/** A bare remote in its own temp dir, with checkouts (and mirrors) made next to it so one cleanup removes all. */
export interface CheckoutFixture {
  remote: BareRemote;
  /** The mirrors directory in "mirror" mode, undefined in "clone" mode. */
  mirrorsDir: string | undefined;
  /** A fresh checkout path next to the remote (not created). */
  checkoutPath(name?: string): string;
  /** prepareCheckout of WORK_BRANCH from main into a fresh path. */
  prepare(overrides?: { dir?: string; workBranch?: string; remoteUrl?: string; token?: string }): Promise<{ dir: string; prepared: PreparedCheckout }>;
}

export async function createCheckoutFixture(options: CheckoutFixtureOptions = {}): Promise<CheckoutFixture> {
  const { mode = "clone", ...remoteOptions } = options;
  const remote = await createBareRemote(remoteOptions);
  let count = 0;
  const checkoutPath = (name = "checkout") => join(dirname(remote.dir), `${name}-${++count}`);
  const mirrorsDir = mode === "mirror" ? join(dirname(remote.dir), "mirrors") : undefined;
  return {
    remote,
    mirrorsDir,
    checkoutPath,
    async prepare(overrides = {}) {
      const dir = overrides.dir ?? checkoutPath();
      const prepared = await prepareCheckout({
        dir,
        remoteUrl: overrides.remoteUrl ?? remote.url,
        ...(overrides.token === undefined ? {} : { token: overrides.token }),
        baseBranch: "main",
        workBranch: overrides.workBranch ?? WORK_BRANCH,
        startMessage: START_MESSAGE,
        author: APP_AUTHOR,
        ...(mirrorsDir === undefined ? {} : { mirrorsDir }),
      });
      return { dir, prepared };
    },
  };
}

/** A bare remote with a mirrors directory and run checkouts next to it, laid out as in the app's data directory. */
export interface MirrorArea {
  remote: BareRemote;
  /** The remote's temp dir: one cleanup of the remote removes everything. */
  root: string;
  /** `<root>/mirrors`. */
  mirrorsDir: string;
  /** The remote's mirror in it. */
  mirrorDir: string;
  /** One run's prepareCheckout through the mirrors directory, into `<root>/workspaces/run-N`. */
  prepareRun(overrides?: Partial<PrepareCheckoutOptions>): Promise<{ dir: string; prepared: PreparedCheckout }>;
}

export async function createMirrorArea(options: BareRemoteOptions & { workBranchOf?: (run: number) => string } = {}): Promise<MirrorArea> {
  const { workBranchOf = () => WORK_BRANCH, ...remoteOptions } = options;
  const remote = await createBareRemote(remoteOptions);
  const root = dirname(remote.dir);
  const mirrorsDir = join(root, "mirrors");
  let runs = 0;
  return {
    remote,
    root,
    mirrorsDir,
    mirrorDir: renderMirrorDir(mirrorsDir, remote.url),
    async prepareRun(overrides = {}) {
      const run = ++runs;
      const dir = join(root, "workspaces", `run-${run}`);
      const prepared = await prepareCheckout({
        dir,
        remoteUrl: remote.url,
        baseBranch: "main",
        workBranch: workBranchOf(run),
        startMessage: START_MESSAGE,
        author: APP_AUTHOR,
        mirrorsDir,
        ...overrides,
      });
      return { dir, prepared };
    },
  };
}

/** A remote whose .gitignore leaves out node_modules, as most projects' do. */
const IGNORING_REMOTE_FILES: Readonly<Record<string, string>> = { ...DEFAULT_REMOTE_FILES, ".gitignore": "node_modules/\n" };

/** What the repository's setup steps installed in an Actions workspace (ignored by the remote of createActionsMirrorArea). */
export const INSTALLED_FILE = join("node_modules", "left-pad", "index.js");

/** A mirror area whose remote ignores node_modules, as most projects' do: what createActionsWorkspace installs stays out of the work. */
export function createActionsMirrorArea(): Promise<MirrorArea> {
  return createMirrorArea({ files: IGNORING_REMOTE_FILES });
}

/**
 * A workspace as actions/checkout (persist-credentials: false) leaves one, after the
 * repository's setup steps ran: a shallow clone of main with automatic gc turned off, and
 * node_modules installed. Made in `<root>/actions/workspace`; returns that path.
 */
export async function createActionsWorkspace(area: Pick<MirrorArea, "root" | "remote">): Promise<string> {
  const dir = join(area.root, "actions", "workspace");
  await runTestGit(["clone", "--quiet", "--depth", "1", "--branch", "main", area.remote.url, dir]);
  await runTestGit(["-C", dir, "config", "--local", "gc.auto", "0"]);
  await mkdir(dirname(join(dir, INSTALLED_FILE)), { recursive: true });
  await writeFile(join(dir, INSTALLED_FILE), "module.exports = (text) => text;\n");
  return dir;
}

/** git in a checkout, for assertions; isolated from the machine like all test git. */
export function gitIn(dir: string, args: readonly string[]): Promise<string> {
  return runTestGit(["-C", dir, ...args]);
}

/** Every file under `dir`, recursively, as raw bytes. */
export async function readAllFiles(dir: string): Promise<Array<{ path: string; content: Buffer }>> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  return Promise.all(files.map(async (path) => ({ path, content: await readFile(path) })));
}
