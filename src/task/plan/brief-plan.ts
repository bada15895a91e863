import { parseDependsOnReferences, renderIssueRef, type HomeRepository, type IssueRef } from "./issue-references.js";
import { validatePlanGraph, type PlanGraph, type PlanProblem, type PlanTask } from "./plan-graph.js";
import type { PlanTaskState } from "./schedule-plan.js";

/**
 * A brief as read from GitHub, and the plan made of it. A brief is an issue whose tasks
 * are its sub-issues, ordered by GitHub's issue dependencies ("blocked by"); where GitHub
 * has neither (GitHub Enterprise Server up to 3.19 has no sub-issues), its tasks are the
 * issues of its task list and their order the `Depends on #N` lines in their bodies.
 */

export interface IssueStatus {
  readonly state: "open" | "closed";
  /** GitHub's reason for the state: "completed", "not_planned", "duplicate", "reopened", or null. */
  readonly stateReason: string | null;
}

export interface BriefBlocker extends IssueStatus {
  readonly ref: IssueRef;
}

export interface BriefIssue extends IssueStatus {
  readonly ref: IssueRef;
  /** GitHub's id of the issue (not its number), which the sub-issue and dependency endpoints take. */
  readonly id: number;
  readonly title: string;
  readonly body: string | null;
  readonly htmlUrl: string;
  /** Who opened the issue: their comments on it are the task's, as on any task. */
  readonly author: string;
  /** GitHub's "blocked by" list; null where it could not be read (no such endpoint), so the body's lines count. */
  readonly blockedBy: readonly BriefBlocker[] | null;
}

export type BriefSource = "sub_issues" | "task_list";

export interface BriefRead {
  readonly source: BriefSource;
  /** Whether GitHub has sub-issues at all: a brief on github.com without any reads from its task list too. */
  readonly subIssuesAvailable: boolean;
  /** The tasks in the brief's order. */
  readonly tasks: readonly BriefIssue[];
  /** Issues the task list names that could not be read. */
  readonly unreachable: readonly IssueRef[];
  /** False when reading stopped early because the brief has more tasks than a plan may; dependencies were not read. */
  readonly complete: boolean;
}

export type BriefPlan =
  | {
      readonly ok: true;
      readonly graph: PlanGraph;
      /** Each task by its plan id ("#12"). */
      readonly tasks: ReadonlyMap<string, BriefIssue>;
      /** What GitHub says of each task before any run: done when closed as completed, cancelled when closed otherwise. */
      readonly states: ReadonlyMap<string, PlanTaskState>;
    }
  | { readonly ok: false; readonly problems: readonly PlanProblem[] };

/** Checks the brief and orders its tasks; problems name tasks by their plan ids. */
export function buildBriefPlan(read: BriefRead, home: HomeRepository): BriefPlan {
  const idOf = (ref: IssueRef) => renderIssueRef(ref, home);
  const ids = new Set(read.tasks.map((task) => idOf(task.ref)));
  const planTasks: PlanTask[] = read.tasks.map((task) => ({ id: idOf(task.ref), blockedBy: findBlockers(task, read.source, home, ids) }));
  const validation = validatePlanGraph(planTasks);
  const unreachable: PlanProblem[] = read.unreachable.map((ref) => ({ kind: "unreachable_task", task: idOf(ref) }));
  if (!validation.ok || unreachable.length > 0) return { ok: false, problems: [...unreachable, ...(validation.ok ? [] : validation.problems)] };
  return {
    ok: true,
    graph: validation.graph,
    tasks: new Map(read.tasks.map((task) => [idOf(task.ref), task])),
    states: new Map(read.tasks.map((task) => [idOf(task.ref), findIssueTaskState(task)])),
  };
}

/** An open issue is still to do; a closed one is done when completed, and otherwise cancelled. */
export function findIssueTaskState(issue: IssueStatus): PlanTaskState {
  if (issue.state === "open") return "pending";
  return issue.stateReason === "completed" || issue.stateReason === null ? "done" : "cancelled";
}

/**
 * The plan ids a task waits on. GitHub's dependencies come first; the body's `Depends on`
 * lines count in a task-list brief, or where GitHub's could not be read. A blocker outside
 * the brief that is closed as completed is met; an open one stays, to be reported.
 */
function findBlockers(task: BriefIssue, source: BriefSource, home: HomeRepository, ids: ReadonlySet<string>): string[] {
  const blockers: string[] = [];
  for (const blocker of task.blockedBy ?? []) {
    const id = renderIssueRef(blocker.ref, home);
    if (ids.has(id) || findIssueTaskState(blocker) !== "done") blockers.push(id);
  }
  if (source === "task_list" || task.blockedBy === null) {
    for (const ref of parseDependsOnReferences(task.body, home)) blockers.push(renderIssueRef(ref, home));
  }
  return [...new Set(blockers)];
}
