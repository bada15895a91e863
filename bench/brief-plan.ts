import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { GitHubClient } from "../src/github/client.js";
import { getBriefTasks } from "../src/github/brief-issues.js";
import { buildBriefPlan, type BriefIssue, type BriefRead } from "../src/task/plan/brief-plan.js";
import { MAX_PLAN_TASKS, validatePlanGraph } from "../src/task/plan/plan-graph.js";
import { schedulePlan } from "../src/task/plan/schedule-plan.js";
import { BenchOctokit } from "./lib/app-harness.js";
import type { BenchmarkFigure } from "./lib/figure.js";
import { closeServer, listenOnLoopback } from "./lib/http.js";

/**
 * Planning a brief of 50 tasks (`/deliver all`): reading its tasks and their dependencies
 * from GitHub, checking the graph and deciding what starts, against a GitHub lookalike on
 * 127.0.0.1 that answers every call after `latencyMs`. Each task but the first waits on the
 * one before it and on the one five before, so every task but the first has blockers.
 *
 * Ours: `getBriefTasks` (sub-issues in one call, then "blocked by" only where GitHub's
 * summary counts blockers, a few calls in flight), then `buildBriefPlan` and `schedulePlan`;
 * once on a GitHub with sub-issues, once on one without (GitHub Enterprise Server 3.19: the
 * brief's task list, each task read, the order from `Depends on` lines). Baseline: the
 * straightforward reading, one call at a time: the sub-issues, then each task's issue and
 * its "blocked by" list.
 */

export interface BriefPlanOptions {
  readonly tasks?: number;
  readonly latencyMs?: number;
}

export interface PlanMeasure {
  readonly durationMs: number;
  readonly calls: number;
  readonly callsPerTask: number;
  /** Whether the plan was accepted, and the one task it starts first. */
  readonly ok: boolean;
  readonly start: readonly string[];
}

export interface BriefPlanResult {
  readonly config: { readonly tasks: number; readonly latencyMs: number };
  readonly subIssues: PlanMeasure;
  readonly taskList: PlanMeasure;
  readonly baseline: PlanMeasure;
  /** Checking and scheduling alone, without GitHub: the median of 20, in ms. */
  readonly pureMs: number;
}

export const PLAN_TIME_GOAL_MS = 1000;
export const CALLS_PER_TASK_GOAL = 2;

const OWNER = "acme";
const REPO = "widgets";
const BRIEF = 10;
const FIRST_TASK = 101;

/** Task i (from 0) waits on i-1 and i-5. */
function blockersOf(index: number): number[] {
  return [index - 1, index - 5].filter((i) => i >= 0).map((i) => FIRST_TASK + i);
}

interface LookalikeOptions {
  readonly tasks: number;
  readonly latencyMs: number;
  /** false: no sub-issue or dependency endpoints (404), as on GitHub Enterprise Server up to 3.18. */
  readonly subIssues: boolean;
}

async function startLookalike(options: LookalikeOptions) {
  let calls = 0;
  const numbers = Array.from({ length: options.tasks }, (_, i) => FIRST_TASK + i);
  const issueJson = (number: number) => {
    const index = number - FIRST_TASK;
    const blockers = index >= 0 && index < options.tasks ? blockersOf(index) : [];
    const body =
      number === BRIEF
        ? numbers.map((n) => `- [ ] #${n}`).join("\n")
        : `Task ${number}.${options.subIssues || blockers.length === 0 ? "" : `\n\nDepends on ${blockers.map((n) => `#${n}`).join(", ")}`}`;
    return {
      id: 1_000_000 + number,
      number,
      title: `Task ${number}`,
      body,
      state: "open",
      state_reason: null,
      html_url: `https://github.example/${OWNER}/${REPO}/issues/${number}`,
      repository_url: `https://github.example/api/v3/repos/${OWNER}/${REPO}`,
      user: { login: "alice" },
      ...(options.subIssues ? { issue_dependencies_summary: { blocked_by: blockers.length, blocking: 0, total_blocked_by: blockers.length, total_blocking: 0 } } : {}),
    };
  };
  const route = (path: string): [number, unknown] => {
    const subIssues = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/sub_issues$/.exec(path);
    if (subIssues) return options.subIssues ? [200, Number(subIssues[1]) === BRIEF ? numbers.map(issueJson) : []] : [404, { message: "Not Found" }];
    const blockedBy = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/dependencies\/blocked_by$/.exec(path);
    if (blockedBy) return options.subIssues ? [200, blockersOf(Number(blockedBy[1]) - FIRST_TASK).map(issueJson)] : [404, { message: "Not Found" }];
    const issue = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)$/.exec(path);
    if (issue) return [200, issueJson(Number(issue[1]))];
    return [404, { message: "Not Found" }];
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    calls++;
    const [status, body] = route((req.url ?? "").split("?")[0] ?? "");
    setTimeout(() => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    }, options.latencyMs);
  });
  const port = await listenOnLoopback(server);
  return {
    octokit: new BenchOctokit({ auth: "bench-token", baseUrl: `http://127.0.0.1:${port}` }) as unknown as GitHubClient,
    calls: () => calls,
    close: () => closeServer(server),
  };
}

const HOME = { owner: OWNER, repo: REPO, htmlUrl: `https://github.example/${OWNER}/${REPO}` };

