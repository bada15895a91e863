import { describe, expect, it } from "vitest";
import { briefPlanFigures, runBriefPlanBenchmark } from "../../bench/brief-plan.js";
import { BENCHMARKS } from "../../bench/run.js";

describe("the brief planning benchmark", () => {
  it("plans 50 tasks in at most two GitHub calls per task, with or without sub-issues", async () => {
    const result = await runBriefPlanBenchmark({ tasks: 50, latencyMs: 5 });
    const { subIssues, taskList, baseline } = result;
    for (const run of [subIssues, taskList, baseline]) expect(run).toMatchObject({ ok: true, start: ["#101"] });
    // Sub-issues: one call for the list, one "blocked by" per task that has blockers (all but the first).
    expect(subIssues.calls).toBe(1 + 49);
    // Without sub-issues: the 404, then each task of the task list; its Depends on lines give the order.
    expect(taskList.calls).toBe(1 + 50);
    expect(baseline.calls).toBe(1 + 2 * 50);
    const figures = briefPlanFigures(result);
    expect(figures.filter((f) => f.figure.startsWith("GitHub calls per task")).map((f) => f.pass)).toEqual([true, true]);
    expect(figures[0]).toMatchObject({ goal: "≤ 1000 ms" });
    expect(BENCHMARKS.some((b) => b.name.startsWith("Brief planning"))).toBe(true);
  }, 30_000);
});
