import { describe, expect, it } from "vitest";
import { runPageFigures, runRunPageBenchmark } from "../../bench/console-run-page.js";
import { BENCHMARKS } from "../../bench/run.js";

describe("the console run page benchmark", () => {
  it("times the page of a long run against a short one, and an event's way to every open page against one page's", async () => {
    const result = await runRunPageBenchmark({ turns: 50, renders: 3, pages: 10, liveEvents: 5, spacingMs: 20 });
    expect(result.turns).toBe(50);
    expect(result.pageBytes).toBeGreaterThan(20_000);
    expect(result.render.medianMs).toBeGreaterThan(0);
    expect(result.render.maxMs).toBeGreaterThanOrEqual(result.render.medianMs);
    // Every event reached every page: 10 pages × 5 events, and the baseline's one page.
    expect(result.live.lost).toBe(0);
    expect(result.live.p99Ms).toBeGreaterThan(0);
    expect(result.live.p99Ms).toBeGreaterThanOrEqual(result.live.p50Ms);

    const figures = runPageFigures(result);
    expect(figures.filter((f) => f.pass !== null)).toHaveLength(2);
    expect(figures[0]!.ratio).toBeCloseTo(result.render.medianMs / result.render.baselineMedianMs);
    expect(BENCHMARKS.some((b) => b.name.startsWith("Console run page"))).toBe(true);
  }, 60_000);
});
