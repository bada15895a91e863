import type { RunDeadline } from "../../src/lifecycle/run-deadline.js";
import type { StopReason } from "../../src/lifecycle/stop-reason.js";

/**
 * Run deadlines the test fires itself, for `createTestApp({ startRunDeadline })`: a run is
 * out of time exactly when the test says, at the step it means, however slowly the steps
 * before it ran. (The deadline's own timer is tested in test/worker/run-deadline.test.ts.)
 */
export interface ManualDeadlines {
  readonly start: (input: { startedAt: number; budgetMs: number }) => RunDeadline;
  /** The budgets the runs' deadlines were started with, in order. */
  readonly budgets: number[];
  /** Ends the time of every run started so far, as its deadline would. */
  fire(): void;
}

export function createManualDeadlines(): ManualDeadlines {
  const budgets: number[] = [];
  const fires: (() => void)[] = [];
  return {
    start({ budgetMs }) {
      const controller = new AbortController();
      budgets.push(budgetMs);
      fires.push(() => controller.abort({ kind: "timeout", limitMs: budgetMs } satisfies StopReason));
      return { signal: controller.signal, stop: () => undefined };
    },
    budgets,
    fire: () => fires.forEach((fire) => fire()),
  };
}
