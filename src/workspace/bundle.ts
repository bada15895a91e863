import { lstat, mkdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { findUnsafeConfigKeys, runCheckoutGit, runCheckoutStep, verifyCheckout } from "./checkout-git.js";
import { resolveCommit } from "./commit-all.js";
import { GitCommandError, runGit } from "./run-git.js";
import { WorkspaceError } from "./workspace-error.js";

/**
 * Git bundles carry a run's history between the app and a runner without either reaching
 * the other's repository: the app sends its checkout at the start commit, the runner sends
 * back only what it added on top of it.
 */

const COMMIT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** The checkout's branch and the commit it is at. */
export async function readCheckoutHead(dir: string): Promise<{ sha: string; branch: string }> {
  const sha = await resolveCommit(dir, "HEAD");
  const ref = (await runCheckoutStep(dir, ["symbolic-ref", "--quiet", "HEAD"], "read the checked-out branch")).trim();
  if (!ref.startsWith("refs/heads/")) throw new WorkspaceError("git_failed", `The checkout is not on a branch (HEAD is ${ref}).`);
  return { sha, branch: ref.slice("refs/heads/".length) };
}

/** A bundle of the checkout's HEAD with its whole history (objects borrowed from a mirror included). */
export async function createSourceBundle(dir: string, file: string): Promise<void> {
  await runCheckoutStep(dir, ["bundle", "create", "--quiet", "--end-of-options", file, "HEAD"], "bundle the start commit", { silent: true });
}

/**
 * A clone of a source bundle in `dir` (which must not exist), on `branch` at `sha`. The
 * bundle's path is not kept as a remote: the runner's copy has no origin.
 */
export async function cloneSourceBundle(file: string, dir: string, at: { branch: string; sha: string }): Promise<void> {
  if (!COMMIT_ID.test(at.sha)) throw new WorkspaceError("git_failed", `"${at.sha}" is not a commit id.`);
  await mkdir(dirname(dir), { recursive: true });
  try {
    await runGit({ cwd: dirname(dir), args: ["clone", "--quiet", "--no-checkout", "--end-of-options", file, dir], silent: true });
  } catch (error) {
    const detail = error instanceof GitCommandError ? error.output : String(error);
    throw new WorkspaceError("clone_failed", `The runner could not clone the job's source bundle: ${detail}.`);
  }
  await runCheckoutStep(dir, ["checkout", "--no-track", "-b", at.branch, at.sha, "--"], `check out branch ${at.branch}`);
  await runCheckoutStep(dir, ["remote", "remove", "origin"], "forget the bundle's path", { silent: true });
}

/** Where the source bundle's head lands in an existing checkout, until the branch is made from it. */
const SOURCE_REF = "refs/hamster/source";

/**
 * The job's source in an existing checkout `dir` (a GitHub Actions workspace, where the
 * repository's setup steps already ran) instead of a clone: the bundle's objects are
 * fetched into it and `branch` is checked out at `sha`, by force, so that the tracked files
 * are the start commit's while untracked and ignored files (node_modules) stay. Refuses a
 * `dir` that is not the top of a git work tree, or whose git config could hand the agent
 * credentials or run programs; adds no config of its own.
 */
export async function checkoutSourceBundle(file: string, dir: string, at: { branch: string; sha: string }): Promise<void> {
  if (!COMMIT_ID.test(at.sha)) throw new WorkspaceError("git_failed", `"${at.sha}" is not a commit id.`);
  await verifyWorkdir(dir);
  // The app's bundle holds its checkout's HEAD (createSourceBundle).
  await runCheckoutStep(dir, ["fetch", "--quiet", "--no-tags", "--end-of-options", file, `+HEAD:${SOURCE_REF}`], "fetch the job's source bundle", { silent: true });
  await runCheckoutStep(dir, ["checkout", "--quiet", "--force", "--no-track", "-B", at.branch, at.sha, "--"], `check out branch ${at.branch}`, { silent: true });
  await runCheckoutStep(dir, ["update-ref", "-d", SOURCE_REF], "drop the source bundle's ref", { silent: true });
}

/** Refuses a directory that is not the top of a git work tree, or whose local config Hamster does not allow. */
async function verifyWorkdir(dir: string): Promise<void> {
  const refuse = (why: string) => new WorkspaceError("clone_failed", `The runner cannot run the job in ${dir}: ${why}.`);
  if (!(await stat(dir).catch(() => null))?.isDirectory()) throw refuse("there is no such directory");
  if (!(await lstat(join(dir, ".git")).catch(() => null))?.isDirectory()) {
    throw refuse("it is not the top of a git work tree with its own .git directory (--workdir takes a checkout such as actions/checkout makes)");
  }
  let listing: string;
  try {
    listing = await runCheckoutGit({ dir, args: ["config", "--local", "--list", "--null"] });
  } catch (error) {
    throw refuse(`git does not take it for a repository (${error instanceof GitCommandError ? error.output : String(error)})`);
  }
  const unsafe = findUnsafeConfigKeys(listing);
  if (unsafe.length > 0) {
    throw new WorkspaceError(
      "git_failed",
      `The runner will not run the job in ${dir}: its git config holds ${unsafe.join(", ")}, which could hand the agent credentials or run programs. Check the repository out without them (actions/checkout with persist-credentials: false).`,
      { command: "config" },
    );
  }
}

/**
 * A bundle of what `branch` holds beyond `fromSha` (its prerequisite). Returns false, and
 * writes nothing, when there is nothing beyond it.
 */
export async function createWorkBundle(dir: string, file: string, at: { branch: string; fromSha: string }): Promise<boolean> {
  if (!COMMIT_ID.test(at.fromSha)) throw new WorkspaceError("git_failed", `"${at.fromSha}" is not a commit id.`);
  await verifyCheckout(dir);
  const head = await resolveCommit(dir, `refs/heads/${at.branch}`);
  if (head === at.fromSha) return false;
  await runCheckoutStep(dir, ["bundle", "create", "--quiet", "--end-of-options", file, `refs/heads/${at.branch}`, `^${at.fromSha}`], "bundle the work", { silent: true });
  return true;
}

export type BundleCheck = { readonly ok: true; readonly sha: string } | { readonly ok: false; readonly reason: string };

/**
 * Takes a runner's work bundle into the checkout: its one head must be `branch`, its objects
 * must be sound, and its head must descend from `startSha`; only then does the checkout's
 * branch (and its files) move there. A bundle that fails a check changes nothing the
 * checkout shows and comes back as the reason.
 */
export async function applyWorkBundle(dir: string, file: string, at: { branch: string; startSha: string }): Promise<BundleCheck> {
  let heads: string;
  try {
    heads = await runCheckoutGit({ dir, args: ["bundle", "list-heads", "--end-of-options", file] });
  } catch (error) {
    return { ok: false, reason: `it is not a git bundle (${describeGitError(error)})` };
  }
  const lines = heads.split("\n").filter((line) => line.trim() !== "");
  const [sha, ref] = (lines[0] ?? "").split(" ");
  if (lines.length !== 1 || ref !== `refs/heads/${at.branch}` || sha === undefined || !COMMIT_ID.test(sha)) {
    return { ok: false, reason: `it must hold exactly the branch ${at.branch}, and it holds ${lines.length === 0 ? "nothing" : lines.map((line) => line.split(" ")[1] ?? "?").join(", ")}` };
  }
  try {
    // fsck: objects a runner made are checked before the app's git uses them.
    await runCheckoutGit({ dir, args: ["-c", "fetch.fsckObjects=true", "fetch", "--quiet", "--no-tags", "--end-of-options", file, ref], silent: true });
  } catch (error) {
    return { ok: false, reason: `it does not build on the run's start commit ${at.startSha.slice(0, 12)} or is damaged (${describeGitError(error)})` };
  }
  try {
    await runCheckoutGit({ dir, args: ["merge-base", "--is-ancestor", "--end-of-options", at.startSha, sha], silent: true });
  } catch (error) {
    if (error instanceof GitCommandError && error.exitCode === 1) {
      return { ok: false, reason: `its commit ${sha.slice(0, 12)} does not descend from the run's start commit ${at.startSha.slice(0, 12)}` };
    }
    throw error;
  }
  await verifyCheckout(dir);
  await runCheckoutStep(dir, ["reset", "--quiet", "--hard", sha, "--"], "take the runner's work into the checkout", { silent: true });
  return { ok: true, sha };
}

function describeGitError(error: unknown): string {
  return error instanceof GitCommandError ? error.output || "git failed without a message" : String(error);
}
