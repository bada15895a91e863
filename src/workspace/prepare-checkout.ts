import { mkdir, readFile, realpath, rm, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parseBranchName } from "../git/ref-name.js";
import { runCheckoutStep } from "./checkout-git.js";
import { buildCloneFailure } from "./clone-failure.js";
import { cloneFromMirror } from "./clone-from-mirror.js";
import { createEmptyCommit, resolveCommit } from "./commit-all.js";
import { ensureMirror } from "./ensure-mirror.js";
import { buildGitAuthEnv, redactToken } from "./git-auth.js";
import { mirrorLeases } from "./mirror-lock.js";
import { renderMirrorDir } from "./mirror-name.js";
import { pushBranch } from "./push-branch.js";
import { parseRemoteUrl, renderSafeUrl } from "./remote-url.js";
import { runGit } from "./run-git.js";
import type { GitAuthor } from "./run-git.js";
import { takeSpare } from "./take-spare.js";
import { WorkspaceError } from "./workspace-error.js";

export interface PrepareCheckoutOptions {
  /** Absolute path that must not exist yet; the clone creates it. */
  dir: string;
  /** The repository's clone_url (https://…, http://127.0.0.1:…, or file://…). */
  remoteUrl: string;
  /** Installation token, sent as a header for network commands only. */
  token?: string | undefined;
  baseBranch: string;
  /** e.g. hamster/12-add-retries */
  workBranch: string;
  /** e.g. "Start: Add retries" */
  startMessage: string;
  author: GitAuthor;
  /**
   * Directory of the bare mirrors, one per remote: `<dataDir>/mirrors`. When set, the run
   * fetches only what changed into the repository's mirror and clones from it with
   * `--shared`, so the checkout holds its work tree and its own new objects and borrows
   * the rest, read-only, from the mirror. When absent, the checkout is a full clone.
   */
  mirrorsDir?: string | undefined;
}

export interface PreparedCheckout {
  /** The work branch's tip after preparation: the new start commit, or the existing tip. */
  headSha: string;
  /** Where the work branch leaves the base branch: the base tip for a new branch, the merge base for an existing one. */
  baseSha: string;
  /** True when this call created (and pushed) the work branch. */
  branchCreated: boolean;
  /**
   * With `mirrorsDir`: the mirror's objects directory (a real path), which the checkout's
   * `.git/objects/info/alternates` names. Commands in the checkout need it readable at
   * this same path, e.g. bound read-only into a sandbox; they never need to write to it.
   */
  borrowedObjectsDir?: string;
}

/**
 * Clones the base branch into `dir` and puts the work branch there. An existing work
 * branch on the remote is checked out as it is (a follow-up run); otherwise it is made
 * from the base tip with one empty start commit and pushed, so a pull request can be
 * opened before any work is done. On failure `dir` is removed again.
 *
 * With `mirrorsDir` the history comes from the repository's mirror, brought up to date
 * first (only new objects travel), and the checkout borrows the mirror's objects; either
 * way `origin` is the remote and pushes go to `remoteUrl`. If the mirror has a spare
 * checkout of the base branch (refillSpare), it becomes `dir`, and only the files that
 * changed since it was made are written; the result is the same as without it.
 */
