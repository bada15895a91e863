/**
 * The events that move a brief on, parsed once: a pull request closed (merged or not), an
 * issue closed (as completed or not). Whether they concern a brief is the store's to say.
 */

export interface PullRequestClosed {
  readonly repoId: number;
  readonly number: number;
  readonly merged: boolean;
}

export interface IssueClosed {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  /** GitHub's `state_reason`: "completed", "not_planned", "duplicate", or null (older events: completed). */
  readonly stateReason: string | null;
}

export interface PullRequestClosedPayload {
  action: string;
  pull_request: { number: number; merged?: boolean | null; merged_at?: string | null };
  repository: { id: number };
}

export interface IssueClosedPayload {
  action: string;
  issue: { number: number; state_reason?: string | null; pull_request?: unknown };
  repository: { name: string; owner: { login: string } };
}

export function parsePullRequestClosed(payload: PullRequestClosedPayload): PullRequestClosed | null {
  if (payload.action !== "closed") return null;
  const merged = payload.pull_request.merged === true || (payload.pull_request.merged == null && Boolean(payload.pull_request.merged_at));
  return { repoId: payload.repository.id, number: payload.pull_request.number, merged };
}

export function parseIssueClosed(payload: IssueClosedPayload): IssueClosed | null {
  if (payload.action !== "closed" || payload.issue.pull_request) return null;
  return { owner: payload.repository.owner.login, repo: payload.repository.name, number: payload.issue.number, stateReason: payload.issue.state_reason ?? null };
}
