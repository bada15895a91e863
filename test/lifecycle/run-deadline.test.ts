import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startRunDeadline } from "../../src/lifecycle/run-deadline.js";
import { readStopReason, renderStopReason } from "../../src/lifecycle/stop-reason.js";

describe("run deadline", () => {
  // The deadline's clock and timer are faked: it fires when the test moves the clock, on any machine.
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] }));
  afterEach(() => vi.useRealTimers());

  it("has fired already for a run resumed after its budget was spent", () => {
    const deadline = startRunDeadline({ startedAt: 1_000, budgetMs: 60_000, now: 61_000 });
    expect(readStopReason(deadline.signal)).toEqual({ kind: "timeout", limitMs: 60_000 });
  });

  it("keeps the time left for a resumed run, and fires when it is spent", async () => {
    const deadline = startRunDeadline({ startedAt: Date.now() - 50_000, budgetMs: 60_000 });
    await vi.advanceTimersByTimeAsync(9_999);
    expect(deadline.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(readStopReason(deadline.signal)).toEqual({ kind: "timeout", limitMs: 60_000 });
  });

  it("stops without firing", async () => {
    const deadline = startRunDeadline({ startedAt: Date.now(), budgetMs: 60_000 });
    await vi.advanceTimersByTimeAsync(30_000);
    deadline.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(deadline.signal.aborted).toBe(false);
  });

  it("fires with a timeout reason once the budget is spent, not before", async () => {
    const deadline = startRunDeadline({ startedAt: Date.now(), budgetMs: 20 });
    await vi.advanceTimersByTimeAsync(19);
    expect(deadline.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(readStopReason(deadline.signal)).toEqual({ kind: "timeout", limitMs: 20 });
  });
});

describe("stop reasons", () => {
  it("says who cancelled, and which budget ran out where", () => {
    expect(renderStopReason({ kind: "cancel", by: "octocat" }, "planning")).toBe("Cancelled by @octocat.");
    const timeout = renderStopReason({ kind: "timeout", limitMs: 90 * 60_000 }, "preparing");
    expect(timeout).toContain("time budget (90 min of wall-clock time");
    expect(timeout).toContain("ran out while it was preparing");
    expect(renderStopReason({ kind: "timeout", limitMs: 6_000 }, "verifying")).toContain("(6 s of wall-clock time");
  });

  it("reads only reasons of its own shape", () => {
    const controller = new AbortController();
    controller.abort({ kind: "timeout" });
    expect(readStopReason(controller.signal)).toBeNull();
  });
});
