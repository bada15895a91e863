import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import { parseBranchName } from "../git/ref-name.js";
import { runCheckoutStep } from "./checkout-git.js";
import { createCommit, resolveCommit } from "./commit-all.js";
import { buildGitAuthEnv, redactToken } from "./git-auth.js";
import { pushBranch } from "./push-branch.js";
import { parseRemoteUrl, renderSafeUrl } from "./remote-url.js";
import { GitCommandError, runGit } from "./run-git.js";
import type { GitAuthor } from "./run-git.js";
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
}

export interface PreparedCheckout {
  /** The work branch's tip after preparation: the new start commit, or the existing tip. */
  headSha: string;
  /** Where the work branch leaves the base branch: the base tip for a new branch, the merge base for an existing one. */
  baseSha: string;
  /** True when this call created (and pushed) the work branch. */
  branchCreated: boolean;
}

/**
 * Clones the base branch into `dir` and puts the work branch there. An existing work
 * branch on the remote is checked out as it is (a follow-up run); otherwise it is made
 * from the base tip with one empty start commit and pushed, so a pull request can be
 * opened before any work is done. On failure `dir` is removed again.
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

  const heads = await findRemoteHeads(o.dir, remoteUrl, o.token, [baseBranch, workBranch]);
  const baseTip = heads.get(baseBranch);
  if (baseTip === undefined) {
    throw new WorkspaceError(
      "base_branch_missing",
      `The base branch "${baseBranch}" does not exist in ${renderSafeUrl(remoteUrl)}. Name an existing branch (for example with branch=<name>) and try again.`,
      { branch: baseBranch },
    );
  }

  try {
    await cloneBranch(o.dir, remoteUrl, o.token, baseBranch);
    await ensureNoCredentialsInConfig(o.dir, o.token);
    const baseRef = `refs/remotes/origin/${baseBranch}`;
    if (heads.has(workBranch)) {
      const workRef = `refs/remotes/origin/${workBranch}`;
      await runCheckoutStep(o.dir, ["fetch", "--quiet", "--no-tags", "--end-of-options", remoteUrl, `+refs/heads/${workBranch}:${workRef}`], `fetch branch ${workBranch}`, {
        token: o.token,
        env: buildGitAuthEnv(o.token),
      });
      await runCheckoutStep(o.dir, ["checkout", "--quiet", "--no-track", "-b", workBranch, workRef, "--"], `check out branch ${workBranch}`);
      const headSha = await resolveCommit(o.dir, "HEAD");
      return { headSha, baseSha: await findForkPoint(o.dir, baseRef, headSha), branchCreated: false };
    }
    await runCheckoutStep(o.dir, ["checkout", "--quiet", "--no-track", "-b", workBranch, baseRef, "--"], `create branch ${workBranch}`);
    await createCommit(o.dir, o.startMessage, o.author, { allowEmpty: true });
    await pushBranch({ dir: o.dir, remoteUrl, token: o.token, workBranch });
    return { headSha: await resolveCommit(o.dir, "HEAD"), baseSha: await resolveCommit(o.dir, baseRef), branchCreated: true };
  } catch (error) {
    await rm(o.dir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
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
    throw cloneFailure(error, remoteUrl, token);
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
      args: ["clone", "--quiet", "--no-tags", "--single-branch", `--branch=${baseBranch}`, "--end-of-options", remoteUrl, dir],
      token,
      env: buildGitAuthEnv(token),
    });
  } catch (error) {
    throw cloneFailure(error, remoteUrl, token);
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

function cloneFailure(error: unknown, remoteUrl: string, token: string | undefined): WorkspaceError {
  const output = error instanceof GitCommandError ? error.output : redactToken(String(error), token);
  const hasToken = token !== undefined && token !== "";
  const refused = /could not read (username|password)|authentication failed|returned error: 40[13]/i.test(output);
  const hint = !refused
    ? "Check that the repository URL is right and the git server is reachable, then retry."
    : hasToken
      ? "The server refused the installation token; check that the Hamster app is still installed on this repository and may read its contents."
      : "The server requires authentication but no access token was available; check that the Hamster app is installed on this repository.";
  return new WorkspaceError("clone_failed", `Hamster could not clone ${renderSafeUrl(remoteUrl)}: ${output || "git failed without a message"}. ${hint}`, {
    command: error instanceof GitCommandError ? error.command : "clone",
    gitOutput: output,
    cause: error instanceof GitCommandError ? error : undefined,
  });
}
