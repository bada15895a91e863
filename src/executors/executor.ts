import type { AgentTotals, Budgets } from "../agent/provider.js";
import type { RunEvent } from "../domain/run-event.js";
import type { RunReport, RunRequest, Verification } from "../domain/run.js";
import type { Stage } from "../domain/run-state.js";
import { RunFailure } from "../domain/run-failure.js";
import type { GetIssue } from "../runner/gather-context.js";

/**
 * Everything a run's stages need, prepared by the control plane: the start commit is
 * pushed, the pull request and check run are open, and what only GitHub knows (the
 * trusted comments) is already read. An executor needs no GitHub token to run it.
 */
export interface Job {
  readonly runId: number;
  /** 1 for a run's first attempt, 2 after it was resumed. */
  readonly attempt: number;
  readonly request: RunRequest;
  /** The issue's comments that may reach the agent (its author's and maintainers'). */
  readonly taskComments: readonly { readonly author: string; readonly body: string }[];
  /** Where a resumed run starts again; "planning" for a new one. */
  readonly resumeAt: Stage;
  /** The plan of an earlier attempt, when it got that far. */
  readonly plan: readonly string[];
  readonly budgets: Budgets;
  /** The app's checkout of the work branch at its start commit, where the work ends up. */
  readonly checkoutDir: string;
  /** Outside the checkout, what commands may read (the objects of the mirror the checkout borrows). */
  readonly readOnlyPaths: readonly string[];
}

/** How an executor talks to the control plane while it runs a job. */
export interface JobIo {
  /**
   * Reports what happened. Awaited: a stage event is a boundary where the control plane may
   * stop the job (a shutdown, a cancel, the wall clock), by throwing.
   */
  emit(event: RunEvent): Promise<void>;
  /** Another issue of the repository (a brief linked as an issue), read by the control plane. */
  getIssue: GetIssue;
  /** Fires when the run is cancelled, out of time, or the app shuts down. */
  readonly signal: AbortSignal;
}

/** What a job produced besides the work itself, which is in the checkout when `run` returns. */
export interface JobResult {
  readonly plan: readonly string[];
  readonly verification: Verification | null;
  readonly report: RunReport;
  readonly summary: string;
  readonly totals: AgentTotals;
}

/**
 * Where a run's stages execute. When `run` returns, or throws, whatever work the agent did
 * is in the job's checkout; the control plane commits, checks and pushes it. A failure's
 * totals so far are reported as a `totals` event before it is thrown.
 */
export interface Executor {
  readonly name: string;
  run(job: Job, io: JobIo): Promise<JobResult>;
}

/**
 * The place the job ran is gone (a runner process died or stopped answering): the run can
 * resume once from its last completed stage, as a new attempt with a new credential.
 */
export class ExecutorLost extends RunFailure {}
