import { readFileSync } from "node:fs";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getBriefTasks } from "../../src/github/brief-issues.js";
import type { GitHubClient } from "../../src/github/client.js";
import { ensureImportedTasks } from "../../src/github/import-tasks.js";
import { buildBriefPlan } from "../../src/task/plan/brief-plan.js";
import { validatePlanGraph, type PlanGraph } from "../../src/task/plan/plan-graph.js";
import { parseTaskMasterFile } from "../../src/task/taskmaster/parse-taskmaster.js";
import { parseTaskMarker } from "../../src/task/taskmaster/render-task-issue.js";
import { buildPlanTasks, type TaskMasterPlan } from "../../src/task/taskmaster/taskmaster-plan.js";
import { disableNetwork, TestOctokit } from "../helpers/app.js";
import { fakeGitHub, type FakeGitHubOptions } from "../helpers/github.js";

const HOME = { owner: "acme", repo: "widgets", htmlUrl: "https://github.com/acme/widgets" };
const GHES_API = "https://ghe.example.com/api/v3";
const GHES_HOME = { ...HOME, htmlUrl: "https://ghe.example.com/acme/widgets" };
const BRIEF = 10;
const TAGGED = readFileSync(new URL("../../fixtures/taskmaster/tagged-tasks.json", import.meta.url), "utf8");