export async function prepareCheckout(o: PrepareCheckoutOptions): Promise<PreparedCheckout> {
  const remoteUrl = parseRemoteUrl(o.remoteUrl);
  const baseBranch = requireBranchName(o.baseBranch, "base");
  const workBranch = requireBranchName(o.workBranch, "work");
  if (baseBranch === workBranch) {
    throw new WorkspaceError("git_failed", `The work branch cannot be the base branch (${baseBranch}); Hamster only pushes to its own branch.`, {
      branch: workBranch,
    });
  }
  if (!isAbsolute(o.dir)) throw new WorkspaceError("git_failed", `The checkout directory must be an absolute path, got "${o.dir}".`);
  if (await stat(o.dir).catch(() => null)) {
    throw new WorkspaceError("clone_failed", `The checkout directory ${o.dir} already exists; Hamster clones into a new directory for each run.`);
  }
  await mkdir(dirname(o.dir), { recursive: true });

  const findHeads = () => findRemoteHeads(o.dir, remoteUrl, o.token, [baseBranch, workBranch]);
  if (o.mirrorsDir === undefined) {
    const heads = await findHeads();
    requireBaseBranch(heads, baseBranch, remoteUrl);
    return setUpCheckout(o, remoteUrl, baseBranch, workBranch, heads.has(workBranch), {
      clone: () => cloneBranch(o.dir, remoteUrl, o.token, baseBranch),
      loadWorkBranch: (workRef) =>
        runCheckoutStep(o.dir, ["fetch", "--quiet", "--no-tags", "--end-of-options", remoteUrl, `+refs/heads/${workBranch}:${workRef}`], `fetch branch ${workBranch}`, {
          token: o.token,
          env: buildGitAuthEnv(o.token),
          silent: true,
        }),
    });
  }

  // A real path, so the alternates file and borrowedObjectsDir name the mirror without symbolic links.
  const mirrorsDir = resolve(o.mirrorsDir);
  await mkdir(mirrorsDir, { recursive: true });
  const mirrorDir = renderMirrorDir(await realpath(mirrorsDir), remoteUrl);
  const fetchIntoMirror = (branches: string[]) => ensureMirror({ mirrorDir, remoteUrl, token: o.token, branches });
  // The lease keeps pruneMirrors away until the checkout exists and borrows the mirror's objects.
  return mirrorLeases.withLease(mirrorDir, async () => {
    // The base branch is fetched while ls-remote asks whether it and the work branch exist:
    // one network round trip less. If the base branch is missing, the fetch's error is moot.
    const [found, fetched] = await Promise.allSettled([findHeads(), fetchIntoMirror([baseBranch])]);
    if (found.status === "rejected") throw found.reason;
    requireBaseBranch(found.value, baseBranch, remoteUrl);
    if (fetched.status === "rejected") throw fetched.reason;
    const hasWorkBranch = found.value.has(workBranch);
    const baseTip = fetched.value.tips.get(baseBranch);
    // A follow-up run: its branch is fetched too, also into the mirror.
    const workTip = hasWorkBranch ? (await fetchIntoMirror([workBranch])).tips.get(workBranch) : undefined;
    const prepared = await setUpCheckout(o, remoteUrl, baseBranch, workBranch, hasWorkBranch, {
      // The mirror's spare, when there is one, has most files written already.
      clone: async () => {
        const taken = baseTip !== undefined && (await takeSpare({ dir: o.dir, mirrorDir, remoteUrl, baseBranch, baseTip }));
        if (!taken) await cloneFromMirror(o.dir, mirrorDir, remoteUrl, baseBranch);
      },
      // The objects are already there through the mirror; only the ref is missing.
      loadWorkBranch: (workRef) => {
        if (workTip === undefined) throw new WorkspaceError("git_failed", `Branch ${workBranch} is missing from Hamster's mirror of the repository after fetching it; retry the run.`);
        return runCheckoutStep(o.dir, ["update-ref", "--end-of-options", workRef, workTip], `load branch ${workBranch}`, { silent: true });
      },
    });
    return { ...prepared, borrowedObjectsDir: join(mirrorDir, "objects") };
  });
}

function requireBaseBranch(heads: Map<string, string>, baseBranch: string, remoteUrl: string): void {
  if (heads.has(baseBranch)) return;
  throw new WorkspaceError(
    "base_branch_missing",
    `The base branch "${baseBranch}" does not exist in ${renderSafeUrl(remoteUrl)}. Name an existing branch (for example with branch=<name>) and try again.`,
    { branch: baseBranch },
  );
}

/** How a checkout gets its history: straight from the remote, or from the local mirror. */
interface CheckoutSource {
  /**
   * Creates `dir` holding the base branch with `origin` the remote's URL: not checked out,
   * or (a mirror's spare) checked out at a detached HEAD, the index matching it.
   */
  clone(): Promise<void>;
  /** Points `workRef` at the remote's work branch. */
  loadWorkBranch(workRef: string): Promise<unknown>;
}

/**
 * Puts the work branch in a fresh clone and checks out its files, once: the clone is made
 * with --no-checkout (or is a spare, whose files need only updating), the start commit
 * with commit-tree (it needs no files), and the files are written last, while the start
 * commit is being pushed.
 */
