import { hasStatus, type GitHubClient, type RepoRef } from "./client.js";

/** Whether `path` exists on the default branch, from the contents API. */
export async function fileExists(octokit: GitHubClient, repo: RepoRef, path: string): Promise<boolean> {
  try {
    await octokit.rest.repos.getContent({ ...repo, path });
    return true;
  } catch (error) {
    if (hasStatus(error, 404)) return false;
    throw error;
  }
}

/** Commits a new file on `branch` with the contents API (one commit, no clone); the file must not exist there yet. */
export async function createFile(
  octokit: GitHubClient,
  repo: RepoRef,
  input: { path: string; content: string; message: string; branch: string },
): Promise<void> {
  await octokit.rest.repos.createOrUpdateFileContents({
    ...repo,
    path: input.path,
    message: input.message,
    branch: input.branch,
    content: Buffer.from(input.content, "utf8").toString("base64"),
  });
}

/** A file's text on the default branch (raw, so large files come whole), or null when there is no such file. */
export async function readTextFile(octokit: GitHubClient, repo: RepoRef, path: string): Promise<string | null> {
  try {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path, mediaType: { format: "raw" } });
    // A directory comes back as a listing, whatever the media type asked for.
    return typeof data === "string" ? data : null;
  } catch (error) {
    if (hasStatus(error, 404)) return null;
    throw error;
  }
}

/**
 * A YAML settings file of the repository's default branch, parsed, as Probot's `context.config`
 * reads it (with `_extends` from another repository); null when there is none. For work that
 * starts without a webhook's context.
 */
export async function readConfigFile(octokit: GitHubClient, repo: RepoRef, path: string): Promise<unknown> {
  const { config, files } = await octokit.config.get({ ...repo, path });
  return files.some((file) => file.config !== null) ? config : null;
}
