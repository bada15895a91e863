import { describe, expect, it, vi } from "vitest";
import type { RunEvent } from "../../src/domain/run-event.js";
import { createEventSender, JobStopped } from "../../src/runner/event-sender.js";
import type { SequencedEvent } from "../../src/runner/protocol.js";

const note = (text: string): RunEvent => ({ kind: "note", text });
const AT = new Date("2026-12-05T12:00:00.000Z");

/** The app's side of `POST events`, in memory: applies each seq once, in order; `fail` loses answers. */
function createFakeApp(options: { loseAnswers?: number; stopAt?: (event: RunEvent) => string | null } = {}) {
  const applied: SequencedEvent[] = [];
  const batches: number[][] = [];
  let lose = options.loseAnswers ?? 0;
  let stop: string | null = null;
  return {
    applied,
    batches,
    client: {
      postEvents: vi.fn(async (events: readonly SequencedEvent[]) => {
        batches.push(events.map((e) => e.seq));
        for (const e of events) {
          if (e.seq !== (applied.at(-1)?.seq ?? 0) + 1) continue;
          applied.push(e);
          stop ??= options.stopAt?.(e.event) ?? null;
        }
        if (lose > 0) {
          lose--;
          throw new Error("the answer was lost");
        }
        return { applied: applied.at(-1)?.seq ?? 0, stop };
      }),
    },
  };
}

describe("createEventSender", () => {
  it("numbers events, sends them in batches, and a stage event at once with what came before it", async () => {
    const app = createFakeApp();
    const sender = createEventSender({ client: app.client, onStop: () => undefined, batchDelayMs: 60_000, now: () => AT });
    await sender.emit(note("a"));
    await sender.emit(note("b"));
    expect(app.batches).toEqual([]);
    await sender.emit({ kind: "stage", state: "planning" });
    expect(app.batches).toEqual([[1, 2, 3]]);
    expect(app.applied.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(app.applied[0]).toEqual({ seq: 1, at: AT.toISOString(), event: note("a") });
  });

  it("sends queued events after a short delay, or when flushed", async () => {
    const app = createFakeApp();
    const sender = createEventSender({ client: app.client, onStop: () => undefined, batchDelayMs: 10 });
    await sender.emit(note("a"));
    await vi.waitFor(() => expect(app.applied).toHaveLength(1), { timeout: 5_000 });
    await sender.emit(note("b"));
    await sender.flush();
    expect(app.applied.map((e) => e.seq)).toEqual([1, 2]);
  });

  it("splits a long queue into requests of maxBatch events", async () => {
    const app = createFakeApp();
    const sender = createEventSender({ client: app.client, onStop: () => undefined, batchDelayMs: 60_000, maxBatch: 2 });
    for (const text of ["a", "b", "c", "d", "e"]) await sender.emit(note(text));
    await sender.flush();
    expect(app.applied.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(app.batches.every((batch) => batch.length <= 2)).toBe(true);
  });

  it("sends a batch again after its answer was lost, and the app applies each event once", async () => {
    const app = createFakeApp({ loseAnswers: 1 });
    const sender = createEventSender({ client: app.client, onStop: () => undefined, batchDelayMs: 60_000 });
    await sender.emit(note("a"));
    await expect(sender.flush()).rejects.toThrow(/lost/);
    await sender.emit(note("b"));
    await sender.flush();
    expect(app.batches).toEqual([[1], [1, 2]]);
    expect(app.applied.map((e) => e.seq)).toEqual([1, 2]);
  });

  it("rejects the stage the app refused with JobStopped, and reports the stop once", async () => {
    const app = createFakeApp({ stopAt: (event) => (event.kind === "stage" && event.state === "implementing" ? "The run was cancelled." : null) });
    const onStop = vi.fn();
    const sender = createEventSender({ client: app.client, onStop, batchDelayMs: 60_000 });
    await sender.emit({ kind: "stage", state: "planning" });
    await expect(sender.emit({ kind: "stage", state: "implementing" })).rejects.toEqual(new JobStopped("The run was cancelled."));
    // Events after the stop still go (the totals of a failed job).
    await sender.emit({ kind: "totals", turns: 2, usage: null, costUsd: null });
    await sender.flush();
    expect(app.applied.map((e) => e.event.kind)).toEqual(["stage", "stage", "totals"]);
    expect(onStop).toHaveBeenCalledTimes(1);
    expect(onStop).toHaveBeenCalledWith("The run was cancelled.");
  });
});
