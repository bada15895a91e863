import Bottleneck from "bottleneck";
import type { Logger } from "probot";
import type { StopReason } from "./stop-reason.js";

export type AbortOutcome = "executing" | "waiting" | "absent";

export interface Worker {
  /** Schedules a queued (or resumed) run; returns at once. Ignored while draining. */
  enqueue(runId: number): void;
  /** Schedules the run again once its current execution here has ended (a resumed attempt). */
  requeue(runId: number): void;
  /** True while the run is queued or executing in this process. */
  has(runId: number): boolean;
  /**
   * Stops one run with the reason. "executing": its executor is told and ends the run itself;
   * "waiting": it had not started, and never will (the caller ends it); "absent": not here.
   */
  abort(runId: number, reason: StopReason): AbortOutcome;
  /** True once a drain has begun: stages check it at their boundaries. */
  isDraining(): boolean;
  /**
   * Takes no new runs, gives running ones `graceMs` to reach a stage boundary (where they
   * stop and stay active, for the next start to resume), then aborts what is left.
   */
  drain(graceMs: number): Promise<void>;
  /** Resolves when nothing is queued or running (tests and shutdown wait on it). */
  idle(): Promise<void>;
  /** Drains at once (no grace). */
  stop(): Promise<void>;
}

/**
 * Runs execute in the background, at most `concurrency` at a time. The executor must
 * not throw (it ends its run itself); anything it does throw is logged, never lost silently.
 */
export function createWorker(options: {
  concurrency: number;
  execute: (runId: number, signal: AbortSignal) => Promise<void>;
  log: Logger;
}): Worker {
  const limiter = new Bottleneck({ maxConcurrent: options.concurrency });
  const controllers = new Map<number, AbortController>();
  // Runs whose executor has been called; the others still wait for a slot.
  const started = new Set<number>();
  // Runs to schedule again as soon as their current execution ends.
  const requeued = new Set<number>();
  const pending = new Set<Promise<void>>();
  let draining = false;

  function enqueue(runId: number): void {
    if (draining || controllers.has(runId)) return;
    const controller = new AbortController();
    controllers.set(runId, controller);
    const job = limiter
      .schedule(async () => {
        // Aborted while it waited (a cancel, a drain): it never starts, so it has no side effects.
        if (controller.signal.aborted) return;
        started.add(runId);
        await options.execute(runId, controller.signal);
      })
      .catch((error: unknown) => options.log.error({ runId, err: error }, "run executor threw"))
      .finally(() => {
        controllers.delete(runId);
        started.delete(runId);
        pending.delete(job);
        if (requeued.delete(runId)) enqueue(runId);
      });
    pending.add(job);
  }

  async function idle(): Promise<void> {
    // Jobs enqueue nothing themselves, but loop in case one was added while we waited.
    for (let round = 0; round < 1000 && pending.size > 0; round++) {
      await Promise.allSettled([...pending]);
    }
  }

  async function drain(graceMs: number): Promise<void> {
    draining = true;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([idle(), graceOver]);
    clearTimeout(timer);
    for (const controller of controllers.values()) controller.abort({ kind: "shutdown" } satisfies StopReason);
    await idle();
    await limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }

  return {
    enqueue,
    requeue(runId) {
      if (controllers.has(runId)) requeued.add(runId);
      else enqueue(runId);
    },
    has: (runId) => controllers.has(runId),
    abort(runId, reason) {
      const controller = controllers.get(runId);
      if (!controller) return "absent";
      controller.abort(reason);
      return started.has(runId) ? "executing" : "waiting";
    },
    isDraining: () => draining,
    drain,
    idle,
    stop: () => drain(0),
  };
}
