import type { RunDeadline } from "../../src/lifecycle/run-deadline.js";
import type { StopReason } from "../../src/lifecycle/stop-reason.js";

/**
 * Run deadlines the test fires itself, for `createTestApp({ startRunDeadline })`: a run is
 * out of time exactly when the test says, at the step it means, however slowly the steps
 * before it ran. (The deadline's own timer is tested in test/lifecycle/run-deadline.test.ts.)
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
      // Far from spent until fired: what a credential's lifetime is measured from.
      return { signal: controller.signal, remainingMs: () => (controller.signal.aborted ? 0 : budgetMs), stop: () => undefined };
    },
    budgets,
    fire: () => fires.forEach((fire) => fire()),
  };
}
