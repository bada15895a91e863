import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLiveRunFeed, type RunFeedUpdate } from "../../src/console/live-run-feed.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createRunEventStore, type RunEventStore } from "../../src/store/run-event-store.js";
import { createRunStore, type RunStore } from "../../src/store/run-store.js";
import { buildNewRun, buildRunRequest } from "../helpers/runs.js";

let dir: string;
let db: SqliteDatabase;
let runs: RunStore;
let events: RunEventStore;
let reads: number;

beforeEach(() => {
  vi.useFakeTimers();
  dir = mkdtempSync(join(tmpdir(), "hamster-feed-"));
  db = openDatabase(dir);
  runs = createRunStore(db);
  const store = createRunEventStore(db, { redact: (text) => text });
  reads = 0;
  events = { ...store, listEventsAfter: (...args) => (reads++, store.listEventsAfter(...args)) };
});

afterEach(() => {
  vi.useRealTimers();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const log = { warn: vi.fn() };
const note = (text: string) => ({ kind: "note" as const, text });

function append(runId: number, ...texts: string[]) {
  const from = events.findNextSeq(runId, 1);
  events.appendRunEvents(runId, 1, texts.map((text, i) => ({ seq: from + i, at: "2026-11-24T10:00:00.000Z", event: note(text) })));
}

function listen() {
  const updates: RunFeedUpdate[] = [];
  let closed = false;
  return { updates, isClosed: () => closed, listener: { update: (u: RunFeedUpdate) => void updates.push(u), close: () => void (closed = true) } };
}

describe("the live run feed", () => {
  it("reads the log once a look for all its listeners, and hands each run's rows and transitions to that run's listeners only", () => {
    const first = runs.createRun(buildNewRun()).id;
    const second = runs.createRun(buildNewRun({ request: buildRunRequest({ issue: { ...buildRunRequest().issue, number: 8 } }) })).id;
    append(first, "before anyone listened");
    const feed = createLiveRunFeed({ events, runs, log, intervalMs: 200 });
    const pages = Array.from({ length: 100 }, () => listen());
    for (const page of pages) feed.subscribe(first, page.listener);
    const other = listen();
    feed.subscribe(second, other.listener);
    expect(feed.listenerCount()).toBe(101);

    append(first, "one", "two");
    runs.transitionRun(second, "preparing");
    vi.advanceTimersByTime(200);

    // One look: the rows once (and the empty read that says there are no more), whatever the number of pages.
    expect(reads).toBe(2);
    for (const page of pages) {
      expect(page.updates).toHaveLength(1);
      expect(page.updates[0]!.events.map((e) => (e.event as { text: string }).text)).toEqual(["one", "two"]);
      expect(page.updates[0]!.transitioned).toBe(false);
    }
    // Every page of a run gets the same update: what it becomes is worked out once.
    expect(new Set(pages.map((page) => page.updates[0])).size).toBe(1);
    expect(other.updates).toEqual([{ runId: second, events: [], transitioned: true }]);

    vi.advanceTimersByTime(200);
    expect(pages[0]!.updates).toHaveLength(1);
    feed.close();
  });

  it("looks only while someone listens", () => {
    const runId = runs.createRun(buildNewRun()).id;
    const feed = createLiveRunFeed({ events, runs, log, intervalMs: 200 });
    vi.advanceTimersByTime(1_000);
    expect(reads).toBe(0);
    const page = listen();
    const unsubscribe = feed.subscribe(runId, page.listener);
    vi.advanceTimersByTime(1_000);
    expect(reads).toBe(5);
    unsubscribe();
    vi.advanceTimersByTime(1_000);
    expect(reads).toBe(5);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keeps handing updates to the others when one listener throws", () => {
    const runId = runs.createRun(buildNewRun()).id;
    const feed = createLiveRunFeed({ events, runs, log, intervalMs: 200 });
    feed.subscribe(runId, { update: () => { throw new Error("a broken page"); }, close: () => undefined });
    const page = listen();
    feed.subscribe(runId, page.listener);
    append(runId, "x");
    vi.advanceTimersByTime(200);
    expect(page.updates).toHaveLength(1);
    expect(log.warn).toHaveBeenCalled();
    feed.close();
  });

  it("closes every listener when it closes, and any that comes later at once", () => {
    const runId = runs.createRun(buildNewRun()).id;
    const feed = createLiveRunFeed({ events, runs, log, intervalMs: 200 });
    const pages = [listen(), listen()];
    for (const page of pages) feed.subscribe(runId, page.listener);
    feed.close();
    expect(pages.map((page) => page.isClosed())).toEqual([true, true]);
    expect(feed.listenerCount()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    const late = listen();
    feed.subscribe(runId, late.listener);
    expect(late.isClosed()).toBe(true);
  });
});
