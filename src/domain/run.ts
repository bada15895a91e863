import type { ExecutorName } from "./executor-name.js";
import type { TokenUsage } from "./usage.js";
import type { CriterionStatus, Evidence } from "./evidence.js";
import type { RunState } from "./run-state.js";

/** `review`: a review on a Hamster pull request; `ci`: the repository's checks failing on it. */
export type TriggerKind = "label" | "comment" | "local" | "retry" | "follow_up" | "review" | "ci";

/** A review thread a follow-up addresses, so that the run can reply in it when it ends. */
export interface ReviewThreadRef {
  /** The thread's first comment: replies go to it (`in_reply_to`). */
  readonly commentId: number;
  readonly path: string;
  readonly line: number | null;
}

/** A repository a task's issue lives in. */
export interface IssueRepository {
  readonly id: number;
  readonly owner: string;
  readonly name: string;
  readonly htmlUrl: string;
}

/** The repository of the run's issue: its own, or the code's when they are the same. */
export function findIssueRepository(request: Pick<RunRequest, "repo" | "issueRepo">): IssueRepository {
  return request.issueRepo ?? { id: request.repo.id, owner: request.repo.owner, name: request.repo.name, htmlUrl: request.repo.htmlUrl };
}

/** How the code's repository names the issue: `#12`, or `owner/repo#12` when the issue is in another repository. */
export function renderIssueReference(request: Pick<RunRequest, "repo" | "issueRepo">, issueNumber: number): string {
  return request.issueRepo ? `${request.issueRepo.owner}/${request.issueRepo.name}#${issueNumber}` : `#${issueNumber}`;
}

/** Settings from the repository's .github/hamster.yml (over the installation's defaults) that shape the run, captured at request time. */
export interface RunSettings {
  readonly setup: readonly string[];
  readonly test?: string;
  readonly budgets: {
    readonly turns?: number;
    readonly inputTokens?: number;
    readonly outputTokens?: number;
    readonly costUsd?: number;
    readonly minutes?: number;
  };
  readonly readyForReview: boolean;
  readonly allowWorkflowChanges?: boolean;
  /** Where the stages execute, when the repository or the command chose (else the app's default). */
  readonly executor?: ExecutorName;
  /** The repository's workflow for `executor: actions` (absent on runs from before it existed: the defaults). */
  readonly actions?: { readonly workflow: string; readonly ref?: string; readonly queueTimeoutMinutes: number };
}

export type { CriterionStatus, Evidence } from "./evidence.js";

export interface CriterionResult {
  readonly index: number;
  readonly criterion: string;
  readonly status: CriterionStatus;
  readonly evidence: Evidence | null;
  /** Why the harness did not accept the agent's claim, or whose run the evidence comes from. */
  readonly note?: string;
}

export interface RunReport {
  readonly criteria: readonly CriterionResult[];
  readonly formatError?: string;
}

export interface Verification {
  readonly command: string;
  readonly passed: boolean;
  readonly exitCode: number | null;
  /** How many times the command ran (1 + fix attempts). */
  readonly runs: number;
  readonly outputTail: string;
}

/** How the run's work stands against its acceptance criteria: success only with evidence. */
export type RunConclusion = "success" | "neutral";

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
  readonly settings?: RunSettings;
  /** Where the status comment and replies go when not on the issue itself (a follow-up's pull request). */
  readonly conversationNumber?: number;
  /**
   * Where each parameter's value came from: command, preferences, repository, installation or
   * default. `executor` and `budgets` name only what the command, the repository or the
   * installation chose (absent: the app's default); runs from before they were recorded have neither.
   */
  readonly parameterSources?: Readonly<Record<"branch" | "target" | "agent" | "model", string>> & {
    readonly executor?: string;
    readonly budgets?: Readonly<Partial<Record<keyof RunSettings["budgets"], string>>>;
  };
  /** The issue's milestone, a possible source of the brief. */
  readonly milestone?: { readonly title: string; readonly description: string | null };
  /** A follow-up on a review: the unresolved threads its instructions list, replied to when it ends. */
  readonly reviewThreads?: readonly ReviewThreadRef[];
  /** The brief issue this task is delivered as part of (`/deliver all`): what its agent reads as the brief. */
  readonly brief?: { readonly number: number };
  /**
   * Where the task's issue is when the code is in another repository of the installation
   * (`repo=owner/name`): `repo` is then the code's (clone, branch, pull request, check run),
   * this the issue's (its comments, the status comment, replies, the brief). Absent: the same.
   */
  readonly issueRepo?: IssueRepository;
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
  /** null: the agent did not report its usage (some command-line agents), so it is unknown, not zero. */
  readonly usage: TokenUsage | null;
  /** null when usage is. */
  readonly costUsd: number | null;
  readonly turns: number;
  readonly plan: readonly string[] | null;
  readonly verification: Verification | null;
  readonly report: RunReport | null;
  readonly briefSource: string | null;
  readonly notes: readonly string[];
  readonly conclusion: RunConclusion | null;
  /** The latest live progress line (e.g. "turn 4: bash — npm test"). */
  readonly progress: string | null;
  /** When the worker executing the run last said it was alive. */
  readonly heartbeatAt: string | null;
  /** How often the run was resumed after an interruption (it is resumed once at most). */
  readonly resumeCount: number;
  /** For a follow-up on a pull request: the run that opened it. */
  readonly followUpOf: number | null;
  readonly cancelledBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
}

export interface RunTransition {
  readonly state: RunState;
  readonly at: string;
  readonly detail: string | null;
}
