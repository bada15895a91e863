import type { Logger } from "probot";
import type { RunEvent } from "../domain/run-event.js";
import type { RunEventStore } from "../store/run-event-store.js";

/**
 * Numbers an attempt's events and writes them to the run's event log before they are
 * applied, so the log holds everything the check run showed. A log that refuses an event
 * (too large, malformed) is logged and the run goes on: the log must never stop a run.
 */
export function recordRunEvents(
  input: { events: RunEventStore; runId: number; attempt: number; log: Logger; now?: () => Date },
  apply: (event: RunEvent) => Promise<void>,
): (event: RunEvent) => Promise<void> {
  let seq = input.events.findNextSeq(input.runId, input.attempt);
  const now = input.now ?? (() => new Date());
  return async (event) => {
    try {
      input.events.appendRunEvents(input.runId, input.attempt, [{ seq: seq++, at: now().toISOString(), event }]);
    } catch (error) {
      input.log.warn({ runId: input.runId, kind: event.kind, err: error }, "could not record a run event");
    }
    await apply(event);
  };
}
