import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createQuietGate } from "../../src/intake/quiet-gate.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function createGate() {
  return createQuietGate({ quietMs: 5, maxWaitMs: 250, now: () => Date.now() });
}

/** Records when each waiter got through, in ms since `start`. */
function watch(gate: ReturnType<typeof createGate>, start: number, opened: Array<[string, number]>, name: string) {
  void gate.whenQuiet().then(() => opened.push([name, Date.now() - start]));
}

describe("createQuietGate", () => {
  it("lets a waiter through at once when nothing arrived lately", async () => {
    const gate = createGate();
    const start = Date.now();
    const opened: Array<[string, number]> = [];
    watch(gate, start, opened, "a");
    await vi.advanceTimersByTimeAsync(1);
    expect(opened).toEqual([["a", 0]]);
  });

  it("waits until deliveries stop for quietMs, then lets every waiter through in order", async () => {
    const gate = createGate();
    const start = Date.now();
    const opened: Array<[string, number]> = [];
    gate.noteActivity();
    watch(gate, start, opened, "a");
    for (let ms = 0; ms < 40; ms += 2) {
      await vi.advanceTimersByTimeAsync(2);
      gate.noteActivity();
      if (ms === 10) watch(gate, start, opened, "b");
    }
    expect(opened).toEqual([]);
    await vi.advanceTimersByTimeAsync(10);
    expect(opened.map(([name]) => name)).toEqual(["a", "b"]);
    for (const [, at] of opened) expect(at).toBe(45);
  });

  it("never holds a waiter longer than maxWaitMs, however long the deliveries go on", async () => {
    const gate = createGate();
    const start = Date.now();
    const opened: Array<[string, number]> = [];
    gate.noteActivity();
    watch(gate, start, opened, "a");
    for (let ms = 0; ms < 600; ms += 1) {
      if (ms === 100) watch(gate, start, opened, "b");
      gate.noteActivity();
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(opened).toEqual([
      ["a", 250],
      ["b", 350],
    ]);
  });
});
