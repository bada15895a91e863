import { describe, expect, it } from "vitest";
import { firstFeedbackFigures, runFirstFeedbackBenchmark } from "../../bench/first-feedback.js";
import { BENCHMARKS } from "../../bench/run.js";

describe("the first-feedback benchmark", () => {
  it("times 👀, the status comment and the first check run of a labeled issue, cold and warm, in order", async () => {
    const result = await runFirstFeedbackBenchmark();
    expect(result.roundTripMs).toBeGreaterThan(0);
    expect(result.errorsLogged).toBe(0);
    for (const t of [result.cold, result.warm]) {
      expect(t.runState).toBe("succeeded");
      expect(t.reactionMs).toBeGreaterThan(0);
      expect(t.statusCommentMs).toBeGreaterThan(t.reactionMs);
      expect(t.checkRunMs).toBeGreaterThan(t.statusCommentMs);
      expect(t.calls.at(-1)?.endpoint).toBe("POST /repos/{owner}/{repo}/check-runs");
    }
    // The sender's permission, .github/hamster.yml (repository, then the owner's .github), 👀, the comment;
    // the second delivery from the same sender finds the permission cached.
    expect(result.cold.callsToStatusComment).toBeGreaterThanOrEqual(5);
    expect(result.warm.callsToStatusComment).toBe(result.cold.callsToStatusComment - 2);
    // Only the first delivery needs an installation token.
    expect(result.cold.calls[0]?.endpoint).toBe("POST /app/installations/{installation_id}/access_tokens");
    expect(result.warm.calls.some((c) => c.endpoint.includes("access_tokens"))).toBe(false);

    const figures = firstFeedbackFigures(result);
    expect(figures.filter((f) => f.pass !== null)).toHaveLength(6);
    expect(figures.find((f) => f.figure === "status comment (ms, cold)")?.ratio).toBeCloseTo(result.cold.statusCommentMs / result.roundTripMs);
    expect(BENCHMARKS.some((b) => b.name.startsWith("First feedback"))).toBe(true);
  }, 60_000);
});
