import { describe, expect, it } from "vitest";
import { actionsFigures, runActionsBenchmark } from "../../bench/actions.js";
import { BENCHMARKS } from "../../bench/run.js";

describe("the actions benchmark", () => {
  // Behaviour only: the CPU ratio and the write rates are the benchmark's to judge, never a test's.
  it("delivers every run on the fake Actions, one job and runner bundle each, and the same runs locally, measuring the app in its own process", async () => {
    const result = await runActionsBenchmark({ runs: 3, runners: 2, repos: 2, idleSampleMs: 100, timeoutMs: 120_000 });
    const { actions, local } = result;
    for (const variant of [actions, local]) {
      expect(variant).toMatchObject({ succeeded: 3, lost: 0, stuck: 0, states: { succeeded: 3 }, failureReasons: {} });
      expect(variant.app.errorsLogged).toBe(0);
      expect(variant.app.cpuMs).toBeGreaterThan(0);
      expect(variant.app.peakRssMb).toBeGreaterThan(0);
      // Plan, edit, end turn, report: four model calls a run, wherever it runs.
      expect(variant.modelCalls).toBe(12);
      expect(variant.writes.perRun).toBeGreaterThan(0);
    }
    // On Actions: a dispatch per run, each job on one of the two runners, each runner fetched from the app.
    expect(actions.jobs).toMatchObject({ dispatched: 3, conclusions: { success: 3 } });
    expect(actions.jobs!.peakRunning).toBeLessThanOrEqual(2);
    expect(actions.writes.byEndpoint["POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"]).toBe(3);
    expect(actions.appRequests).toMatchObject({ "POST /api/hamster/actions/v1/exchange": 3, "GET /api/hamster/runner/v1/runner.mjs": 3 });
    // Locally: no dispatch, and the model is called from the app itself.
    expect(local.jobs).toBeNull();
    expect(local.writes.byEndpoint["POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"]).toBeUndefined();
    expect(result.config.concurrency).toEqual({ local: 2, actions: 3 });
    expect(result.limiter).toEqual({ minTimeMs: 1_000, perMinute: 60, perHour: 3_600 });

    const figures = actionsFigures(result);
    expect(figures.find((f) => f.figure === "runs lost (any other end, or none)")).toMatchObject({ ours: 0, baseline: 0, pass: true });
    expect(figures.find((f) => f.figure === "runner bundles downloaded (one per job)")).toMatchObject({ ours: 3, baseline: 3 });
    expect(figures.find((f) => f.figure.startsWith("app's CPU time per run (ms"))?.ratio).toBeCloseTo(result.appCpuRatio!, 6);
    expect(BENCHMARKS.some((b) => b.name.startsWith("Actions executor"))).toBe(true);
  }, 240_000);
});
