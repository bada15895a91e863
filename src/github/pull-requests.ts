import type { GitHubClient, RepoRef } from "./client.js";

export interface PullRequestRef {
  readonly number: number;
  readonly nodeId: string;
  readonly htmlUrl: string;
  readonly headSha: string;
  readonly draft: boolean;
}

function toRef(data: { number: number; node_id: string; html_url: string; head: { sha: string }; draft?: boolean }): PullRequestRef {
  return { number: data.number, nodeId: data.node_id, htmlUrl: data.html_url, headSha: data.head.sha, draft: data.draft ?? false };
}

/** The open PR from `branch`, if any: a retried run reuses it instead of opening a duplicate. */
export async function findOpenPullRequest(octokit: GitHubClient, repo: RepoRef, branch: string): Promise<PullRequestRef | null> {
  const { data } = await octokit.rest.pulls.list({ ...repo, state: "open", head: `${repo.owner}:${branch}`, per_page: 1 });
  const first = data[0];
  return first ? toRef(first) : null;
}

/** Whether a pull request is open, and its head commit now. */
export async function getPullRequestHead(octokit: GitHubClient, repo: RepoRef, pullNumber: number): Promise<{ open: boolean; headSha: string; headRef: string }> {
  const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: pullNumber });
  return { open: data.state === "open", headSha: data.head.sha, headRef: data.head.ref };
}

export async function createDraftPullRequest(
  octokit: GitHubClient,
  repo: RepoRef,
  input: { head: string; base: string; title: string; body: string },
): Promise<PullRequestRef> {
  const { data } = await octokit.rest.pulls.create({ ...repo, ...input, draft: true, maintainer_can_modify: true });
  return toRef(data);
}

/** An open pull request, ready for review (not a draft). */
export async function createPullRequest(
  octokit: GitHubClient,
  repo: RepoRef,
  input: { head: string; base: string; title: string; body: string },
): Promise<PullRequestRef> {
  const { data } = await octokit.rest.pulls.create({ ...repo, ...input });
  return toRef(data);
}

export async function updatePullRequestBody(octokit: GitHubClient, repo: RepoRef, pullNumber: number, body: string) {
  await octokit.rest.pulls.update({ ...repo, pull_number: pullNumber, body });
}

export async function closePullRequest(octokit: GitHubClient, repo: RepoRef, pullNumber: number) {
  await octokit.rest.pulls.update({ ...repo, pull_number: pullNumber, state: "closed" });
}

/** REST cannot take a PR out of draft; only the GraphQL mutation can. */
export async function markPullRequestReady(octokit: GitHubClient, nodeId: string): Promise<void> {
  await octokit.graphql(
    `mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } } }`,
    { id: nodeId },
  );
}

/** Points the pull request at another base branch (a stacked one, once the branch it targeted is merged). */
export async function retargetPullRequest(octokit: GitHubClient, repo: RepoRef, pullNumber: number, base: string): Promise<void> {
  await octokit.rest.pulls.update({ ...repo, pull_number: pullNumber, base });
}

/** Whether the pull request was merged, or closed without merging, or is still open. */
export async function getPullRequestOutcome(octokit: GitHubClient, repo: RepoRef, pullNumber: number): Promise<"open" | "merged" | "closed"> {
  const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: pullNumber });
  if (data.merged) return "merged";
  return data.state === "closed" ? "closed" : "open";
}
