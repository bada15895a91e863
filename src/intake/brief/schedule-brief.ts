import type { Brief, BriefTask } from "../../store/brief-store.js";
import { validatePlanGraph, type PlanGraph } from "../../task/plan/plan-graph.js";
import { schedulePlan, type PlanSchedule } from "../../task/plan/schedule-plan.js";
import { findTaskCodeRepo } from "./task-request.js";

/**
 * The scheduling step, pure: what waits on what, which tasks may start now, and where a
 * stacked pull request should point. Computed from the stored rows each time, never stored.
 */

/** What waits on what, from the stored tasks. */
export function buildPlanGraph(tasks: readonly BriefTask[]): PlanGraph {
  // Checked when the brief was recorded; the rows do not change what waits on what.
  const validation = validatePlanGraph(tasks.map((task) => ({ id: task.taskId, blockedBy: task.blockedBy })));
  if (!validation.ok) throw new Error(`The stored plan of brief ${tasks[0]?.briefId ?? "?"} is not valid`);
  return validation.graph;
}

/** Which of the brief's tasks start now, which are stacked on which, whether the brief is over. */
export function scheduleBrief(brief: Brief, tasks: readonly BriefTask[]): PlanSchedule {
  const codeRepoOf = new Map(tasks.map((task) => [task.taskId, findTaskCodeRepo(brief, task).id]));
  // A branch is stacked on within its own repository only.
  const canStack = (task: string, blocker: string) => codeRepoOf.get(task) === codeRepoOf.get(blocker);
  return schedulePlan(buildPlanGraph(tasks), new Map(tasks.map((task) => [task.taskId, task.state])), { parallel: brief.parallel, stack: brief.stack, canStack });
}

/**
 * The branch a delivered pull request now on `baseBranch` should target: past every merged
 * (done) blocker down the chain, what the last of them targeted; `baseBranch` itself when
 * its blocker is not merged. Bounded by the number of tasks, so a bad row cannot loop.
 */
export function findRetargetBase(baseBranch: string, tasks: readonly BriefTask[]): string {
  const byBranch = new Map(tasks.flatMap((task) => (task.workBranch ? [[task.workBranch, task] as const] : [])));
  let base = baseBranch;
  for (let hops = 0; hops < tasks.length; hops++) {
    const blocker = byBranch.get(base);
    if (!blocker || blocker.state !== "done" || blocker.baseBranch === null) break;
    base = blocker.baseBranch;
  }
  return base;
}
