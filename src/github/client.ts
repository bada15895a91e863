import type { ProbotOctokit } from "probot";

/** An installation-authenticated Octokit, as Probot hands it to handlers. */
export type GitHubClient = InstanceType<typeof ProbotOctokit>;

export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
}

/** True when Octokit failed with the given HTTP status. */
export function hasStatus(error: unknown, status: number): boolean {
  return typeof error === "object" && error !== null && "status" in error && (error as { status: unknown }).status === status;
}
