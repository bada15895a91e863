import type { GitHubClient, RepoRef } from "./client.js";

export async function createIssueComment(octokit: GitHubClient, repo: RepoRef, issueNumber: number, body: string) {
  const { data } = await octokit.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
  return { id: data.id, htmlUrl: data.html_url };
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
