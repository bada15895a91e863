import type { GitHubClient, RepoRef } from "./client.js";

export interface ReviewThreadComment {
  /** The REST id (`databaseId`): what `in_reply_to` takes. */
  readonly id: number;
  readonly author: string | null;
  readonly authorIsBot: boolean;
  readonly body: string;
  readonly diffHunk: string;
}

export interface ReviewThread {
  readonly isResolved: boolean;
  readonly isOutdated: boolean;
  readonly path: string;
  /** The line in the current diff, or the line the comment was made on when the diff has moved on. */
  readonly line: number | null;
  readonly comments: readonly ReviewThreadComment[];
}

/** Threads read at most (pages of 50): a pull request with more is not one a follow-up can take in. */
const MAX_THREAD_PAGES = 4;

const THREADS_QUERY = `query($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 50, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes {
          isResolved
          isOutdated
          path
          line
          originalLine
          comments(first: 30) {
            nodes { databaseId body diffHunk author { __typename login } }
          }
        }
      }
    }
  }
}`;

interface ThreadsAnswer {
  repository: {
    pullRequest: {
      reviewThreads: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: {
          isResolved: boolean;
          isOutdated: boolean;
          path: string;
          line: number | null;
          originalLine: number | null;
          comments: { nodes: { databaseId: number | null; body: string; diffHunk: string; author: { __typename: string; login: string } | null }[] };
        }[];
      };
    } | null;
  } | null;
}

/**
 * The pull request's review threads. Only GraphQL says whether a thread is resolved (REST
 * lists comments, not threads); it is available to GitHub Apps on github.com and GHES alike.
 */
export async function listReviewThreads(octokit: GitHubClient, repo: RepoRef, pullNumber: number): Promise<ReviewThread[]> {
  const threads: ReviewThread[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_THREAD_PAGES; page++) {
    const answer: ThreadsAnswer = await octokit.graphql<ThreadsAnswer>(THREADS_QUERY, { owner: repo.owner, name: repo.repo, number: pullNumber, cursor });
    const connection = answer.repository?.pullRequest?.reviewThreads;
    if (!connection) break;
    for (const node of connection.nodes) {
      threads.push({
        isResolved: node.isResolved,
        isOutdated: node.isOutdated,
        path: node.path,
        line: node.line ?? node.originalLine,
        comments: node.comments.nodes.flatMap((c) =>
          c.databaseId === null ? [] : [{ id: c.databaseId, author: c.author?.login ?? null, authorIsBot: c.author?.__typename === "Bot", body: c.body, diffHunk: c.diffHunk }],
        ),
      });
    }
    if (!connection.pageInfo.hasNextPage) break;
    cursor = connection.pageInfo.endCursor;
  }
  return threads;
}

/**
 * Replies in a review thread: a review comment with `in_reply_to` (the thread's first
 * comment). The `…/comments/{id}/replies` endpoint is not available to GitHub Apps. With
 * `in_reply_to`, GitHub ignores every other field but the body; `commit_id` and `path` are
 * sent because the endpoint's schema asks for them.
 */
export async function replyInReviewThread(
  octokit: GitHubClient,
  repo: RepoRef,
  input: { pullNumber: number; commentId: number; path: string; commitId: string; body: string },
): Promise<void> {
  await octokit.rest.pulls.createReviewComment({
    ...repo,
    pull_number: input.pullNumber,
    in_reply_to: input.commentId,
    commit_id: input.commitId,
    path: input.path,
    body: input.body,
  });
}
