import type { GitHubClient, RepoRef } from "../github/client.js";
import { hasStatus } from "../github/client.js";
import { createIssueComment, findIssueComment, updateIssueComment } from "../github/comments.js";
import { parsePlanMarker } from "./render-plan-table.js";

/**
 * Writes a brief's plan table: one comment on the brief issue, edited in place. Without a
 * known id (or when it was deleted) the app's comment with the brief's plan marker is looked
 * for first, so a brief never gets a second table; only then is one created. Returns the
 * comment's id, for the caller to keep.
 */
export async function ensurePlanComment(
  octokit: GitHubClient,
  repo: RepoRef,
  input: { readonly briefNumber: number; readonly commentId: number | null; readonly body: string; readonly since: string },
): Promise<number> {
  if (input.commentId !== null) {
    try {
      await updateIssueComment(octokit, repo, input.commentId, input.body);
      return input.commentId;
    } catch (error) {
      // Deleted by someone: write a new one.
      if (!hasStatus(error, 404)) throw error;
    }
  }
  const found = input.commentId === null
    ? await findIssueComment(octokit, repo, input.briefNumber, { since: input.since, matches: (c) => c.authorType === "Bot" && parsePlanMarker(c.body) === input.briefNumber })
    : null;
  if (found) {
    if (found.body !== input.body) await updateIssueComment(octokit, repo, found.id, input.body);
    return found.id;
  }
  return (await createIssueComment(octokit, repo, input.briefNumber, input.body)).id;
}
