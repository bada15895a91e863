import type { GitHubClient, RepoRef } from "./client.js";

export async function createIssueComment(octokit: GitHubClient, repo: RepoRef, issueNumber: number, body: string) {
  const { data } = await octokit.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
  return { id: data.id, htmlUrl: data.html_url };
}

/** A comment as the issue's listing gives it. */
export interface ListedComment {
  readonly id: number;
  readonly body: string;
  /** `Bot` for an app's comments. */
  readonly authorType: string | undefined;
}

/**
 * The first of the issue's comments updated at or after `since` (oldest first) that
 * `matches`; the pages after it are not read.
 */
export async function findIssueComment(
  octokit: GitHubClient,
  repo: RepoRef,
  issueNumber: number,
  options: { since: string; matches(comment: ListedComment): boolean },
): Promise<ListedComment | null> {
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, { ...repo, issue_number: issueNumber, since: options.since, per_page: 100 });
  for await (const { data } of pages) {
    for (const c of data) {
      const comment = { id: c.id, body: c.body ?? "", authorType: c.user?.type };
      if (options.matches(comment)) return comment;
    }
  }
  return null;
}

export async function updateIssueComment(octokit: GitHubClient, repo: RepoRef, commentId: number, body: string) {
  const { data } = await octokit.rest.issues.updateComment({ ...repo, comment_id: commentId, body });
  return { id: data.id, htmlUrl: data.html_url };
}

/** 👀 on the comment that carried the command, or on the issue for the label. */
export async function addEyesReaction(
  octokit: GitHubClient,
  repo: RepoRef,
  target: { commentId: number } | { issueNumber: number },
): Promise<void> {
  if ("commentId" in target) {
    await octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: target.commentId, content: "eyes" });
  } else {
    await octokit.rest.reactions.createForIssue({ ...repo, issue_number: target.issueNumber, content: "eyes" });
  }
}
