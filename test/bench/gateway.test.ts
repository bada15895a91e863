import { describe, expect, it } from "vitest";
import { gatewayFigures, runGatewayBenchmark } from "../../bench/gateway.js";
import { BENCHMARKS } from "../../bench/run.js";

describe("the model gateway benchmark", () => {
  // Behaviour only: the timing figures are the benchmark's to judge, never a test's.
  it("passes every streamed answer through byte for byte, answers every concurrent call, and records each one", async () => {
    const result = await runGatewayBenchmark({ calls: 6, warmup: 2, concurrent: 5, rounds: 2, streamIntervalMs: 2 });
    expect(result.answersThroughGateway).toBe(6 + 5 * 2);
    expect(result.identicalAnswers).toBe(result.answersThroughGateway);
    expect(result.load.ours).toMatchObject({ calls: 10, answered: 10 });
    expect(result.load.baseline).toMatchObject({ calls: 10, answered: 10 });
    // Warm-up, measured and concurrent calls through the gateway; none straight.
    expect(result.recordedCalls).toBe(2 + 6 + 10);
    expect(result.gatewayErrors).toBe(0);
    expect(result.load.ours.samples).toBeGreaterThan(0);

    const figures = gatewayFigures(result);
    expect(figures.map((f) => f.figure)).toContain("added latency p50 (ms)");
    expect(figures.find((f) => f.figure.startsWith("answers byte-identical"))?.pass).toBe(true);
    expect(figures.find((f) => f.figure.startsWith("concurrent calls answered"))?.pass).toBe(true);
    expect(BENCHMARKS.some((b) => b.name.startsWith("Model gateway"))).toBe(true);
  });
});
