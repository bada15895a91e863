import type { PlanGraph } from "./plan-graph.js";

/**
 * Where a task of a brief stands: not started, being worked on, delivered (its pull request
 * waits for review and merge), or over one way or another. Only a merged pull request (or
 * the issue closed as completed) makes a task done.
 */
export const PLAN_TASK_STATES = ["pending", "running", "delivered", "done", "failed", "cancelled"] as const;
export type PlanTaskState = (typeof PLAN_TASK_STATES)[number];

/** Tasks of one brief delivered at once unless the brief says otherwise. */
export const DEFAULT_PARALLEL = 2;

export interface PlanSchedule {
  /** Tasks to start now, in plan order: every task they wait on is done, and a slot is free. */
  readonly start: readonly string[];
  /** Tasks free to start that wait for a slot, in plan order. */
  readonly ready: readonly string[];
  readonly running: readonly string[];
  /**
   * With `stack`, the tasks of `start` and `ready` that start on top of a blocker's branch
   * before it is merged: each to the one blocker that is delivered and not done yet.
   */
  readonly stackedOn: ReadonlyMap<string, string>;
  /** Pending tasks and the tasks, not done yet, they wait on directly. */
  readonly waiting: readonly { readonly task: string; readonly on: readonly string[] }[];
  /** Pending tasks that will not start, and the failed or cancelled tasks (theirs or further up) that stop them. */
  readonly stopped: readonly { readonly task: string; readonly by: readonly string[] }[];
  /** Nothing runs, nothing waits for a merge, and nothing can start: the brief is over, whatever became of each task. */
  readonly finished: boolean;
}

/**
 * Which tasks may start now. A task starts when every task it is blocked by is done, at
 * most `parallel` at once, in plan order. A failed or cancelled task stops the tasks that
 * depend on it, directly or through others, and no other task. A delivered task holds no
 * slot. With `stack`, a task whose only blocker not done yet is delivered starts on top of
 * that blocker's branch; one that waits on two unmerged blockers waits for all but one.
 * `canStack` says whether a task may start on a blocker's branch at all (not when their code
 * is in different repositories): when not, it waits for the merge.
 * Tasks missing from `states` are pending. Pure: call it again after every change.
 */
export function schedulePlan(
  graph: PlanGraph,
  states: ReadonlyMap<string, PlanTaskState>,
  options: { parallel?: number; stack?: boolean; canStack?: (task: string, blocker: string) => boolean } = {},
): PlanSchedule {
  const parallel = options.parallel ?? DEFAULT_PARALLEL;
  if (!Number.isInteger(parallel) || parallel < 1) throw new RangeError(`parallel must be a whole number of at least 1, got ${parallel}`);
  const stateOf = (id: string): PlanTaskState => states.get(id) ?? "pending";

  const running: string[] = [];
  const free: string[] = [];
  const stackedOn = new Map<string, string>();
  let delivered = 0;
  const waiting: { task: string; on: string[] }[] = [];
  const stopped: { task: string; by: string[] }[] = [];
  // What stops each pending task, filled in plan order so a task's blockers are known first.
  const stoppedBy = new Map<string, readonly string[]>();

  for (const id of graph.order) {
    const state = stateOf(id);
    if (state === "running") running.push(id);
    if (state === "delivered") delivered++;
    if (state !== "pending") continue;
    const open = (graph.blockedBy.get(id) ?? []).filter((d) => stateOf(d) !== "done");
    const by = new Set<string>();
    for (const dependency of open) {
      const dependencyState = stateOf(dependency);
      if (dependencyState === "failed" || dependencyState === "cancelled") by.add(dependency);
      else for (const cause of stoppedBy.get(dependency) ?? []) by.add(cause);
    }
    if (by.size > 0) {
      const causes = [...by];
      stoppedBy.set(id, causes);
      stopped.push({ task: id, by: causes });
    } else if (open.length === 0) {
      free.push(id);
    } else if (options.stack === true && open.length === 1 && stateOf(open[0] as string) === "delivered" && (options.canStack?.(id, open[0] as string) ?? true)) {
      free.push(id);
      stackedOn.set(id, open[0] as string);
    } else {
      waiting.push({ task: id, on: open });
    }
  }

  const slots = Math.max(0, parallel - running.length);
  const start = free.slice(0, slots);
  return {
    start,
    ready: free.slice(slots),
    running,
    stackedOn,
    waiting,
    stopped,
    finished: running.length === 0 && free.length === 0 && delivered === 0,
  };
}
