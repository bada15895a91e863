import { describe, expect, it } from "vitest";
import { githubRateLimitFigures, runGitHubRateLimitBenchmark } from "../../bench/github-rate-limit.js";
import { BENCHMARKS, renderTable } from "../../bench/run.js";

describe("the GitHub rate-limit benchmark", () => {
  // Whether the unlimited baseline is refused depends on how fast this machine sends its
  // writes: that comparison is the benchmark's verdict (`npm run bench`), not a test's.
  it("runs the real app against the fake GitHub: limited, every run delivers; unlimited, every run still ends", async () => {
    // Four runs, writes 100 ms apart (≤ 10 a second) against a limit of 20 writes a second: twice
    // the margin, so a slow machine only spreads the writes further apart.
    const result = await runGitHubRateLimitBenchmark({ runs: 4, minTimeMs: 100, rule: { maxWrites: 20, windowMs: 1_000 } });
    const { ours, baseline } = result;

    expect(ours).toMatchObject({ runs: 4, succeeded: 4, lost: 0, secondaryLimitHits: 0, errorsLogged: 0, failureReasons: {} });
    expect(ours.peakWritesPerSecond).toBeLessThanOrEqual(20);
    expect(ours.checkRunUpdatesPerRun).toBeGreaterThan(0);
    // What a delivered run calls, per run: one PR, two check runs (start commit and final head), one status comment.
    expect(ours.byEndpointPerRun).toMatchObject({
      "POST /repos/{owner}/{repo}/pulls": 1,
      "POST /repos/{owner}/{repo}/check-runs": 2,
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": 1,
      "POST /repos/{owner}/{repo}/issues/{issue_number}/reactions": 1,
      "POST /graphql": 1,
    });
    expect(ours.byEndpointPerRun["unknown"]).toBeUndefined();

    // However many of its writes GitHub refused, no run of the baseline is left active.
    expect(baseline.runs).toBe(4);
    expect(Object.values(baseline.states).reduce((a, b) => a + b, 0)).toBe(4);
    expect(Object.keys(baseline.states).every((state) => state === "succeeded" || state === "failed")).toBe(true);

    const figures = githubRateLimitFigures(result);
    expect(figures.filter((f) => f.pass !== null).every((f) => f.pass)).toBe(true);
    expect(renderTable([{ name: "rate", durationMs: 1, figures, details: result }])).toContain("secondary-rate-limit errors");
    expect(BENCHMARKS.map((b) => b.name).some((name) => name.startsWith("GitHub secondary rate limits"))).toBe(true);
  }, 60_000);
});
