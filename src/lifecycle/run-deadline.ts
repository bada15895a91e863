import type { StopReason } from "./stop-reason.js";

export interface RunDeadline {
  /** Fires with a `timeout` StopReason once the budget is spent. */
  readonly signal: AbortSignal;
  /** Time left until the budget is spent (0 once it is). */
  remainingMs(): number;
  stop(): void;
}

/**
 * The run's wall-clock budget, counted from when the run first started (a resumed run keeps
 * its deadline: the budget is the user's time, not an attempt's).
 */
export function startRunDeadline(input: { startedAt: number; budgetMs: number; now?: number }): RunDeadline {
  const controller = new AbortController();
  const remainingMs = input.startedAt + input.budgetMs - (input.now ?? Date.now());
  const fire = () => controller.abort({ kind: "timeout", limitMs: input.budgetMs } satisfies StopReason);
  const deadlineAt = Date.now() + remainingMs;
  const left = () => Math.max(0, deadlineAt - Date.now());
  if (remainingMs <= 0) {
    fire();
    return { signal: controller.signal, remainingMs: left, stop: () => undefined };
  }
  // setTimeout's limit is about 24.8 days; a budget longer than that never fires.
  const timer = remainingMs < 2 ** 31 - 1 ? setTimeout(fire, remainingMs) : undefined;
  timer?.unref();
  return { signal: controller.signal, remainingMs: left, stop: () => clearTimeout(timer) };
}
