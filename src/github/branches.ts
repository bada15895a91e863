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
