import { describe, expect, it } from "vitest";
import { executorsFigures, runExecutorsBenchmark } from "../../bench/executors.js";
import { BENCHMARKS } from "../../bench/run.js";

describe("the executors benchmark", () => {
  // Behaviour only: the wall-time ratio is the benchmark's to judge, never a test's.
  it("delivers every run with each executor, the process ones each from a runner process, and loses none", async () => {
    const result = await runExecutorsBenchmark({ runs: 2, repos: 2, modelDelayMs: 20, idleSampleMs: 100, timeoutMs: 90_000 });
    for (const executor of ["local", "process"] as const) {
      expect(result[executor].config.executor).toBe(executor);
      expect(result[executor]).toMatchObject({ succeeded: 2, lost: 0, stuck: 0, states: { succeeded: 2 }, failureReasons: {}, webhookStatuses: { "200": 2 }, errorsLogged: 0 });
      // Plan, edit, end turn, report: four model calls a run, wherever it runs.
      expect(result[executor].modelCalls).toBe(8);
      expect(result[executor].load.cpuMs).toBeGreaterThan(0);
    }
    // One runner process per run with `process`, none with `local`.
    expect(result.process.runnerJobs).toBe(2);
    expect(result.local.runnerJobs).toBe(0);

    const figures = executorsFigures(result);
    expect(figures.find((f) => f.figure === "runs lost or stuck")).toMatchObject({ ours: 0, baseline: 0, pass: true });
    expect(figures.find((f) => f.figure === "runs succeeded (of 2)")).toMatchObject({ ours: 2, baseline: 2, pass: true });
    expect(figures.find((f) => f.figure === "runner processes (jobs fetched)")).toMatchObject({ ours: 2, baseline: 0 });
    expect(figures.map((f) => f.figure)).toContain("wall time, all runs (s)");
    expect(BENCHMARKS.some((b) => b.name.startsWith("Executors"))).toBe(true);
  }, 150_000);
});
