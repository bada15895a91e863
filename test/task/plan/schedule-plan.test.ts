import { describe, expect, it } from "vitest";
import { validatePlanGraph, type PlanGraph, type PlanTask } from "../../../src/task/plan/plan-graph.js";
import { schedulePlan, type PlanTaskState } from "../../../src/task/plan/schedule-plan.js";

function graphOf(tasks: readonly PlanTask[]): PlanGraph {
  const result = validatePlanGraph(tasks);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.graph;
}

const states = (entries: Record<string, PlanTaskState>) => new Map(Object.entries(entries));

// A; B and C after A; D after B and C.
const DIAMOND = graphOf([
  { id: "A", blockedBy: [] },
  { id: "B", blockedBy: ["A"] },
  { id: "C", blockedBy: ["A"] },
  { id: "D", blockedBy: ["B", "C"] },
]);

describe("the diamond", () => {
  it("starts A alone, B and C once A is done, and D once both are", () => {
    expect(schedulePlan(DIAMOND, states({}))).toEqual({
      start: ["A"],
      ready: [],
      running: [],
      stackedOn: new Map(),
      waiting: [
        { task: "B", on: ["A"] },
        { task: "C", on: ["A"] },
        { task: "D", on: ["B", "C"] },
      ],
      stopped: [],
      finished: false,
    });
    expect(schedulePlan(DIAMOND, states({ A: "running" })).start).toEqual([]);
    expect(schedulePlan(DIAMOND, states({ A: "done" })).start).toEqual(["B", "C"]);
    expect(schedulePlan(DIAMOND, states({ A: "done", B: "done", C: "running" }))).toMatchObject({ start: [], waiting: [{ task: "D", on: ["C"] }] });
    expect(schedulePlan(DIAMOND, states({ A: "done", B: "done", C: "done" })).start).toEqual(["D"]);
    expect(schedulePlan(DIAMOND, states({ A: "done", B: "done", C: "done", D: "done" }))).toMatchObject({ start: [], finished: true });
  });

  it("stops D when B fails, and lets C go on", () => {
    const afterFailure = schedulePlan(DIAMOND, states({ A: "done", B: "failed", C: "running" }));
    expect(afterFailure).toMatchObject({ start: [], running: ["C"], stopped: [{ task: "D", by: ["B"] }], finished: false });
    const end = schedulePlan(DIAMOND, states({ A: "done", B: "failed", C: "done" }));
    expect(end).toMatchObject({ start: [], stopped: [{ task: "D", by: ["B"] }], finished: true });
  });

  it("stops everything after A when A is cancelled, naming A as the cause", () => {
    expect(schedulePlan(DIAMOND, states({ A: "cancelled" })).stopped).toEqual([
      { task: "B", by: ["A"] },
      { task: "C", by: ["A"] },
      { task: "D", by: ["A"] },
    ]);
  });
});

describe("delivered tasks, waiting for their merge", () => {
  it("hold no slot, keep their dependents waiting, and keep the brief open", () => {
    const schedule = schedulePlan(DIAMOND, states({ A: "delivered" }), { parallel: 1 });
    expect(schedule).toMatchObject({ start: [], running: [], waiting: [{ task: "B", on: ["A"] }, { task: "C", on: ["A"] }, { task: "D", on: ["B", "C"] }], finished: false });
    const flat = graphOf([{ id: "1", blockedBy: [] }, { id: "2", blockedBy: [] }]);
    expect(schedulePlan(flat, states({ "1": "delivered" }), { parallel: 1 }).start).toEqual(["2"]);
    expect(schedulePlan(flat, states({ "1": "delivered", "2": "done" })).finished).toBe(false);
    expect(schedulePlan(flat, states({ "1": "done", "2": "done" })).finished).toBe(true);
  });

  it("with stack, let a dependent start on the one unmerged blocker's branch", () => {
    const afterA = schedulePlan(DIAMOND, states({ A: "delivered" }), { stack: true });
    expect(afterA.start).toEqual(["B", "C"]);
    expect([...afterA.stackedOn]).toEqual([
      ["B", "A"],
      ["C", "A"],
    ]);
    // D has two blockers not merged: it waits until one of them is.
    const both = schedulePlan(DIAMOND, states({ A: "done", B: "delivered", C: "delivered" }), { stack: true });
    expect(both).toMatchObject({ start: [], waiting: [{ task: "D", on: ["B", "C"] }] });
    const one = schedulePlan(DIAMOND, states({ A: "done", B: "done", C: "delivered" }), { stack: true });
    expect(one.start).toEqual(["D"]);
    expect(one.stackedOn.get("D")).toBe("C");
    // A blocker still running is not stacked on.
    expect(schedulePlan(DIAMOND, states({ A: "running" }), { stack: true }).start).toEqual([]);
    // Without stack nothing starts before the merge.
    expect(schedulePlan(DIAMOND, states({ A: "delivered" })).start).toEqual([]);
  });

  it("with stack, does not stack where canStack says no (code in another repository): that task waits for the merge", () => {
    const afterA = schedulePlan(DIAMOND, states({ A: "delivered" }), { stack: true, canStack: (task) => task !== "C" });
    expect(afterA.start).toEqual(["B"]);
    expect([...afterA.stackedOn]).toEqual([["B", "A"]]);
    expect(afterA.waiting).toEqual([
      { task: "C", on: ["A"] },
      { task: "D", on: ["B", "C"] },
    ]);
  });
});