async function measure(options: LookalikeOptions, read: (octokit: GitHubClient) => Promise<BriefRead>): Promise<PlanMeasure> {
  const lookalike = await startLookalike(options);
  try {
    const started = performance.now();
    const plan = buildBriefPlan(await read(lookalike.octokit), HOME);
    const start = plan.ok ? schedulePlan(plan.graph, plan.states).start : [];
    const durationMs = round(performance.now() - started, 1);
    return { durationMs, calls: lookalike.calls(), callsPerTask: round(lookalike.calls() / options.tasks, 2), ok: plan.ok, start };
  } finally {
    await lookalike.close();
  }
}

/** The baseline's reading: every call in turn, every task's issue and "blocked by" list. */
async function readOneCallAtATime(octokit: GitHubClient): Promise<BriefRead> {
  const { data } = await octokit.rest.issues.listSubIssues({ owner: OWNER, repo: REPO, issue_number: BRIEF, per_page: 100 });
  const tasks: BriefIssue[] = [];
  for (const listed of data) {
    const { data: issue } = await octokit.rest.issues.get({ owner: OWNER, repo: REPO, issue_number: listed.number });
    const { data: blockers } = await octokit.rest.issues.listDependenciesBlockedBy({ owner: OWNER, repo: REPO, issue_number: listed.number, per_page: 100 });
    tasks.push({
      ref: { owner: OWNER, repo: REPO, number: issue.number },
      id: issue.id,
      title: issue.title,
      body: issue.body ?? null,
      htmlUrl: issue.html_url,
      author: issue.user?.login ?? "ghost",
      state: issue.state === "closed" ? "closed" : "open",
      stateReason: issue.state_reason ?? null,
      blockedBy: blockers.map((b) => ({ ref: { owner: OWNER, repo: REPO, number: b.number }, state: b.state === "closed" ? "closed" : "open", stateReason: b.state_reason ?? null })),
    });
  }
  return { source: "sub_issues", subIssuesAvailable: true, tasks, unreachable: [], complete: true };
}

/** Checking and scheduling 50 tasks, no GitHub: the median of `rounds`. */
function measurePure(tasks: number, rounds = 20): number {
  const planTasks = Array.from({ length: tasks }, (_, i) => ({ id: `#${FIRST_TASK + i}`, blockedBy: blockersOf(i).map((n) => `#${n}`) }));
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    const validation = validatePlanGraph(planTasks);
    if (validation.ok) schedulePlan(validation.graph, new Map());
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return round(times[Math.floor(times.length / 2)] ?? 0, 2);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export async function runBriefPlanBenchmark(options: BriefPlanOptions = {}): Promise<BriefPlanResult> {
  const tasks = options.tasks ?? MAX_PLAN_TASKS;
  const latencyMs = options.latencyMs ?? 50;
  const brief = { number: BRIEF, body: Array.from({ length: tasks }, (_, i) => `- [ ] #${FIRST_TASK + i}`).join("\n") };
  const subIssues = await measure({ tasks, latencyMs, subIssues: true }, (octokit) => getBriefTasks(octokit, HOME, brief));
  const taskList = await measure({ tasks, latencyMs, subIssues: false }, (octokit) => getBriefTasks(octokit, HOME, brief));
  const baseline = await measure({ tasks, latencyMs, subIssues: true }, readOneCallAtATime);
  return { config: { tasks, latencyMs }, subIssues, taskList, baseline, pureMs: measurePure(tasks) };
}

export function briefPlanFigures(result: BriefPlanResult): BenchmarkFigure[] {
  const { subIssues, taskList, baseline } = result;
  const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
  return [
    {
      figure: `time to plan ${result.config.tasks} tasks, sub-issues (ms)`,
      ours: subIssues.durationMs,
      baseline: baseline.durationMs,
      ratio: ratio(subIssues.durationMs, baseline.durationMs),
      goal: `≤ ${PLAN_TIME_GOAL_MS} ms`,
      pass: subIssues.ok && subIssues.durationMs <= PLAN_TIME_GOAL_MS,
      unit: "count",
    },
    {
      figure: "GitHub calls per task, sub-issues",
      ours: subIssues.callsPerTask,
      baseline: baseline.callsPerTask,
      ratio: ratio(subIssues.calls, baseline.calls),
      goal: `≤ ${CALLS_PER_TASK_GOAL}`,
      pass: subIssues.callsPerTask <= CALLS_PER_TASK_GOAL,
      unit: "count",
    },
    {
      figure: `time to plan ${result.config.tasks} tasks, task list without sub-issues (ms)`,
      ours: taskList.durationMs,
      baseline: baseline.durationMs,
      ratio: ratio(taskList.durationMs, baseline.durationMs),
      goal: `≤ ${PLAN_TIME_GOAL_MS} ms`,
      pass: taskList.ok && taskList.durationMs <= PLAN_TIME_GOAL_MS,
      unit: "count",
    },
    {
      figure: "GitHub calls per task, task list without sub-issues",
      ours: taskList.callsPerTask,
      baseline: baseline.callsPerTask,
      ratio: ratio(taskList.calls, baseline.calls),
      goal: `≤ ${CALLS_PER_TASK_GOAL}`,
      pass: taskList.callsPerTask <= CALLS_PER_TASK_GOAL,
      unit: "count",
    },
    {
      figure: "checking and scheduling alone, no GitHub (ms, median)",
      ours: result.pureMs,
      baseline: result.pureMs,
      ratio: null,
      goal: "—",
      pass: null,
      unit: "count",
    },
  ];
}