async function setUpCheckout(
  o: PrepareCheckoutOptions,
  remoteUrl: string,
  baseBranch: string,
  workBranch: string,
  hasWorkBranch: boolean,
  source: CheckoutSource,
): Promise<PreparedCheckout> {
  try {
    await source.clone();
    await ensureNoCredentialsInConfig(o.dir, o.token);
    const baseRef = `refs/remotes/origin/${baseBranch}`;
    if (hasWorkBranch) {
      const workRef = `refs/remotes/origin/${workBranch}`;
      await source.loadWorkBranch(workRef);
      const headSha = await resolveCommit(o.dir, workRef);
      await checkOutNewBranch(o.dir, workBranch, headSha);
      return { headSha, baseSha: await findForkPoint(o.dir, baseRef, headSha), branchCreated: false };
    }
    const baseSha = await resolveCommit(o.dir, baseRef);
    const headSha = await createEmptyCommit(o.dir, baseSha, o.startMessage, o.author);
    // The push needs the commit, not the files: both at once, and both must succeed.
    const [files, push] = await Promise.allSettled([
      checkOutNewBranch(o.dir, workBranch, headSha),
      pushBranch({ dir: o.dir, remoteUrl, token: o.token, workBranch, commit: headSha }),
    ]);
    if (push.status === "rejected") throw push.reason;
    if (files.status === "rejected") throw files.reason;
    return { headSha, baseSha, branchCreated: true };
  } catch (error) {
    await rm(o.dir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Creates the local work branch at `sha` (no upstream), makes it HEAD and writes its files
 * and the index: the one checkout of a clone made with --no-checkout, or, from a spare's
 * detached HEAD, the files that differ. Not --quiet: what it prints spares simple-git's
 * wait for silent commands.
 */
async function checkOutNewBranch(dir: string, workBranch: string, sha: string): Promise<void> {
  await runCheckoutStep(dir, ["checkout", "--no-track", "-b", workBranch, sha, "--"], `check out branch ${workBranch}`);
}

/** Tips of the named branches that exist on the remote. */
async function findRemoteHeads(dir: string, remoteUrl: string, token: string | undefined, branches: string[]): Promise<Map<string, string>> {
  let output: string;
  try {
    output = await runGit({
      cwd: dirname(dir),
      args: ["ls-remote", "--heads", "--end-of-options", remoteUrl, ...branches.map((branch) => `refs/heads/${branch}`)],
      token,
      // ls-remote reads the config of a repository it finds around its working directory;
      // naming a git dir that does not exist yet keeps it from finding one.
      env: { ...buildGitAuthEnv(token), GIT_DIR: join(dir, ".git") },
    });
  } catch (error) {
    throw buildCloneFailure(error, remoteUrl, token);
  }
  const heads = new Map<string, string>();
  for (const line of output.split("\n")) {
    const [sha, ref] = line.split("\t");
    // ls-remote matches patterns by suffix; keep exact names only.
    const branch = branches.find((name) => ref === `refs/heads/${name}`);
    if (sha && branch !== undefined) heads.set(branch, sha);
  }
  return heads;
}

async function cloneBranch(dir: string, remoteUrl: string, token: string | undefined, baseBranch: string): Promise<void> {
  try {
    await runGit({
      cwd: dirname(dir),
      // The whole history of the one branch: shallow clones cannot be pushed from reliably.
      args: ["clone", "--quiet", "--no-checkout", "--no-tags", "--single-branch", `--branch=${baseBranch}`, "--end-of-options", remoteUrl, dir],
      token,
      env: buildGitAuthEnv(token),
      silent: true,
    });
  } catch (error) {
    throw buildCloneFailure(error, remoteUrl, token);
  }
}

/**
 * The token only ever travels in a per-command header, so it cannot be in the config;
 * this proves it, because a token left there would outlive the run.
 */
async function ensureNoCredentialsInConfig(dir: string, token: string | undefined): Promise<void> {
  const config = await readFile(join(dir, ".git", "config"), "utf8");
  const hasToken = token !== undefined && token !== "" && redactToken(config, token) !== config;
  const origin = await runCheckoutStep(dir, ["config", "--local", "--get", "remote.origin.url"], "read the origin URL");
  if (hasToken || !isCredentialFree(origin.trim())) {
    throw new WorkspaceError("clone_failed", "The cloned repository's git config contains credentials, so Hamster discarded it. This is a bug in Hamster; report it.");
  }
}

function isCredentialFree(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username === "" && parsed.password === "";
  } catch {
    return !url.includes("@");
  }
}

/** The merge base of the base branch and the work branch; the base tip if they share no history. */
async function findForkPoint(dir: string, baseRef: string, headSha: string): Promise<string> {
  try {
    const output = await runCheckoutStep(dir, ["merge-base", "--end-of-options", baseRef, headSha], "find where the work branch started");
    return output.trim();
  } catch {
    return resolveCommit(dir, baseRef);
  }
}

function requireBranchName(name: string, role: "base" | "work"): string {
  const parsed = parseBranchName(name);
  if (!parsed.ok) throw new WorkspaceError("git_failed", `The ${role} branch "${name}" is not a valid branch name: ${parsed.reason}.`, { branch: name });
  return parsed.value;
}
