import type { RunEvent } from "../../src/domain/run-event.js";
import type { Job, JobIo } from "../../src/executors/executor.js";
import { buildRunRequest } from "./runs.js";

/** A job as the lifecycle hands it to an executor; override what a test cares about. */
export function buildJob(overrides: Partial<Job> = {}): Job {
  return {
    runId: 5,
    attempt: 1,
    request: buildRunRequest(),
    taskComments: [],
    resumeAt: "planning",
    plan: [],
    budgets: { turns: 20 },
    checkoutDir: "/nonexistent/checkout",
    readOnlyPaths: [],
    ...overrides,
  };
}

/** A JobIo that records the events it is sent; `refuse` decides which to throw back. */
export function createRecordingIo(
  options: { signal?: AbortSignal; refuse?: (event: RunEvent) => Error | undefined; issues?: Record<number, { title: string; body: string | null }> } = {},
): JobIo & { readonly events: RunEvent[] } {
  const events: RunEvent[] = [];
  return {
    events,
    signal: options.signal ?? new AbortController().signal,
    async emit(event) {
      events.push(event);
      const refusal = options.refuse?.(event);
      if (refusal) throw refusal;
    },
    async getIssue(number) {
      return options.issues?.[number] ?? null;
    },
  };
}
