import { describe, expect, it } from "vitest";
import { githubEconomyFigures, isAgentContentRead, runGitHubEconomyBenchmark } from "../../bench/github-economy.js";
import { BENCHMARKS } from "../../bench/run.js";

describe("the GitHub economy benchmark", () => {
  it("counts one successful run's calls by endpoint, with and without coalesced live progress", async () => {
    const result = await runGitHubEconomyBenchmark({ modelDelayMs: 20, longTurns: 3 });
    const { ours, baseline, long } = result;
    for (const run of [ours, baseline, long!]) {
      expect(run.state).toBe("succeeded");
      expect(run.total).toBe(Object.values(run.byEndpoint).reduce((a, b) => a + b, 0));
      expect(run.byEndpoint["unknown"]).toBeUndefined();
      expect(run.byEndpoint).toMatchObject({
        "POST /app/installations/{installation_id}/access_tokens": 1,
        "GET /repos/{owner}/{repo}/contents/{path}": 2,
        "POST /repos/{owner}/{repo}/issues/{issue_number}/reactions": 1,
        "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": 1,
        "POST /repos/{owner}/{repo}/pulls": 1,
        "POST /graphql": 1,
      });
    }
    // Both .github/hamster.yml reads are the app's; this agent reads nothing through the API.
    expect(ours.agentReads).toBe(0);
    expect(ours.app).toBe(ours.total);

    expect(isAgentContentRead({ endpoint: "GET /repos/{owner}/{repo}/contents/{path}", path: "/api/v3/repos/o/r/contents/.github%2Fhamster.yml" })).toBe(false);
    expect(isAgentContentRead({ endpoint: "GET /repos/{owner}/{repo}/contents/{path}", path: "/api/v3/repos/o/r/contents/docs/brief.md" })).toBe(true);
    expect(isAgentContentRead({ endpoint: "GET /repos/{owner}/{repo}/issues/{issue_number}", path: "/api/v3/repos/o/r/issues/7" })).toBe(true);

    const figures = githubEconomyFigures(result);
    expect(figures[0]).toMatchObject({ ours: ours.app, baseline: baseline.app, goal: "≤ 20" });
    expect(figures.some((f) => f.figure.includes("3-turn run"))).toBe(true);
    expect(BENCHMARKS.some((b) => b.name.startsWith("GitHub economy"))).toBe(true);
  }, 60_000);
});
