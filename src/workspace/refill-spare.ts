import { randomBytes } from "node:crypto";
import { realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseBranchName } from "../git/ref-name.js";
import { runCheckoutStep } from "./checkout-git.js";
import { cloneFromMirror } from "./clone-from-mirror.js";
import { resolveCommit } from "./commit-all.js";
import { isMirror } from "./ensure-mirror.js";
import { mirrorLeases, mirrorLock } from "./mirror-lock.js";
import { renderMirrorDir, renderSpareDir } from "./mirror-name.js";
import { parseRemoteUrl } from "./remote-url.js";
import { runGit } from "./run-git.js";

export interface RefillSpareOptions {
  /** `<dataDir>/mirrors`, as given to prepareCheckout. */
  mirrorsDir: string;
  /** The repository's clone_url: the spare's origin, as in a run's checkout. */
  remoteUrl: string;
  /** The base branch whose tip (in the mirror) the spare holds. */
  branch: string;
}

export type RefilledSpare =
  | { outcome: "made"; dir: string }
  /** A spare was there already (perhaps of another branch). */
  | { outcome: "present"; dir: string }
  /** Nothing to make it from (no mirror, or no such branch in it), or another refill is making it. */
  | { outcome: "skipped"; reason: string }
  | { outcome: "failed"; error: unknown };

/** An index this large (some 3,000 files) is worth the wait in ensureIndexNewerThanFiles. */
const LARGE_INDEX_BYTES = 256 * 1024;
/** The file system's clock may lag the process's a little. */
const INDEX_WAIT_MARGIN_MS = 20;

/** Mirrors whose spare is being made in this process: one refill each at a time. */
const refilling = new Set<string>();

/**
 * Makes the mirror's spare checkout unless one is ready: a `clone --shared` of the mirror
 * made as a run's is, with the files of the branch tip written (HEAD detached), that the
 * next run of the repository takes instead of writing the whole work tree itself (see
 * takeSpare). It is made under another name and renamed into place, so a spare is always
 * whole. Call when a run has ended; it never throws, the result says what happened.
 *
 * Holds a lease on the mirror meanwhile, so pruning does not delete it; a spare that is
 * ready holds none (pruneMirrors deletes it with its mirror).
 */
export async function refillSpare(o: RefillSpareOptions): Promise<RefilledSpare> {
  let mirrorDir: string | undefined;
  try {
    const remoteUrl = parseRemoteUrl(o.remoteUrl);
    const branch = parseBranchName(o.branch);
    if (!branch.ok) return { outcome: "skipped", reason: `"${o.branch}" is not a branch name` };
    // A real path, as prepareCheckout uses: the spare's alternates file must name the same one.
    const mirrorsDir = await realpath(resolve(o.mirrorsDir)).catch(() => null);
    if (mirrorsDir === null) return { outcome: "skipped", reason: "there is no mirrors directory" };
    const dir = renderMirrorDir(mirrorsDir, remoteUrl);
    if (refilling.has(dir)) return { outcome: "skipped", reason: "another refill of this spare is under way" };
    mirrorDir = dir;
    refilling.add(dir);
    return await mirrorLeases.withLease(dir, () => makeSpare(dir, remoteUrl, branch.value));
  } catch (error) {
    return { outcome: "failed", error };
  } finally {
    if (mirrorDir !== undefined) refilling.delete(mirrorDir);
  }
}

async function makeSpare(mirrorDir: string, remoteUrl: string, branch: string): Promise<RefilledSpare> {
  const spareDir = renderSpareDir(mirrorDir);
  if (await stat(spareDir).catch(() => null)) return { outcome: "present", dir: spareDir };
  // Briefly under the lock, to wait out a deletion or fetch under way; from then on the
  // lease keeps pruning away, and a later fetch only adds objects.
  const hasBranch = await mirrorLock.withLock(mirrorDir, async () => (await isMirror(mirrorDir)) && (await hasMirrorBranch(mirrorDir, branch)));
  if (!hasBranch) return { outcome: "skipped", reason: `there is no mirror holding branch ${branch}` };

  const staging = join(dirname(spareDir), `.creating-${randomBytes(4).toString("hex")}-${basename(spareDir)}`);
  try {
    await cloneFromMirror(staging, mirrorDir, remoteUrl, branch);
    const tip = await resolveCommit(staging, `refs/remotes/origin/${branch}`);
    // Detached, so that a run can move the branch refs without the index disagreeing with HEAD.
    await runCheckoutStep(staging, ["checkout", "--detach", tip, "--"], "write the spare's files");
    await ensureIndexNewerThanFiles(staging);
    await rename(staging, spareDir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    // Another refill (of another process, or after a restart) made one meanwhile.
    if (await stat(spareDir).catch(() => null)) return { outcome: "present", dir: spareDir };
    throw error;
  }
  return { outcome: "made", dir: spareDir };
}

/**
 * Racy git: git trusts a file's cached stat only if the file is older than the index, to
 * the second here, so files written in the index's second are hashed again by every
 * command until the index is rewritten later. Once that second has passed, a refresh
 * rewrites it, and the run that takes the spare hashes none of its files. A small index
 * is left as it is: hashing its few files costs less than the wait.
 */
async function ensureIndexNewerThanFiles(dir: string): Promise<void> {
  const index = await stat(join(dir, ".git", "index"));
  if (index.size < LARGE_INDEX_BYTES) return;
  const nextSecond = Math.floor(index.mtimeMs / 1000) * 1000 + 1000;
  await sleep(Math.max(0, nextSecond - Date.now()) + INDEX_WAIT_MARGIN_MS);
  await runCheckoutStep(dir, ["update-index", "-q", "--refresh"], "refresh the spare's index", { silent: true });
}

async function hasMirrorBranch(mirrorDir: string, branch: string): Promise<boolean> {
  try {
    await runGit({ cwd: mirrorDir, args: ["rev-parse", "--verify", "--quiet", "--end-of-options", `refs/heads/${branch}^{commit}`], env: { GIT_DIR: mirrorDir } });
    return true;
  } catch {
    return false;
  }
}
