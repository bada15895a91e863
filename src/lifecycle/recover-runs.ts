import type { Logger } from "probot";
import type { RunStore } from "../store/run-store.js";

/** A run whose worker has not said it is alive for this long is taken for dead. */
export const STALE_HEARTBEAT_MS = 60_000;

export const INTERRUPTED_TWICE =
  "The run was interrupted again after it had been resumed once (the app stopped while it was working). The work done so far is on the branch; use Retry to start a new run.";

/**
 * Finds runs no live worker is executing: queued ones are queued again; a run caught in a
 * stage is resumed once from its last completed stage, and ends failed if it is
 * interrupted a second time, so no run (and no check run) stays active for ever.
 */
export async function recoverRuns(deps: {
  runs: RunStore;
  log: Logger;
  /** Shows a run's current state where its users see it (the check run and the status comment). */
  publish(runId: number): Promise<void>;
  enqueue(runId: number): void;
  /** True for runs this process is executing right now. */
  isExecutingHere(runId: number): boolean;
  /** 0 at start-up (every run found was orphaned by the previous process). */
  staleAfterMs: number;
  now?: () => Date;
}): Promise<void> {
  const { runs, log } = deps;
  const now = (deps.now ?? (() => new Date()))().getTime();
  for (const run of runs.listRunsInState("queued")) {
    if (!deps.isExecutingHere(run.id)) deps.enqueue(run.id);
  }
  for (const run of runs.listExecutingRuns()) {
    if (deps.isExecutingHere(run.id)) continue;
    const lastSign = Date.parse(run.heartbeatAt ?? run.updatedAt);
    if (now - lastSign < deps.staleAfterMs) continue;
    if (run.resumeCount === 0) {
      log.warn({ runId: run.id, state: run.state }, "resuming an interrupted run");
      runs.markResumed(run.id);
      deps.enqueue(run.id);
      continue;
    }
    log.warn({ runId: run.id, state: run.state }, "run interrupted twice: ending it");
    runs.transitionRun(run.id, "failed", { reason: INTERRUPTED_TWICE, detail: "interrupted" });
    try {
      await deps.publish(run.id);
    } catch (error) {
      log.error({ runId: run.id, err: error }, "could not report an interrupted run");
    }
  }
}
