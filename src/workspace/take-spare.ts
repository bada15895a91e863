import { readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { runCheckoutGit, runCheckoutStep, verifyBorrowedObjects, verifyCheckout } from "./checkout-git.js";
import { renderSpareDir } from "./mirror-name.js";
import { WorkspaceError } from "./workspace-error.js";

export interface TakeSpareOptions {
  /** The run's checkout directory; must not exist. */
  dir: string;
  /** The mirror (a real path, as the spare's alternates file names it). */
  mirrorDir: string;
  remoteUrl: string;
  baseBranch: string;
  /** The base branch's tip in the mirror, fetched for this run. */
  baseTip: string;
}

/**
 * Moves the mirror's spare checkout (see refillSpare) to `dir` and points its base branch
 * at `baseTip`, so that checking out the work branch afterwards writes only the files
 * that changed since the spare was made. True when `dir` now holds it.
 *
 * False, with nothing left at `dir`, when there is no spare for `baseBranch`, another run
 * took it first, or it fails the checks a checkout gets before host git trusts it; the
 * caller then clones as it would without a spare. A refused spare is deleted.
 */
export async function takeSpare(o: TakeSpareOptions): Promise<boolean> {
  const spareDir = renderSpareDir(o.mirrorDir);
  // A spare of another base branch stays for the runs of its branch.
  if ((await readFetchRefspec(spareDir)) !== renderFetchRefspec(o.baseBranch)) return false;
  try {
    // Atomic: of two runs, one gets the spare and the other an error.
    await rename(spareDir, o.dir);
  } catch {
    return false;
  }
  try {
    await verifySpare(o);
    await runCheckoutStep(o.dir, ["update-ref", "--end-of-options", `refs/remotes/origin/${o.baseBranch}`, o.baseTip], "update the base branch", { silent: true });
    // Where a fresh clone's local base branch would be, too.
    await runCheckoutStep(o.dir, ["update-ref", "--end-of-options", `refs/heads/${o.baseBranch}`, o.baseTip], "update the base branch", { silent: true });
    return true;
  } catch {
    await rm(o.dir, { recursive: true, force: true }).catch(() => undefined);
    return false;
  }
}

/**
 * A spare is made by the app alone and lives where the agent's sandbox never shows it;
 * still it gets the checks a checkout the agent had gets (config, `.git` itself, the
 * alternates file), and must be exactly what refillSpare leaves: origin at the remote,
 * HEAD detached (so the index matches it), and no change in the work tree.
 */
async function verifySpare(o: TakeSpareOptions): Promise<void> {
  await verifyCheckout(o.dir);
  await verifyBorrowedObjects(o.dir, o.remoteUrl);
  const refuse = (why: string) => new WorkspaceError("git_failed", `The spare checkout ${why}.`);
  const alternates = await readFile(join(o.dir, ".git", "objects", "info", "alternates"), "utf8").catch(() => "");
  if (alternates.trim() !== join(o.mirrorDir, "objects")) throw refuse("does not borrow from this mirror");
  const origin = await runCheckoutStep(o.dir, ["config", "--local", "--get", "remote.origin.url"], "read the origin URL");
  if (origin.trim() !== o.remoteUrl) throw refuse("has another origin");
  if ((await readFetchRefspec(o.dir)) !== renderFetchRefspec(o.baseBranch)) throw refuse("tracks another branch");
  const head = await readFile(join(o.dir, ".git", "HEAD"), "utf8");
  if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?\n$/.test(head)) throw refuse("has no detached HEAD");
  await runCheckoutStep(o.dir, ["rev-parse", "--verify", "--quiet", "HEAD^{tree}"], "read the spare's HEAD");
  // Silent: a clean status prints nothing.
  const status = await runCheckoutStep(o.dir, ["status", "--porcelain", "--untracked-files=all", "--ignored=no"], "read the spare's status", { silent: true });
  if (status !== "") throw refuse("has changes");
}

/** What `clone --single-branch --branch=<branch>` writes as remote.origin.fetch. */
function renderFetchRefspec(branch: string): string {
  return `+refs/heads/${branch}:refs/remotes/origin/${branch}`;
}

/** A checkout's remote.origin.fetch (includes not followed); "" when it has none or is not there. */
async function readFetchRefspec(dir: string): Promise<string> {
  try {
    return (await runCheckoutGit({ dir, args: ["config", "--local", "--get", "remote.origin.fetch"] })).trim();
  } catch {
    return "";
  }
}
