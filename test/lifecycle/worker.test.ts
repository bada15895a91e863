import pino from "pino";
import { describe, expect, it } from "vitest";
import { createWorker } from "../../src/lifecycle/worker.js";
import { waitFor } from "../helpers/wait.js";

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
    await waitFor("the first run to start", () => started.length > 0);
    expect(worker.abort(2, { kind: "cancel", by: "octocat" })).toBe("waiting");
    expect(worker.abort(1, { kind: "cancel", by: "octocat" })).toBe("executing");
    expect(worker.abort(3, { kind: "cancel", by: "octocat" })).toBe("absent");
    release();
    await worker.idle();
    expect(started).toEqual([1]);
    expect(worker.has(2)).toBe(false);
  });
});
