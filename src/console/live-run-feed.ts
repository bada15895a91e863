import type { Logger } from "probot";
import type { RunEventStore, StoredRunEvent } from "../store/run-event-store.js";
import type { RunStore } from "../store/run-store.js";

/** What changed in one run since the feed last looked. */
export interface RunFeedUpdate {
  readonly runId: number;
  /** Its new event-log rows, in the order they were stored. */
  readonly events: readonly StoredRunEvent[];
  /** Its state changed (a transition was recorded). */
  readonly transitioned: boolean;
}

export interface RunFeedListener {
  update(update: RunFeedUpdate): void;
  /** The feed is closing (the app shuts down): end the stream. */
  close(): void;
}

export interface LiveRunFeed {
  /** Tells `listener` of every change to the run from now on; returns the unsubscribe. */
  subscribe(runId: number, listener: RunFeedListener): () => void;
  /** How many listeners there are (all runs). */
  listenerCount(): number;
  /** Closes every listener and stops looking; later subscribers are closed at once. */
  close(): void;
}

/** How often the feed looks for new rows: a change reaches an open page in about this long. */
export const FEED_INTERVAL_MS = 200;
/** Rows read per look at most; a burst larger than this takes a few looks. */
const ROWS_PER_LOOK = 2_000;

/**
 * One reader of the run event log and the run transitions for the whole app, however many
 * pages are open: while anyone listens, it looks every `intervalMs` for rows stored since its
 * last look and hands each run's to that run's listeners. Nobody listening, no timer.
 */
export function createLiveRunFeed(deps: {
  events: Pick<RunEventStore, "listEventsAfter" | "findLastEventId">;
  runs: Pick<RunStore, "listTransitionsAfter" | "findLastTransitionId">;
  log: Pick<Logger, "warn">;
  intervalMs?: number;
}): LiveRunFeed {
  const intervalMs = deps.intervalMs ?? FEED_INTERVAL_MS;
  const listeners = new Map<number, Set<RunFeedListener>>();
  let timer: NodeJS.Timeout | undefined;
  let lastEventId = 0;
  let lastTransitionId = 0;
  let closed = false;

  function start(): void {
    // Only what is stored from now on: a new listener reads what came before itself.
    lastEventId = deps.events.findLastEventId();
    lastTransitionId = deps.runs.findLastTransitionId();
    timer = setInterval(look, intervalMs);
    timer.unref();
  }

  function stop(): void {
    clearInterval(timer);
    timer = undefined;
  }

  function look(): void {
    try {
      const changed = new Map<number, { events: StoredRunEvent[]; transitioned: boolean }>();
      const entry = (runId: number) => {
        let found = changed.get(runId);
        if (!found) changed.set(runId, (found = { events: [], transitioned: false }));
        return found;
      };
      for (;;) {
        const page = deps.events.listEventsAfter(lastEventId, ROWS_PER_LOOK);
        if (page.lastId === lastEventId) break;
        lastEventId = page.lastId;
        for (const stored of page.events) if (listeners.has(stored.runId)) entry(stored.runId).events.push(stored);
      }
      for (;;) {
        const rows = deps.runs.listTransitionsAfter(lastTransitionId, ROWS_PER_LOOK);
        if (rows.length === 0) break;
        lastTransitionId = rows.at(-1)!.id;
        for (const row of rows) if (listeners.has(row.runId)) entry(row.runId).transitioned = true;
      }
      for (const [runId, change] of changed) {
        const update: RunFeedUpdate = { runId, ...change };
        for (const listener of [...(listeners.get(runId) ?? [])]) {
          try {
            listener.update(update);
          } catch (error) {
            deps.log.warn({ runId, err: error }, "a live run page failed to take an update");
          }
        }
      }
    } catch (error) {
      deps.log.warn({ err: error }, "the live run feed could not read the log");
    }
  }

  return {
    subscribe(runId, listener) {
      if (closed) {
        listener.close();
        return () => undefined;
      }
      if (timer === undefined) start();
      let set = listeners.get(runId);
      if (!set) listeners.set(runId, (set = new Set()));
      set.add(listener);
      return () => {
        const current = listeners.get(runId);
        if (!current?.delete(listener)) return;
        if (current.size === 0) listeners.delete(runId);
        if (listeners.size === 0) stop();
      };
    },
    listenerCount: () => [...listeners.values()].reduce((sum, set) => sum + set.size, 0),
    close() {
      closed = true;
      stop();
      const all = [...listeners.values()].flatMap((set) => [...set]);
      listeners.clear();
      for (const listener of all) {
        try {
          listener.close();
        } catch {
          // Ending a stream that already broke: nothing left to do.
        }
      }
    },
  };
}
