import { randomBytes } from "node:crypto";
import { appendFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { buildCloneFailure } from "./clone-failure.js";
import { buildGitAuthEnv, redactToken } from "./git-auth.js";
import { mirrorLock } from "./mirror-lock.js";
import { renderSpareDir } from "./mirror-name.js";
import { GitCommandError, runGit } from "./run-git.js";
import { WorkspaceError } from "./workspace-error.js";

/** Touched each time a run uses a mirror; its mtime is the mirror's last use, for pruning. */
export const LAST_USED_FILE = "hamster-last-used";

/** More packs than this and the small ones are rolled into one. */
const MAX_PACKS = 16;

/**
 * Written into every new mirror's config. Nothing here names the remote or carries a
 * credential: fetches give the URL on the command line and the token in the environment.
 */
const MIRROR_CONFIG = `[gc]
\t# Never gc on its own: gc deletes unreachable objects, and a checkout cloned with
\t# --shared may still need one the mirror no longer references (a force-pushed branch).
\tauto = 0
[maintenance]
\tauto = false
[fetch]
\t# Keep each fetch as one pack rather than loose objects; ensureMirror rolls packs up.
\tunpackLimit = 1
[repack]
\twriteBitmaps = false
`;

export interface EnsureMirrorOptions {
  /** The mirror's absolute path, from renderMirrorDir. */
  mirrorDir: string;
  remoteUrl: string;
  token?: string | undefined;
  /** Branches to bring up to date; each must exist on the remote. */
  branches: readonly string[];
}

export interface EnsuredMirror {
  /** Tip of each of `branches` in the mirror after the fetch. */
  tips: Map<string, string>;
  /** True when this call created the mirror (a cold start). */
  created: boolean;
}

/**
 * Creates the bare mirror when it does not exist yet and fetches `branches` into it, each
 * to the same name under refs/heads/, so that only what changed since the last run
 * travels. Holds the mirror's lock throughout: two runs of one repository never fetch
 * into it at once. The token is sent as a header for this one command, as for a clone.
 */
export async function ensureMirror(o: EnsureMirrorOptions): Promise<EnsuredMirror> {
  return mirrorLock.withLock(o.mirrorDir, async () => {
    const created = await ensureMirrorExists(o.mirrorDir);
    await writeFile(join(o.mirrorDir, LAST_USED_FILE), `${new Date().toISOString()}\n`);
    await removeConflictingRefs(o.mirrorDir, o.branches);
    try {
      await runMirrorGit(
        o.mirrorDir,
        [
          "fetch",
          "--quiet",
          "--no-tags",
          "--no-write-fetch-head",
          "--no-recurse-submodules",
          "--end-of-options",
          o.remoteUrl,
          ...o.branches.map((branch) => `+refs/heads/${branch}:refs/heads/${branch}`),
        ],
        { token: o.token, env: buildGitAuthEnv(o.token), silent: true },
      );
    } catch (error) {
      throw buildCloneFailure(error, o.remoteUrl, o.token);
    }
    await ensureNoTokenInMirror(o.mirrorDir, o.token);
    await rollUpPacks(o.mirrorDir);
    return { tips: await readTips(o.mirrorDir, o.branches), created };
  });
}

/**
 * Deletes a mirror (or anything at its path) without ever leaving a half-deleted one at
 * that path: it is renamed away first, then removed. Call with the mirror's lock held.
 */
export async function discardMirrorDir(dir: string): Promise<void> {
  const doomed = join(dirname(dir), `.deleting-${randomBytes(4).toString("hex")}-${basename(dir)}`);
  await rename(dir, doomed);
  await rm(doomed, { recursive: true, force: true });
}

/**
 * Deletes a mirror and its spare checkout, the spare first: it borrows the mirror's
 * objects, so it must never outlive them, while a mirror without a spare is fine.
 * Call with the mirror's lock held.
 */
export async function discardMirror(mirrorDir: string): Promise<void> {
  const spareDir = renderSpareDir(mirrorDir);
  if (await stat(spareDir).catch(() => null)) await discardMirrorDir(spareDir);
  if (await stat(mirrorDir).catch(() => null)) await discardMirrorDir(mirrorDir);
}

/** Creates the mirror unless a usable one is there; true when it created it. */
async function ensureMirrorExists(dir: string): Promise<boolean> {
  if (await isMirror(dir)) return false;
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  // Something unusable at the path (a crash mid-creation by an older version, say), and a
  // spare left from a mirror that is gone: the new mirror may lack objects it borrows.
  await discardMirror(dir);
  // Made under another name and renamed into place, so the path never holds half a mirror.
  const staging = join(parent, `.creating-${randomBytes(4).toString("hex")}-${basename(dir)}`);
  try {
    await runGit({ cwd: parent, args: ["init", "--quiet", "--bare", "--end-of-options", staging], silent: true });
    await appendFile(join(staging, "config"), MIRROR_CONFIG);
    await rename(staging, dir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    const detail = error instanceof GitCommandError ? error.output : String(error);
    throw new WorkspaceError("clone_failed", `Hamster could not create its mirror of the repository in ${dir}: ${detail}. Check that the data directory is writable.`, {
      command: "init",
      gitOutput: detail,
      cause: error,
    });
  }
  return true;
}

/** True when `dir` looks like a bare repository (HEAD and objects/), as every mirror does. */
export async function isMirror(dir: string): Promise<boolean> {
  const [head, objects] = await Promise.all([stat(join(dir, "HEAD")).catch(() => null), stat(join(dir, "objects")).catch(() => null)]);
  return head?.isFile() === true && objects?.isDirectory() === true;
}

/**
 * Deletes mirror branches that would stop a fetch of `branches` because one's name is a
 * directory of the other's (`release` against `release/9`). The remote cannot have both,
 * so such a branch is one the remote has deleted since; its objects stay.
 */
async function removeConflictingRefs(dir: string, branches: readonly string[]): Promise<void> {
  const targets = branches.map((branch) => `refs/heads/${branch}`);
  const existing = (await runMirrorGit(dir, ["for-each-ref", "--format=%(refname)", "refs/heads/"])).split("\n").filter((ref) => ref !== "");
  for (const ref of existing) {
    if (targets.some((target) => ref !== target && (ref.startsWith(`${target}/`) || target.startsWith(`${ref}/`)))) {
      await runMirrorGit(dir, ["update-ref", "-d", "--end-of-options", ref], { silent: true });
    }
  }
}

async function readTips(dir: string, branches: readonly string[]): Promise<Map<string, string>> {
  const output = await runMirrorGit(dir, ["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/"]);
  const tips = new Map<string, string>();
  for (const line of output.split("\n")) {
    const space = line.indexOf(" ");
    const ref = line.slice(space + 1);
    const branch = branches.find((name) => ref === `refs/heads/${name}`);
    if (space > 0 && branch !== undefined) tips.set(branch, line.slice(0, space));
  }
  return tips;
}

/** Proves what the design promises: a mirror outlives runs, so a token in it would too. */
async function ensureNoTokenInMirror(dir: string, token: string | undefined): Promise<void> {
  if (token === undefined || token === "") return;
  const config = await readFile(join(dir, "config"), "utf8");
  if (redactToken(config, token) === config) return;
  await discardMirror(dir);
  throw new WorkspaceError("clone_failed", "The repository mirror's git config contained credentials, so Hamster deleted it. This is a bug in Hamster; report it.");
}

/**
 * Each fetch adds a pack; past MAX_PACKS the small ones are rolled into one (a geometric
 * repack leaves the big first pack alone, so this stays cheap). A roll-up keeps every
 * object of the packs it merges, reachable or not, so no checkout loses one. Maintenance
 * only: a failure here does not fail the run.
 */
async function rollUpPacks(dir: string): Promise<void> {
  const names = await readdir(join(dir, "objects", "pack")).catch(() => [] as string[]);
  if (names.filter((name) => name.endsWith(".pack")).length <= MAX_PACKS) return;
  await runMirrorGit(dir, ["repack", "-d", "-q", "--geometric=2", "--no-write-bitmap-index"], { silent: true }).catch(() => undefined);
}

function runMirrorGit(
  dir: string,
  args: readonly string[],
  options: { token?: string | undefined; env?: Record<string, string>; silent?: boolean } = {},
): Promise<string> {
  // GIT_DIR named explicitly, as for checkouts: no discovery of some enclosing repository.
  return runGit({ cwd: dir, args, token: options.token, silent: options.silent, env: { ...options.env, GIT_DIR: dir } });
}