beforeAll(() => disableNetwork());
afterEach(() => void nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function startGitHub(options: Partial<FakeGitHubOptions>) {
  return fakeGitHub({ owner: "acme", repo: "widgets", installationId: 1, issues: { [BRIEF]: { title: "Sessions", body: "We add sessions." } }, ...options });
}

function loadPlan(text = TAGGED): { plan: TaskMasterPlan; graph: PlanGraph } {
  const parsed = parseTaskMasterFile(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const validation = validatePlanGraph(buildPlanTasks(parsed.plan));
  if (!validation.ok) throw new Error(JSON.stringify(validation.problems));
  return { plan: parsed.plan, graph: validation.graph };
}

/** Imports the file into the brief as the fake has it now. */
async function importInto(github: ReturnType<typeof startGitHub>, home: typeof HOME, text?: string, baseUrl?: string) {
  const { plan, graph } = loadPlan(text);
  const octokit = new TestOctokit(baseUrl ? { baseUrl } : {}) as GitHubClient;
  return ensureImportedTasks(octokit, home, { number: BRIEF, body: github.issues.get(BRIEF)!.body }, plan, graph);
}

/** The brief's plan as it reads back from GitHub, by task title. */
async function readBack(github: ReturnType<typeof startGitHub>, home: typeof HOME, baseUrl?: string) {
  const octokit = new TestOctokit(baseUrl ? { baseUrl } : {}) as GitHubClient;
  const plan = buildBriefPlan(await getBriefTasks(octokit, home, { number: BRIEF, body: github.issues.get(BRIEF)!.body }), home);
  if (!plan.ok) throw new Error(JSON.stringify(plan.problems));
  const title = (id: string) => plan.tasks.get(id)!.title;
  return Object.fromEntries(plan.graph.order.map((id) => [title(id), plan.graph.blockedBy.get(id)!.map(title)]));
}

const writes = (github: ReturnType<typeof startGitHub>) => github.calls.filter((c) => c.method !== "GET" && !c.path.includes("access_tokens")).map((c) => `${c.method} ${c.path.replace(/^.*\/repos\/acme\/widgets/, "")}`);

// The tagged fixture's master tag: 1; 2 and 3 after 1; 4 after 2 and 3.
const EXPECTED_PLAN = {
  "Add the session store": [],
  "Add the login endpoint": ["Add the session store"],
  "Add the logout endpoint": ["Add the session store"],
  "Add the account page": ["Add the login endpoint", "Add the logout endpoint"],
};

describe("importing a Task Master file on GitHub with sub-issues", () => {
  it("creates one sub-issue per task and their dependencies, and reads back as the same plan", async () => {
    const github = startGitHub({ subIssues: {}, blockedBy: {} });
    const result = await importInto(github, HOME);
    expect(result).toMatchObject({ via: "sub_issues", dependenciesAdded: 4, dependenciesOnGitHub: true });
    expect(result.issues.map((i) => [i.taskId, i.action])).toEqual([
      ["1", "created"],
      ["2", "created"],
      ["3", "created"],
      ["4", "created"],
    ]);
    const numbers = result.issues.map((i) => i.number);
    expect(github.subIssues?.[BRIEF]).toEqual(numbers);
    expect(parseTaskMarker(github.issues.get(numbers[1]!)!.body)).toEqual({ tag: "master", id: "2" });
    // GitHub carries the order: no `Depends on` lines are needed.
    expect(github.issues.get(numbers[1]!)!.body).not.toContain("Depends on");
    expect(await readBack(github, HOME)).toEqual(EXPECTED_PLAN);
  });

  it("changes nothing when the same file is imported again", async () => {
    const github = startGitHub({ subIssues: {}, blockedBy: {} });
    await importInto(github, HOME);
    const before = writes(github).length;
    const again = await importInto(github, HOME);
    expect(again.issues.map((i) => i.action)).toEqual(["unchanged", "unchanged", "unchanged", "unchanged"]);
    expect(again.dependenciesAdded).toBe(0);
    expect(writes(github).slice(before)).toEqual([]);
    expect(github.subIssues?.[BRIEF]).toHaveLength(4);
  });

  it("updates the issue of a changed task, and adds a new task, without duplicates", async () => {
    const github = startGitHub({ subIssues: {}, blockedBy: {} });
    const first = await importInto(github, HOME);
    const changed = JSON.parse(TAGGED) as { master: { tasks: Record<string, unknown>[] } };
    changed.master.tasks[1]!["title"] = "Add the login endpoint, with rate limits";
    changed.master.tasks.push({ id: "5", title: "Add the audit log", status: "pending", dependencies: ["4"] });
    const before = writes(github).length;
    const second = await importInto(github, HOME, JSON.stringify(changed));
    expect(second.issues.map((i) => [i.taskId, i.action])).toEqual([
      ["1", "unchanged"],
      ["2", "updated"],
      ["3", "unchanged"],
      ["4", "unchanged"],
      ["5", "created"],
    ]);
    const updated = first.issues[1]!.number;
    const created = second.issues[4]!.number;
    expect(writes(github).slice(before)).toEqual([
      `PATCH /issues/${updated}`,
      "POST /issues",
      `POST /issues/${BRIEF}/sub_issues`,
      `POST /issues/${created}/dependencies/blocked_by`,
    ]);
    expect(github.issues.get(updated)!.title).toBe("Add the login endpoint, with rate limits");
    expect(github.subIssues?.[BRIEF]).toHaveLength(5);
  });
});

describe("importing on GitHub without sub-issues", () => {
  it("3.17 and 3.18: lists the tasks in the brief and writes `Depends on` lines, which read back as the plan", async () => {
    const github = startGitHub({ baseUrl: GHES_API });
    const result = await importInto(github, GHES_HOME, undefined, GHES_API);
    expect(result).toMatchObject({ via: "task_list", dependenciesAdded: 0, dependenciesOnGitHub: false });
    const [a, b, c, d] = result.issues.map((i) => i.number);
    expect(github.issues.get(BRIEF)!.body).toBe(`We add sessions.\n\n- [ ] #${a}\n- [ ] #${b}\n- [ ] #${c}\n- [ ] #${d}\n`);
    expect(github.issues.get(d!)!.body).toContain(`Depends on #${b}, #${c}`);
    expect(await readBack(github, GHES_HOME, GHES_API)).toEqual(EXPECTED_PLAN);

    const before = writes(github).length;
    await importInto(github, GHES_HOME, undefined, GHES_API);
    expect(writes(github).slice(before)).toEqual([]);
  });

  it("3.19: lists the tasks in the brief and adds issue dependencies too", async () => {
    const github = startGitHub({ baseUrl: GHES_API, blockedBy: {} });
    const result = await importInto(github, GHES_HOME, undefined, GHES_API);
    expect(result).toMatchObject({ via: "task_list", dependenciesAdded: 4, dependenciesOnGitHub: true });
    expect(await readBack(github, GHES_HOME, GHES_API)).toEqual(EXPECTED_PLAN);
    const before = writes(github).length;
    await importInto(github, GHES_HOME, undefined, GHES_API);
    expect(writes(github).slice(before)).toEqual([]);
  });
});
