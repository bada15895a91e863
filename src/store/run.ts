import type { TokenUsage } from "../agent/provider.js";
import type { RunState } from "./run-state.js";

export type TriggerKind = "label" | "comment";

/** Everything a run needs to do its work, captured when it was requested. */
export interface RunRequest {
  readonly repo: {
    readonly id: number;
    readonly owner: string;
    readonly name: string;
    readonly cloneUrl: string;
    readonly defaultBranch: string;
    readonly htmlUrl: string;
  };
  readonly issue: {
    readonly number: number;
    readonly title: string;
    readonly body: string | null;
    readonly author: string;
    readonly htmlUrl: string;
  };
  readonly baseBranch: string;
  readonly targetBranch: string;
  readonly agent: string;
  readonly model: string;
  readonly instructions: string;
  /** The comment that carried the command, for the reaction; absent for the label. */
  readonly commentId?: number;
}

export interface Run {
  readonly id: number;
  readonly installationId: number;
  readonly repoId: number;
  readonly repoOwner: string;
  readonly repoName: string;
  readonly issueNumber: number;
  readonly state: RunState;
  readonly trigger: TriggerKind;
  readonly requestedBy: string;
  readonly deliveryId: string | null;
  readonly request: RunRequest;
  readonly workBranch: string | null;
  readonly prNumber: number | null;
  readonly prNodeId: string | null;
  readonly checkRunId: number | null;
  readonly statusCommentId: number | null;
  readonly headSha: string | null;
  readonly reason: string | null;
  readonly summary: string | null;
  readonly usage: TokenUsage;
  readonly costUsd: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
}

export interface RunTransition {
  readonly state: RunState;
  readonly at: string;
  readonly detail: string | null;
}
