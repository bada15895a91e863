import { join } from "node:path";
import type { Logger } from "probot";
import type { AppSettings } from "../config/env.js";
import type { Run } from "../domain/run.js";
import { RunFailure } from "../domain/run-failure.js";
import { isFinalState } from "../domain/run-state.js";
import { ExecutorLost, type Executor, type Job } from "../executors/executor.js";
import { createLocalExecutor } from "../executors/local/local-executor.js";
import type { RunDiffStore } from "../store/run-diff-store.js";
import type { RunStore } from "../store/run-store.js";
import { refillSpare, removeCheckout } from "../workspace/workspace.js";
import { createRunEventSink, DrainStop } from "./apply-run-event.js";
import { recordRunEvents } from "./record-run-events.js";
import type { RunEventStore } from "../store/run-event-store.js";
import type { RunCredentialStore } from "../store/run-credentials.js";
import type { ModelEndpoint } from "../agent/provider.js";
import type { ActiveAttempts } from "./active-attempts.js";
import { openModelAccess, type ModelAccess } from "./open-model-access.js";
import { concludeFailedRun } from "./conclude-failed-run.js";
import { deliverWork } from "./deliver-work.js";
import { pruneRunMirrors, resolveMirrorsDir } from "./prune-run-mirrors.js";
import type { AgentSources } from "./resolve-run-agent.js";
import { startRunDeadline, type RunDeadline } from "./run-deadline.js";
import { describeFailure } from "./describe-failure.js";
import type { RunHost } from "./run-host.js";
import { decideResumeStage, resolveBudgets, resolveWallClockMs } from "./run-plan.js";
import { createRunProgress, type RunProgress } from "./run-progress.js";
import { salvageWorkspace } from "./salvage-workspace.js";
import { startRun, type StartedRun } from "./start-run.js";
import { readStopReason } from "./stop-reason.js";

export interface RunDependencies extends AgentSources {
  readonly runs: RunStore;
  readonly settings: AppSettings;
  readonly log: Logger;
  /** The run event log; absent: events only change the run (as in `hamster run`). */
  readonly events?: RunEventStore;
  /** Where the diff of each push is kept, for the console; absent: not kept. */
  readonly diffs?: RunDiffStore;
  /** Where the run is shown and delivered: GitHub for the app, the terminal for `hamster run`. */
  createHost(run: Run): Promise<RunHost>;
  /** The model gateway's side of a run: its credentials and live attempts; absent (`hamster run`): the agent calls the model itself. */
  readonly modelAccess?: { readonly credentials: RunCredentialStore; readonly attempts: ActiveAttempts; readonly publicUrl: string };
  /** Where the stages execute; undefined (or absent): in this process (the local executor). */
  createExecutor?(run: Run, started: StartedRun, endpoint: ModelEndpoint | undefined): Executor | undefined | Promise<Executor | undefined>;
  /** Schedules the run again once this execution has ended: a lost executor's run resumes as a new attempt. */
  resumeLater?(runId: number): void;
  /** True while the app shuts down: the run stops at the next stage boundary and stays active. */
  isDraining?(): boolean;
  /** How often an executing run records that it is alive. */
  heartbeatMs?: number;
  /** Starts the run's wall-clock deadline; default startRunDeadline (a timer). Tests fire their own. */
  startDeadline?: (input: { startedAt: number; budgetMs: number }) => RunDeadline;
  /**
   * Takes work that need not delay the run's end (pruning mirrors, making the next run's spare) and
   * keeps track of it, so that idle() and shutdown still wait for it. Without it, the run
   * awaits that work itself.
   */
  runInBackground?(work: Promise<unknown>): void;
}

export const HEARTBEAT_MS = 10_000;
/** A run credential outlives the run's deadline by this much, for the last report after a stop. */
const CREDENTIAL_SLACK_MS = 5 * 60_000;

/**
 * Owns one run from queued to its end: prepares it, hands its stages to an executor,
 * delivers the work, and on any failure ends it with a reason and its work saved. Never
 * throws. A shutdown leaves the run active, for the next start to resume.
 */
