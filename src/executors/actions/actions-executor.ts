import type { GitHubClient } from "../../github/client.js";
import { cancelWorkflowRun, getWorkflowRun } from "../../github/workflow-runs.js";
import type { Redactor } from "../../security/redactor.js";
import type { ActionsDispatchStore } from "../../store/actions-dispatch-store.js";
import type { Executor, JobIo } from "../executor.js";
import type { JobBoard } from "../process/job-board.js";
import type { LiveJob } from "../process/live-job.js";
import { runRunnerAttempt, type RunnerLaunch } from "../process/runner-attempt.js";
import { ActionsAttempt, type ActionsAttempts } from "./actions-attempt.js";
import { resolveWorkflowRef } from "./check-token-claims.js";
import { startWorkflowRun, type StartOptions, type WorkflowTarget } from "./start-workflow-run.js";
import { superviseWorkflow } from "./supervise-workflow.js";

export interface ActionsExecutorDeps {
  readonly board: JobBoard;
  readonly attempts: ActionsAttempts;
  readonly dispatches: ActionsDispatchStore;
  /** The installation's client: it dispatches, polls and cancels the workflow runs. */
  readonly octokit: GitHubClient;
  /** The attempt's run credential, handed to the runner that proves to be the dispatched job. */
  readonly credential: string;
  readonly target: WorkflowTarget;
  /** The job's `timeout-minutes`: the run's budget. */
  readonly timeoutMinutes: number;
  readonly queueTimeoutMs: number;
  /** Default 60 s. */
  readonly heartbeatTimeoutMs?: number;
  /** Default 20 s. */
  readonly stopGraceMs?: number;
  readonly pollMs?: number;
  readonly startOptions?: StartOptions;
  readonly redactor?: Pick<Redactor, "addSecret">;
  readonly log?: { warn(details: object, message: string): void };
}

/**
 * Runs each job in a GitHub Actions job of the repository: the app dispatches the
 * repository's Hamster workflow, whose runner step trades the job's OIDC token for the run
 * credential and then works over the runner protocol like any runner.
 */
export function createActionsExecutor(deps: ActionsExecutorDeps): Executor {
  return { name: "actions", run: (job, io) => runRunnerAttempt(deps.board, job, io, (live) => dispatchJob(deps, live, io)) };
}

async function dispatchJob(deps: ActionsExecutorDeps, live: LiveJob, io: JobIo): Promise<RunnerLaunch> {
  const { job } = live;
  const { repo } = deps.target;
  deps.redactor?.addSecret(deps.credential, { temporary: true });
  await cancelEarlierAttempts(deps, job.runId, job.attempt);
  const attempt = new ActionsAttempt(live, deps.credential, {
    repository: `${repo.owner}/${repo.repo}`,
    workflowPath: deps.target.workflowPath,
    ref: resolveWorkflowRef(deps.target.ref),
  });
  deps.attempts.add(attempt);
  try {
    deps.dispatches.recordDispatch(job.runId, job.attempt);
    const started = await startWorkflowRun(deps.octokit, deps.target, { runId: job.runId, attempt: job.attempt, timeoutMinutes: deps.timeoutMinutes }, deps.startOptions);
    attempt.bindWorkflowRun(started.workflowRunId, started.htmlUrl);
    deps.dispatches.setWorkflowRun(job.runId, job.attempt, started.workflowRunId, started.htmlUrl);
    await io.emit({ kind: "note", text: `Running on GitHub Actions: [workflow run ${started.workflowRunId}](${started.htmlUrl})` });
  } catch (error) {
    deps.attempts.remove(attempt);
    throw error;
  }
  const outcome = superviseWorkflow({
    attempt,
    signal: io.signal,
    queueTimeoutMs: deps.queueTimeoutMs,
    heartbeatTimeoutMs: deps.heartbeatTimeoutMs ?? 60_000,
    stopGraceMs: deps.stopGraceMs ?? 20_000,
    ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
    pollWorkflow: async () => {
      const run = await getWorkflowRun(deps.octokit, repo, attempt.workflowRunId!);
      return run.status === "completed" ? { conclusion: run.conclusion, htmlUrl: run.htmlUrl } : null;
    },
  });
  return { outcome, release: () => releaseAttempt(deps, attempt, io.signal) };
}

/**
 * The job is over for the app. Its workflow run is cancelled when its runner never reported
 * (so it holds no runner), and when the run was cancelled (the Actions run then says so too).
 */
async function releaseAttempt(deps: ActionsExecutorDeps, attempt: ActionsAttempt, signal: AbortSignal): Promise<void> {
  deps.attempts.remove(attempt);
  if (attempt.end !== null || attempt.workflowRunId === null) return;
  const cancelled = signal.aborted && (signal.reason as { kind?: unknown } | undefined)?.kind === "cancel";
  if (attempt.live.outcome !== null && !cancelled) return;
  await cancelWorkflowRun(deps.octokit, deps.target.repo, attempt.workflowRunId).catch((error: unknown) =>
    deps.log?.warn({ runId: attempt.runId, workflowRunId: attempt.workflowRunId, err: error }, "could not cancel the workflow run"),
  );
}

/** A resumed run's earlier workflow runs (the app stopped while they ran) are cancelled: their runners would be turned away. */
async function cancelEarlierAttempts(deps: ActionsExecutorDeps, runId: number, attempt: number): Promise<void> {
  for (const earlier of deps.dispatches.listForRun(runId)) {
    if (earlier.attempt >= attempt || earlier.workflowRunId === null) continue;
    await cancelWorkflowRun(deps.octokit, deps.target.repo, earlier.workflowRunId).catch((error: unknown) =>
      deps.log?.warn({ runId, workflowRunId: earlier.workflowRunId, err: error }, "could not cancel an earlier attempt's workflow run"),
    );
  }
}
