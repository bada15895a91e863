import Bottleneck from "bottleneck";
import type { Logger } from "probot";

export interface Worker {
  /** Schedules a queued run; returns at once. */
  enqueue(runId: number): void;
  /** Resolves when nothing is queued or running (tests and shutdown wait on it). */
  idle(): Promise<void>;
  /** Aborts every running run and stops taking new ones. */
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
  let stopped = false;

  function enqueue(runId: number): void {
    if (stopped) return;
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
    // Jobs may enqueue nothing new, but loop in case one did while we waited.
    for (let round = 0; round < 1000 && pending.size > 0; round++) {
      await Promise.allSettled([...pending]);
    }
  }

  async function stop(): Promise<void> {
    stopped = true;
    for (const controller of controllers.values()) controller.abort();
    await idle();
    await limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }

  return { enqueue, idle, stop };
}
