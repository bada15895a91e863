import { describe, expect, it } from "vitest";
import { manyRunsFigures, runManyRunsBenchmark } from "../../bench/many-runs.js";
import { BENCHMARKS } from "../../bench/run.js";

describe("the many-runs benchmark", () => {
  it("runs several scripted runs at once to success while sampling memory and event-loop delay", async () => {
    const result = await runManyRunsBenchmark({ runs: 3, repos: 2, modelDelayMs: 20, idleSampleMs: 300, timeoutMs: 45_000 });
    expect(result).toMatchObject({ succeeded: 3, lost: 0, stuck: 0, states: { succeeded: 3 }, failureReasons: {}, webhookStatuses: { "200": 3 }, errorsLogged: 0 });
    // Plan, edit, end turn, report: four model calls a run.
    expect(result.modelCalls).toBe(12);
    expect(result.idle.rssMb).toBeGreaterThan(0);
    expect(result.load.peakRssMb).toBeGreaterThanOrEqual(result.load.rssMb);
    expect(result.load.samples).toBeGreaterThan(1);
    expect(result.load.eventLoopP99Ms).toBeGreaterThan(0);
    expect(result.load.medianRunMs).toBeGreaterThan(0);

    const figures = manyRunsFigures(result);
    expect(figures.find((f) => f.figure === "runs lost or stuck")?.pass).toBe(true);
    expect(figures.find((f) => f.figure === "peak RSS (MB)")?.baseline).toBe(result.idle.rssMb);
    expect(BENCHMARKS.some((b) => b.name.startsWith("Many runs"))).toBe(true);
  }, 60_000);
});