export async function executeRun(deps: RunDependencies, runId: number, workerSignal: AbortSignal): Promise<void> {
  const { runs, settings, log } = deps;
  const run = runs.getRun(runId);
  // Cancelled while it waited for a worker, or already ended elsewhere.
  if (isFinalState(run.state)) return;
  let host: RunHost;
  try {
    host = await deps.createHost(run);
  } catch (error) {
    // Without a host nothing can be reported; the run still ends, with the reason.
    log.error({ runId, err: error }, "could not start reporting the run");
    runs.transitionRun(runId, "failed", { reason: `Hamster could not authenticate as the app's installation: ${describeFailure(error)}` });
    return;
  }
  const progress = createRunProgress(join(settings.dataDir, "workspaces", `run-${runId}`));
  // The budget runs from the run's first start; a resumed run keeps its deadline.
  const firstStart = runs.listTransitions(runId).find((t) => t.state === "preparing")?.at;
  const deadline = (deps.startDeadline ?? startRunDeadline)({ startedAt: firstStart ? Date.parse(firstStart) : Date.now(), budgetMs: resolveWallClockMs(run, settings) });
  const signal = AbortSignal.any([workerSignal, deadline.signal]);
  const apply = createRunEventSink({ runs, runId, host, progress, signal, ...(deps.isDraining ? { isDraining: deps.isDraining } : {}) });
  const emit = deps.events ? recordRunEvents({ events: deps.events, runId, attempt: run.resumeCount + 1, log }, apply) : apply;
  let access: ModelAccess | undefined;
  runs.touchHeartbeat(runId);
  const heartbeat = setInterval(() => runs.touchHeartbeat(runId), deps.heartbeatMs ?? HEARTBEAT_MS);
  try {
    const resuming = run.state !== "queued";
    await emit({ kind: "stage", state: "preparing", ...(resuming ? { detail: `resumed after an interruption (was ${run.state})` } : {}) });
    if (resuming) await salvageWorkspace(deps, host, run, progress.workdir);
    const started = await startRun(deps, host, runs.getRun(runId), progress);
    const job = buildJob(deps, run, started, progress, await host.getTaskComments());
    access = deps.modelAccess && openModelAccess({ ...deps.modelAccess, log }, { runId, attempt: job.attempt, installationId: run.installationId, budgets: job.budgets, emit }, deadline.remainingMs() + CREDENTIAL_SLACK_MS);
    const endpoint = access?.endpoint;
    const executor = (await deps.createExecutor?.(run, started, endpoint)) ?? createInProcess(deps, started, endpoint);
    const result = await executor.run(job, { emit, getIssue: (n) => host.getIssue(n), signal });
    await deliverWork(deps, host, runs.getRun(runId), progress, started, result);
  } catch (error) {
    if (error instanceof DrainStop || readStopReason(signal)?.kind === "shutdown") {
      // Left active on purpose: the next start salvages the workspace and resumes the run.
      progress.keepWorkspace = true;
      log.info({ runId, state: runs.getRun(runId).state }, "run left for resumption at shutdown");
    } else if (error instanceof ExecutorLost && run.resumeCount === 0 && deps.resumeLater && !signal.aborted) {
      // Once: a new attempt, with a new credential, from the last completed stage.
      progress.keepWorkspace = true;
      runs.markResumed(runId);
      log.warn({ runId, err: error }, "the executor was lost: resuming the run as a new attempt");
      deps.resumeLater(runId);
    } else {
      await concludeFailedRun({ deps, host, runId, progress, error, signal });
    }
  } finally {
    access?.close();
    deadline.stop();
    clearInterval(heartbeat);
    await finishRun(deps, run, progress);
  }
}

function createInProcess(deps: RunDependencies, started: StartedRun, endpoint: ModelEndpoint | undefined): Executor {
  if (started.agent === null) throw new RunFailure("This run's agent is not installed where the app runs, and the run has no other executor.");
  const key = endpoint ? { modelEndpoint: endpoint } : started.apiKey ? { apiKey: started.apiKey } : {};
  return createLocalExecutor({ agent: started.agent, ...key, settings: deps.settings, log: deps.log });
}

function buildJob(deps: RunDependencies, run: Run, started: StartedRun, progress: RunProgress, taskComments: Job["taskComments"]): Job {
  return {
    runId: run.id,
    attempt: run.resumeCount + 1,
    request: run.request,
    taskComments,
    resumeAt: run.state === "queued" ? "planning" : decideResumeStage(run.state, (run.plan?.length ?? 0) > 0),
    plan: run.plan ?? [],
    budgets: resolveBudgets(run, deps.settings),
    checkoutDir: progress.workdir,
    readOnlyPaths: started.readOnlyPaths,
  };
}

/** Removes the checkout (unless it holds work), then prunes mirrors and makes the next run's spare. */
async function finishRun(deps: RunDependencies, run: Run, progress: RunProgress): Promise<void> {
  const { log, settings } = deps;
  if (!progress.keepWorkspace) await removeCheckout(progress.workdir).catch((error: unknown) => log.warn({ runId: run.id, err: error }, "could not remove checkout"));
  // The run has reported: mirrors past their limits go, and the next run of the repository
  // finds its files written already. Neither needs to hold the worker's slot.
  const housekeeping = (async () => {
    await pruneRunMirrors(settings, log);
    if (deps.isDraining?.()) return;
    const refilled = await refillSpare({ mirrorsDir: resolveMirrorsDir(settings), remoteUrl: run.request.repo.cloneUrl, branch: run.request.baseBranch });
    if (refilled.outcome === "failed") log.warn({ runId: run.id, err: refilled.error }, "could not make a spare checkout for the next run");
  })();
  if (deps.runInBackground) deps.runInBackground(housekeeping);
  else await housekeeping;
}
