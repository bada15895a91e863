import { describe, expect, it } from "vitest";
import { MAX_PLAN_TASKS, renderPlanProblem, validatePlanGraph, type PlanGraph, type PlanProblem, type PlanTask } from "../../../src/task/plan/plan-graph.js";

function graphOf(tasks: readonly PlanTask[]): PlanGraph {
  const result = validatePlanGraph(tasks);
  if (!result.ok) throw new Error(`expected a graph, got ${JSON.stringify(result.problems)}`);
  return result.graph;
}

function problemsOf(tasks: readonly PlanTask[]): readonly PlanProblem[] {
  const result = validatePlanGraph(tasks);
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.graph.order)}`);
  return result.problems;
}

const task = (id: string, ...blockedBy: string[]): PlanTask => ({ id, blockedBy });
const issue = (id: string) => `#${id}`;

describe("a plan without problems", () => {
  it("orders each task after the tasks it is blocked by, keeping the input order otherwise", () => {
    const graph = graphOf([task("D", "B", "C"), task("C", "A"), task("B", "A"), task("A"), task("E")]);
    expect(graph.order).toEqual(["A", "C", "B", "D", "E"]);
    expect(Object.fromEntries(graph.blocks)).toEqual({ A: ["C", "B"], B: ["D"], C: ["D"], D: [], E: [] });
  });

  it("counts a dependency named twice once", () => {
    expect(graphOf([task("A"), task("B", "A", "A")]).blockedBy.get("B")).toEqual(["A"]);
  });

  it("accepts exactly the maximum number of tasks", () => {
    const tasks = Array.from({ length: MAX_PLAN_TASKS }, (_, i) => task(String(i), ...(i > 0 ? [String(i - 1)] : [])));
    expect(graphOf(tasks).order).toHaveLength(MAX_PLAN_TASKS);
  });
});

describe("a dependency cycle", () => {
  it("names its members in order, from the one that comes first in the plan", () => {
    const problems = problemsOf([task("1"), task("3", "4"), task("2", "3"), task("4", "2", "1")]);
    expect(problems).toEqual([{ kind: "cycle", members: ["3", "4", "2"] }]);
    expect(renderPlanProblem(problems[0]!, issue)).toBe("a dependency cycle, where each task waits on the next: #3 → #4 → #2 → #3");
  });

  it("is a task that depends on itself", () => {
    const problems = problemsOf([task("7", "7")]);
    expect(problems).toEqual([{ kind: "cycle", members: ["7"] }]);
    expect(renderPlanProblem(problems[0]!, issue)).toBe("#7 depends on itself");
  });

  it("is reported once per cycle, each one, not once per task in it", () => {
    const problems = problemsOf([task("A", "B"), task("B", "A"), task("C", "D"), task("D", "C"), task("E", "A")]);
    expect(problems).toEqual([
      { kind: "cycle", members: ["A", "B"] },
      { kind: "cycle", members: ["C", "D"] },
    ]);
  });

  it("is found in a long chain without overflowing the stack", () => {
    const count = 50_000;
    const tasks = Array.from({ length: count }, (_, i) => task(String(i), String((i + 1) % count)));
    const cycle = problemsOf(tasks).find((p) => p.kind === "cycle");
    expect(cycle?.kind === "cycle" && cycle.members.length).toBe(count);
  });
});

describe("other problems", () => {
  it("names a dependency on a task that is not in the plan", () => {
    const problems = problemsOf([task("12", "40"), task("13", "12")]);
    expect(problems).toEqual([{ kind: "missing_dependency", task: "12", dependency: "40" }]);
    expect(renderPlanProblem(problems[0]!, issue)).toBe("#12 depends on #40, which is not a task of this plan");
  });

  it("refuses more than 50 tasks", () => {
    const problems = problemsOf(Array.from({ length: MAX_PLAN_TASKS + 1 }, (_, i) => task(String(i))));
    expect(problems).toEqual([{ kind: "too_many_tasks", count: 51, max: 50 }]);
    expect(renderPlanProblem(problems[0]!)).toBe("the plan has 51 tasks; at most 50 are delivered together, so split it into smaller briefs");
  });

  it("names a task listed twice", () => {
    expect(problemsOf([task("A"), task("A")])).toEqual([{ kind: "duplicate_task", task: "A" }]);
  });

  it("reports every problem together", () => {
    const tasks = [...Array.from({ length: 50 }, (_, i) => task(`t${i}`)), task("A", "B", "Z"), task("B", "A")];
    expect(problemsOf(tasks).map((p) => p.kind)).toEqual(["too_many_tasks", "missing_dependency", "cycle"]);
  });
});
