import pino from "pino";
import { describe, expect, it } from "vitest";
import { createWorker } from "../../src/lifecycle/worker.js";

const log = pino({ level: "silent" });

describe("worker", () => {
  it("tells an executing run from one waiting for a slot, and never starts a waiting run it aborted", async () => {
    let release!: () => void;
    const started: number[] = [];
    const worker = createWorker({
      concurrency: 1,
      log,
      execute: async (runId) => {
        started.push(runId);
        if (runId === 1) await new Promise<void>((resolve) => (release = resolve));
      },
    });
    worker.enqueue(1);
    worker.enqueue(2);
    for (let i = 0; i < 50 && started.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(worker.abort(2, { kind: "cancel", by: "octocat" })).toBe("waiting");
    expect(worker.abort(1, { kind: "cancel", by: "octocat" })).toBe("executing");
    expect(worker.abort(3, { kind: "cancel", by: "octocat" })).toBe("absent");
    release();
    await worker.idle();
    expect(started).toEqual([1]);
    expect(worker.has(2)).toBe(false);
  });
});
