import { hasStatus, type GitHubClient, type RepoRef } from "./client.js";

export async function branchExists(octokit: GitHubClient, repo: RepoRef, branch: string): Promise<boolean> {
  try {
    await octokit.rest.repos.getBranch({ ...repo, branch });
    return true;
  } catch (error) {
    if (hasStatus(error, 404)) return false;
    throw error;
  }
}

/** Deletes a branch the app created; a branch that is already gone is fine. */
export async function deleteBranch(octokit: GitHubClient, repo: RepoRef, branch: string): Promise<void> {
  try {
    await octokit.rest.git.deleteRef({ ...repo, ref: `heads/${branch}` });
  } catch (error) {
    if (hasStatus(error, 404) || hasStatus(error, 422)) return;
    throw error;
  }
}

/** The commit a branch points at, from the git refs API. */
export async function getBranchHead(octokit: GitHubClient, repo: RepoRef, branch: string): Promise<string> {
  const { data } = await octokit.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
  return data.object.sha;
}

/**
 * Points `branch` at `sha`: creates it, or moves it there (forced) when it exists already.
 * Only for a branch the app owns, whose old commits nobody needs.
 */
export async function ensureBranchAt(octokit: GitHubClient, repo: RepoRef, branch: string, sha: string): Promise<"created" | "moved"> {
  try {
    await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha });
    return "created";
  } catch (error) {
    // 422 "Reference already exists"; anything else about the ref fails the update below too.
    if (!hasStatus(error, 422)) throw error;
  }
  await octokit.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha, force: true });
  return "moved";
}
