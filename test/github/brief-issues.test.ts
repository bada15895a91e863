import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getBriefTasks } from "../../src/github/brief-issues.js";
import type { GitHubClient } from "../../src/github/client.js";
import { buildBriefPlan } from "../../src/task/plan/brief-plan.js";
import { renderPlanProblem } from "../../src/task/plan/plan-graph.js";
import { disableNetwork, TestOctokit } from "../helpers/app.js";
import { fakeGitHub, type FakeGitHubOptions } from "../helpers/github.js";

const HOME = { owner: "acme", repo: "widgets", htmlUrl: "https://github.com/acme/widgets" };
const GHES_API = "https://ghe.example.com/api/v3";
const GHES_HOME = { ...HOME, htmlUrl: "https://ghe.example.com/acme/widgets" };
const BRIEF = 10;

beforeAll(() => disableNetwork());
afterEach(() => void nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function startGitHub(options: Partial<FakeGitHubOptions>) {
  return fakeGitHub({ owner: "acme", repo: "widgets", installationId: 1, ...options });
}

const octokit = (baseUrl?: string) => new TestOctokit(baseUrl ? { baseUrl } : {}) as GitHubClient;

/** The calls made, as "GET /issues/10/sub_issues", without the repository's prefix. */
function callsOf(github: ReturnType<typeof startGitHub>, prefix = "/repos/acme/widgets"): string[] {
  return github.calls.map((c) => `${c.method} ${c.path.slice(c.path.indexOf(prefix) + prefix.length)}`);
}

// A (#12); B (#13) and C (#14) after A; D (#15) after B and C.
const DIAMOND_ISSUES = {
  12: { title: "A", body: "First." },
  13: { title: "B", body: "Depends on #12" },
  14: { title: "C", body: "Depends on #12" },
  15: { title: "D", body: "Depends on #13, #14" },
};
const DIAMOND_BLOCKED_BY = { 13: [12], 14: [12], 15: [13, 14] };
const TASK_LIST = "The brief.\n\n- [ ] #12\n- [ ] #13\n- [ ] #14\n- [ ] #15\n";

describe("a brief on GitHub with sub-issues and issue dependencies", () => {
  it("is its sub-issues, ordered by what each is blocked by, asking only for the tasks that have blockers", async () => {
    const github = startGitHub({ issues: DIAMOND_ISSUES, subIssues: { [BRIEF]: [12, 13, 14, 15] }, blockedBy: DIAMOND_BLOCKED_BY });
    const read = await getBriefTasks(octokit(), HOME, { number: BRIEF, body: null });
    expect(read).toMatchObject({ source: "sub_issues", subIssuesAvailable: true, unreachable: [], complete: true });
    expect(read.tasks.map((t) => [t.ref.number, t.id, t.title, t.blockedBy?.map((b) => b.ref.number)])).toEqual([
      [12, 1_000_012, "A", []],
      [13, 1_000_013, "B", [12]],
      [14, 1_000_014, "C", [12]],
      [15, 1_000_015, "D", [13, 14]],
    ]);
    expect(callsOf(github).sort()).toEqual([
      "GET /issues/10/sub_issues",
      "GET /issues/13/dependencies/blocked_by",
      "GET /issues/14/dependencies/blocked_by",
      "GET /issues/15/dependencies/blocked_by",
    ]);
    const plan = buildBriefPlan(read, HOME);
    expect(plan.ok && plan.graph.order).toEqual(["#12", "#13", "#14", "#15"]);
  });

  it("reads a closed task as done, and a blocker outside the brief by its state", async () => {
    startGitHub({
      issues: {
        ...DIAMOND_ISSUES,
        12: { title: "A", body: null, state: "closed", stateReason: "completed" },
        30: { title: "Open, elsewhere", body: null },
        31: { title: "Done, elsewhere", body: null, state: "closed" },
      },
      subIssues: { [BRIEF]: [12, 13] },
      blockedBy: { 13: [12, 30, 31] },
    });
    const read = await getBriefTasks(octokit(), HOME, { number: BRIEF, body: null });
    expect(read.tasks.map((t) => [t.ref.number, t.state, t.stateReason])).toEqual([
      [12, "closed", "completed"],
      [13, "open", null],
    ]);
    const plan = buildBriefPlan(read, HOME);
    if (plan.ok) throw new Error("expected a problem");
    expect(plan.problems.map((p) => renderPlanProblem(p))).toEqual(["#13 depends on #30, which is not a task of this plan"]);
  });

  it("falls back to the task list of a brief that has no sub-issues", async () => {
    const github = startGitHub({ issues: DIAMOND_ISSUES, subIssues: {}, blockedBy: {} });
    const read = await getBriefTasks(octokit(), HOME, { number: BRIEF, body: TASK_LIST });
    expect(read).toMatchObject({ source: "task_list", subIssuesAvailable: true });
    expect(read.tasks.map((t) => t.ref.number)).toEqual([12, 13, 14, 15]);
    // No blockers counted in the issues' summaries: no dependency calls.
    expect(callsOf(github).filter((c) => c.includes("blocked_by"))).toEqual([]);
    const plan = buildBriefPlan(read, HOME);
    expect(plan.ok && Object.fromEntries(plan.graph.blockedBy)).toEqual({ "#12": [], "#13": ["#12"], "#14": ["#12"], "#15": ["#13", "#14"] });
  });

  it("stops after the first page of a brief with more tasks than a plan may have, and the plan says so", async () => {
    const numbers = Array.from({ length: 60 }, (_, i) => 100 + i);
    const github = startGitHub({ subIssues: { [BRIEF]: numbers }, blockedBy: { 101: [100] } });
    const read = await getBriefTasks(octokit(), HOME, { number: BRIEF, body: null });
    expect(read).toMatchObject({ complete: false });
    expect(callsOf(github)).toEqual(["GET /issues/10/sub_issues"]);
    const plan = buildBriefPlan(read, HOME);
    expect(!plan.ok && plan.problems.map((p) => p.kind)).toEqual(["too_many_tasks"]);
  });
});

describe("a brief on a GitHub without sub-issues (GitHub Enterprise Server)", () => {
  it("3.17 and 3.18, without issue dependencies either: the task list and the `Depends on` lines", async () => {
    const github = startGitHub({ baseUrl: GHES_API, issues: DIAMOND_ISSUES });
    const read = await getBriefTasks(octokit(GHES_API), GHES_HOME, { number: BRIEF, body: TASK_LIST });
    expect(read).toMatchObject({ source: "task_list", subIssuesAvailable: false, unreachable: [], complete: true });
    expect(callsOf(github)).toEqual(["GET /issues/10/sub_issues", "GET /issues/12", "GET /issues/13", "GET /issues/14", "GET /issues/15"]);
    const plan = buildBriefPlan(read, GHES_HOME);
    if (!plan.ok) throw new Error(JSON.stringify(plan.problems));
    expect(plan.graph.order).toEqual(["#12", "#13", "#14", "#15"]);
    expect(Object.fromEntries(plan.graph.blockedBy)).toEqual({ "#12": [], "#13": ["#12"], "#14": ["#12"], "#15": ["#13", "#14"] });
  });

  it("3.19, with issue dependencies: they count beside the `Depends on` lines", async () => {
    const github = startGitHub({ baseUrl: GHES_API, issues: { 12: { title: "A", body: null }, 13: { title: "B", body: null }, 14: { title: "C", body: "Depends on #13" } }, blockedBy: { 13: [12] } });
    const read = await getBriefTasks(octokit(GHES_API), GHES_HOME, { number: BRIEF, body: "- [ ] #12\n- [ ] #13\n- [ ] #14\n" });
    expect(callsOf(github).filter((c) => c.includes("blocked_by"))).toEqual(["GET /issues/13/dependencies/blocked_by"]);
    const plan = buildBriefPlan(read, GHES_HOME);
    expect(plan.ok && Object.fromEntries(plan.graph.blockedBy)).toEqual({ "#12": [], "#13": ["#12"], "#14": ["#13"] });
  });

  it("names a listed task that cannot be read", async () => {
    startGitHub({ baseUrl: GHES_API, issues: { 12: { title: "A", body: null } } });
    const read = await getBriefTasks(octokit(GHES_API), GHES_HOME, { number: BRIEF, body: "- [ ] #12\n- [ ] #99\n" });
    expect(read.unreachable).toEqual([{ owner: "acme", repo: "widgets", number: 99 }]);
    const plan = buildBriefPlan(read, GHES_HOME);
    expect(!plan.ok && plan.problems.map((p) => renderPlanProblem(p))).toEqual([
      "#99 is listed as a task, but it does not exist, is not an issue, or the app cannot read it",
    ]);
  });
});

describe("a brief of 50 tasks", () => {
  const numbers = Array.from({ length: 50 }, (_, i) => 100 + i);
  // A chain: each task after the one before; every task has a blocker but the first.
  const issues = Object.fromEntries(numbers.map((n) => [n, { title: `Task ${n}`, body: n === 100 ? null : `Depends on #${n - 1}` }]));
  const blockedBy = Object.fromEntries(numbers.slice(1).map((n) => [n, [n - 1]]));
  const taskList = numbers.map((n) => `- [ ] #${n}`).join("\n");
  const readCalls = (github: ReturnType<typeof startGitHub>) => github.calls.filter((c) => !c.path.includes("access_tokens")).length;

  it("is read in at most two GitHub calls per task with sub-issues", async () => {
    const github = startGitHub({ issues, subIssues: { [BRIEF]: numbers }, blockedBy });
    const plan = buildBriefPlan(await getBriefTasks(octokit(), HOME, { number: BRIEF, body: null }), HOME);
    expect(plan.ok && plan.graph.order).toEqual(numbers.map((n) => `#${n}`));
    expect(readCalls(github)).toBe(50);
    expect(readCalls(github)).toBeLessThanOrEqual(2 * 50);
  });

  it("is read in at most two GitHub calls per task from a task list, with dependencies (GHES 3.19)", async () => {
    const github = startGitHub({ baseUrl: GHES_API, issues, blockedBy });
    const plan = buildBriefPlan(await getBriefTasks(octokit(GHES_API), GHES_HOME, { number: BRIEF, body: taskList }), GHES_HOME);
    expect(plan.ok && plan.graph.order).toEqual(numbers.map((n) => `#${n}`));
    expect(readCalls(github)).toBe(1 + 50 + 49);
    expect(readCalls(github)).toBeLessThanOrEqual(2 * 50);
  });

  it("is read in at most two GitHub calls per task from a task list, without dependencies (GHES 3.17)", async () => {
    const github = startGitHub({ baseUrl: GHES_API, issues });
    const plan = buildBriefPlan(await getBriefTasks(octokit(GHES_API), GHES_HOME, { number: BRIEF, body: taskList }), GHES_HOME);
    expect(plan.ok && plan.graph.order).toEqual(numbers.map((n) => `#${n}`));
    expect(readCalls(github)).toBe(1 + 50);
  });
});
