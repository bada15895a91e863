import { describe, expect, it } from "vitest";
import { buildBriefPlan, findIssueTaskState, type BriefIssue, type BriefRead } from "../../../src/task/plan/brief-plan.js";
import { renderPlanProblem } from "../../../src/task/plan/plan-graph.js";

const HOME = { owner: "acme", repo: "widgets", htmlUrl: "https://github.com/acme/widgets" };
const ref = (number: number, repo = "widgets") => ({ owner: "acme", repo, number });

function issue(number: number, options: Partial<BriefIssue> & { blockers?: number[] } = {}): BriefIssue {
  return {
    ref: ref(number),
    id: 1000 + number,
    title: `Task ${number}`,
    body: null,
    htmlUrl: `https://github.com/acme/widgets/issues/${number}`,
    author: "alice",
    state: "open",
    stateReason: null,
    blockedBy: options.blockers ? options.blockers.map((n) => ({ ref: ref(n), state: "open" as const, stateReason: null })) : [],
    ...options,
  };
}

function read(tasks: BriefIssue[], source: BriefRead["source"] = "sub_issues", unreachable: BriefRead["unreachable"] = []): BriefRead {
  return { source, subIssuesAvailable: source === "sub_issues", tasks, unreachable, complete: true };
}

describe("a brief of sub-issues", () => {
  it("is ordered by GitHub's dependencies, with each task's state from its issue", () => {
    const plan = buildBriefPlan(
      read([
        issue(15, { blockers: [13, 14] }),
        issue(12, { state: "closed", stateReason: "completed" }),
        issue(13, { blockers: [12] }),
        issue(14, { blockers: [12] }),
      ]),
      HOME,
    );
    if (!plan.ok) throw new Error(JSON.stringify(plan.problems));
    expect(plan.graph.order).toEqual(["#12", "#13", "#14", "#15"]);
    expect(Object.fromEntries(plan.states)).toEqual({ "#15": "pending", "#12": "done", "#13": "pending", "#14": "pending" });
    expect(plan.tasks.get("#13")?.id).toBe(1013);
  });

  it("does not read `Depends on` lines when GitHub's dependencies were read", () => {
    const plan = buildBriefPlan(read([issue(12), issue(13, { body: "Depends on #12" })]), HOME);
    expect(plan.ok && plan.graph.blockedBy.get("#13")).toEqual([]);
  });

  it("reads them for a task whose dependencies GitHub could not give", () => {
    const plan = buildBriefPlan(read([issue(12), issue(13, { body: "Depends on #12", blockedBy: null })]), HOME);
    expect(plan.ok && plan.graph.blockedBy.get("#13")).toEqual(["#12"]);
  });

  it("counts a blocker outside the brief as met when it is closed as completed, and reports an open one", () => {
    const outside = (number: number, state: "open" | "closed") => ({ ref: ref(number, "gadgets"), state, stateReason: state === "closed" ? "completed" : null });
    const met = buildBriefPlan(read([issue(12, { blockedBy: [outside(4, "closed")] })]), HOME);
    expect(met.ok).toBe(true);
    const open = buildBriefPlan(read([issue(12, { blockedBy: [outside(5, "open")] })]), HOME);
    if (open.ok) throw new Error("expected a problem");
    expect(open.problems.map((p) => renderPlanProblem(p))).toEqual(["#12 depends on acme/gadgets#5, which is not a task of this plan"]);
  });
});

describe("a brief with a task list", () => {
  it("is ordered by `Depends on` lines and GitHub's dependencies together", () => {
    const plan = buildBriefPlan(read([issue(12), issue(13, { body: "Depends on #12" }), issue(14, { blockers: [13] })], "task_list"), HOME);
    expect(plan.ok && Object.fromEntries(plan.graph.blockedBy)).toEqual({ "#12": [], "#13": ["#12"], "#14": ["#13"] });
  });

  it("reports every problem: unreadable tasks first, then the graph's", () => {
    const plan = buildBriefPlan(
      read([issue(12, { body: "Depends on #13" }), issue(13, { body: "Depends on #12\nDepends on #40" })], "task_list", [ref(99)]),
      HOME,
    );
    if (plan.ok) throw new Error("expected problems");
    expect(plan.problems.map((p) => renderPlanProblem(p))).toEqual([
      "#99 is listed as a task, but it does not exist, is not an issue, or the app cannot read it",
      "#13 depends on #40, which is not a task of this plan",
      "a dependency cycle, where each task waits on the next: #12 → #13 → #12",
    ]);
  });
});

describe("a task's state from its issue", () => {
  it.each([
    ["open", null, "pending"],
    ["open", "reopened", "pending"],
    ["closed", "completed", "done"],
    ["closed", null, "done"],
    ["closed", "not_planned", "cancelled"],
    ["closed", "duplicate", "cancelled"],
  ] as const)("%s (%s) is %s", (state, stateReason, expected) => {
    expect(findIssueTaskState({ state, stateReason })).toBe(expected);
  });
});
