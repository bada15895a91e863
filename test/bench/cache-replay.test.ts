import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCacheReplayBenchmark } from "../../bench/cache-replay.js";
import { BENCHMARKS, cacheReplayFigures, findResultsDir, renderTable } from "../../bench/run.js";

describe("the cache replay benchmark", () => {
  it("replays the same conversation with caching on and off and computes the cache share", async () => {
    const result = await runCacheReplayBenchmark({ turns: 8 });
    const { ours, baseline } = result;

    expect(ours.requests).toBe(8);
    expect(baseline.requests).toBe(8);
    // Same conversation: the same input either way, only billed differently.
    expect(ours.totalInputTokens).toBe(baseline.totalInputTokens);
    expect(baseline.cacheReadTokens + baseline.cacheWriteTokens).toBe(0);
    expect(ours.cacheReadShare).toBeCloseTo(ours.cacheReadTokens / ours.totalInputTokens, 12);
    // Every call after the first reads the one before it: already most of the input at 8 calls.
    expect(ours.cacheReadShare).toBeGreaterThan(0.6);
    expect(ours.billedInputTokens).toBeCloseTo(ours.inputTokens + 1.25 * ours.cacheWriteTokens + 0.1 * ours.cacheReadTokens, 6);
    expect(result.billedInputRatio).toBeLessThan(0.6);
    expect(ours.costUsd).toBeLessThan(baseline.costUsd);

    const figures = cacheReplayFigures(result);
    expect(figures.map((f) => f.figure)).toEqual([
      "input tokens read from cache",
      "billed-equivalent input tokens",
      "input tokens, all kinds (same conversation)",
      "input tokens read from cache, through the gateway vs direct",
      "model calls",
      "cost in dollars (Sonnet prices)",
    ]);
    expect(figures[2]?.pass).toBe(true);
    // The gateway passes the request through unchanged: caching reads exactly what it does without it.
    expect(ours.cacheReadTokens).toBe(result.direct.cacheReadTokens);
    expect(figures[3]?.pass).toBe(true);
    const table = renderTable([{ name: "cache", durationMs: 1234, figures, details: result }]);
    expect(table).toMatch(/^cache \(1\.2 s\)\nfigure +ours +baseline +ratio +goal +verdict\n/);
    expect(table).toContain(`${(ours.cacheReadShare * 100).toFixed(1)} %`);
  });

  it("is listed for bench/run.ts, which writes under the package root", () => {
    expect(BENCHMARKS.map((b) => b.name)).toContain("prompt cache replay (20 model calls)");
    const root = mkdtempSync(path.join(tmpdir(), "hamster-bench-root-"));
    try {
      writeFileSync(path.join(root, "package.json"), "{}");
      mkdirSync(path.join(root, "dist", "bench"), { recursive: true });
      expect(findResultsDir(path.join(root, "dist", "bench"))).toBe(path.join(root, "bench", "results"));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
