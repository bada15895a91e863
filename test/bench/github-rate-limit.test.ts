import { describe, expect, it } from "vitest";
import { githubRateLimitFigures, runGitHubRateLimitBenchmark } from "../../bench/github-rate-limit.js";
import { BENCHMARKS, renderTable } from "../../bench/run.js";

describe("the GitHub rate-limit benchmark", () => {
  it("runs the real app against the fake GitHub: limited, every run delivers; unlimited, the bursts are refused", async () => {
    // Four runs, writes 60 ms apart (≤ 17 a second) against a limit of 20 writes a second.
    const result = await runGitHubRateLimitBenchmark({ runs: 4, minTimeMs: 60, rule: { maxWrites: 20, windowMs: 1_000 } });
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

    expect(baseline.secondaryLimitHits).toBeGreaterThan(0);
    expect(baseline.peakWritesPerSecond).toBeGreaterThan(20);
    expect(baseline.lost).toBeGreaterThan(0);

    const figures = githubRateLimitFigures(result);
    expect(figures.filter((f) => f.pass !== null).every((f) => f.pass)).toBe(true);
    expect(renderTable([{ name: "rate", durationMs: 1, figures, details: result }])).toContain("secondary-rate-limit errors");
    expect(BENCHMARKS.map((b) => b.name).some((name) => name.startsWith("GitHub secondary rate limits"))).toBe(true);
  }, 60_000);
});
