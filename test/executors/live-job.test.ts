import { afterEach, describe, expect, it, vi } from "vitest";
import { createJobBoard } from "../../src/executors/process/job-board.js";
import { buildJob, createRecordingIo } from "../helpers/jobs.js";

const spec = (attempt = 1) => ({ job: buildJob({ attempt }), io: createRecordingIo(), startSha: "a".repeat(40), workBranch: "hamster/7-x", sourceBundle: "/tmp/s", scratchDir: "/tmp" });

afterEach(() => {
  vi.useRealTimers();
});

describe("the job board", () => {
  it("holds one live job per run and attempt", () => {
    const board = createJobBoard();
    const live = board.register(spec());
    expect(() => board.register(spec())).toThrow(/already executing/);
    const next = board.register(spec(2));
    expect(board.find(5, 1)).toBe(live);
    expect(board.find(5, 2)).toBe(next);
    board.unregister(live);
    expect(board.find(5, 1)).toBeUndefined();
    expect(board.size).toBe(1);
  });

  it("wakes a runner's long-poll when its job ends", async () => {
    const board = createJobBoard();
    const live = board.register(spec());
    const waiting = live.waitForStop(60_000);
    board.unregister(live);
    expect(await waiting).toBe("The job has ended.");
  });
});

describe("LiveJob.waitForStop", () => {
  it("answers null once the wait is over without a stop", async () => {
    vi.useFakeTimers();
    const live = createJobBoard().register(spec());
    const waiting = live.waitForStop(2_000);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await waiting).toBeNull();
  });

  it("keeps the first reason to stop", async () => {
    const live = createJobBoard().register(spec());
    live.requestStop("The run was cancelled.");
    live.requestStop("The app is shutting down.");
    expect(await live.waitForStop(0)).toBe("The run was cancelled.");
  });
});
