import type { RunRequest } from "../domain/run.js";
import { hasStatus, type GitHubClient, type RepoRef } from "./client.js";

/**
 * A repository as a run records it, read with the installation's token:
 *   GET /repos/{owner}/{repo}
 * null when the installation cannot see it (not installed there, or no such repository: 404).
 */
export async function getRepository(octokit: GitHubClient, repo: RepoRef): Promise<RunRequest["repo"] | null> {
  try {
    const { data } = await octokit.rest.repos.get({ ...repo });
    return { id: data.id, owner: data.owner.login, name: data.name, cloneUrl: data.clone_url, defaultBranch: data.default_branch, htmlUrl: data.html_url };
  } catch (error) {
    if (hasStatus(error, 404)) return null;
    throw error;
  }
}