describe("parallel", () => {
  const flat = graphOf(["1", "2", "3", "4", "5"].map((id) => ({ id, blockedBy: [] })));

  it("starts two tasks at once by default, in plan order, and counts running ones", () => {
    expect(schedulePlan(flat, states({}))).toMatchObject({ start: ["1", "2"], ready: ["3", "4", "5"] });
    expect(schedulePlan(flat, states({ "1": "running" }))).toMatchObject({ start: ["2"], ready: ["3", "4", "5"] });
    expect(schedulePlan(flat, states({ "1": "running", "2": "running" }))).toMatchObject({ start: [], ready: ["3", "4", "5"] });
  });

  it("follows the brief's number", () => {
    expect(schedulePlan(flat, states({}), { parallel: 4 }).start).toEqual(["1", "2", "3", "4"]);
    expect(schedulePlan(flat, states({}), { parallel: 1 }).start).toEqual(["1"]);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses %s", (parallel) => {
    expect(() => schedulePlan(flat, states({}), { parallel })).toThrow(RangeError);
  });
});

/** A small seeded generator, so a failing case can be replayed from its seed. */
function createRandom(seed: number) {
  let value = seed >>> 0;
  return () => {
    value = (Math.imul(value, 1_664_525) + 1_013_904_223) >>> 0;
    return value / 2 ** 32;
  };
}

/** A random plan: each task may wait on any earlier one, so there is never a cycle; ids are shuffled in the input. */
function createRandomPlan(random: () => number): PlanTask[] {
  const count = 1 + Math.floor(random() * 12);
  const tasks = Array.from({ length: count }, (_, i) => ({
    id: `t${i}`,
    blockedBy: Array.from({ length: i }, (_, j) => `t${j}`).filter(() => random() < 0.3),
  }));
  return tasks.sort(() => random() - 0.5);
}

/** Every task this one waits on, directly or through others. */
function findAncestors(graph: PlanGraph, id: string): Set<string> {
  const found = new Set<string>();
  const visit = (current: string) => {
    for (const d of graph.blockedBy.get(current) ?? []) if (!found.has(d)) visit(found.add(d) && d);
  };
  visit(id);
  return found;
}

describe("any plan, delivered with random outcomes", () => {
  it.each(Array.from({ length: 300 }, (_, seed) => seed))("seed %i keeps every rule", (seed) => {
    const random = createRandom(seed);
    const graph = graphOf(createRandomPlan(random));
    const parallel = 1 + Math.floor(random() * 3);
    const current = new Map<string, PlanTaskState>();

    for (let step = 0; step < 1000; step++) {
      const schedule = schedulePlan(graph, current, { parallel });
      const pending = graph.order.filter((id) => (current.get(id) ?? "pending") === "pending");
      // Every pending task is in exactly one place.
      const placed = [...schedule.start, ...schedule.ready, ...schedule.waiting.map((w) => w.task), ...schedule.stopped.map((s) => s.task)];
      expect(placed.sort()).toEqual([...pending].sort());
      for (const id of [...schedule.start, ...schedule.ready]) {
        expect((graph.blockedBy.get(id) ?? []).every((d) => current.get(d) === "done")).toBe(true);
      }
      // Only a failure upstream stops a task.
      for (const { task, by } of schedule.stopped) {
        const ancestors = findAncestors(graph, task);
        expect(by.length).toBeGreaterThan(0);
        for (const cause of by) {
          expect(ancestors.has(cause)).toBe(true);
          expect(current.get(cause)).toBe("failed");
        }
      }
      for (const id of schedule.start) current.set(id, "running");
      const running = graph.order.filter((id) => current.get(id) === "running");
      expect(running.length).toBeLessThanOrEqual(parallel);
      if (schedule.finished) break;
      const [finishing] = running.sort(() => random() - 0.5);
      current.set(finishing as string, random() < 0.25 ? "failed" : "done");
    }

    const end = schedulePlan(graph, current, { parallel });
    expect(end.finished).toBe(true);
    const failed = graph.order.filter((id) => current.get(id) === "failed");
    for (const id of graph.order) {
      const stopped = [...findAncestors(graph, id)].some((a) => failed.includes(a));
      const state = current.get(id) ?? "pending";
      // A task with no failure above it was delivered (done or failed itself); one below a failure never started.
      if (stopped) expect(state).toBe("pending");
      else expect(["done", "failed"]).toContain(state);
    }
  });
});
