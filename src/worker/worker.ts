import Bottleneck from "bottleneck";
import type { Logger } from "probot";
import type { StopReason } from "./stop-reason.js";

export interface Worker {
  /** Schedules a queued (or resumed) run; returns at once. Ignored while draining. */
  enqueue(runId: number): void;
  /** True while the run is queued or executing in this process. */
  has(runId: number): boolean;
  /** Aborts one run (queued or executing) with the reason; false when it is not here. */
  abort(runId: number, reason: StopReason): boolean;
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
  const pending = new Set<Promise<void>>();
  let draining = false;

  function enqueue(runId: number): void {
    if (draining || controllers.has(runId)) return;
    const controller = new AbortController();
    controllers.set(runId, controller);
    const job = limiter
      .schedule(() => options.execute(runId, controller.signal))
      .catch((error: unknown) => options.log.error({ runId, err: error }, "run executor threw"))
      .finally(() => {
        controllers.delete(runId);
        pending.delete(job);
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
    has: (runId) => controllers.has(runId),
    abort(runId, reason) {
      const controller = controllers.get(runId);
      if (!controller) return false;
      controller.abort(reason);
      return true;
    },
    isDraining: () => draining,
    drain,
    idle,
    stop: () => drain(0),
  };
}
