import type { PlanTask } from "../plan/plan-graph.js";

/**
 * A Task Master tasks file (`.taskmaster/tasks/tasks.json`) as a plan: the tasks still to
 * do, each with the tasks it waits on, parsed once at the edge. Each top-level task becomes
 * one issue; its subtasks become that checklist.
 */

export interface TaskMasterSubtask {
  /** Dotted, as Task Master writes references to it: "3.2". */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Done or cancelled in the file: shown checked. */
  readonly done: boolean;
}

export interface TaskMasterTask {
  /** The task's id as text: "3" for `3` and `"3"`, "HAM-1" for API storage ids. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly details: string;
  readonly testStrategy: string;
  readonly acceptanceCriteria: readonly string[];
  readonly priority: string | null;
  readonly status: string;
  /**
   * Ids of the tasks this one waits on, its subtasks' dependencies included, each once,
   * in the file's order. A dependency on a skipped task is met and left out; one that
   * names nothing in the file is kept as written ("9", "4.7"), for the plan's validation
   * to report.
   */
  readonly dependsOn: readonly string[];
  readonly subtasks: readonly TaskMasterSubtask[];
}

export interface TaskMasterPlan {
  /** The tag the tasks came from; "master" for a file without tags. */
  readonly tag: string;
  readonly layout: "legacy" | "tagged";
  /** The tasks to deliver, in the file's order. */
  readonly tasks: readonly TaskMasterTask[];
  /** Tasks left out because they are done or cancelled. */
  readonly skipped: readonly { readonly id: string; readonly status: string }[];
}

/** Something wrong with the file, and where: the path of the value, and its line and column when known. */
export interface TaskFileProblem {
  readonly message: string;
  /** e.g. `master.tasks[2].dependencies[0]`; null for the file as a whole. */
  readonly path: string | null;
  readonly line: number | null;
  readonly column: number | null;
}

export type TaskFileParse = { readonly ok: true; readonly plan: TaskMasterPlan } | { readonly ok: false; readonly problems: readonly TaskFileProblem[] };

/** "tasks.json, line 3, column 5 (`master.tasks[0].id`): …" */
export function renderTaskFileProblem(problem: TaskFileProblem, fileName: string): string {
  const where = problem.line === null ? fileName : `${fileName}, line ${problem.line}, column ${problem.column}`;
  const path = problem.path === null || problem.path === "" ? "" : ` (\`${problem.path}\`)`;
  return `${where}${path}: ${problem.message}`;
}

/** The imported tasks as the plan's graph sees them. */
export function buildPlanTasks(plan: TaskMasterPlan): PlanTask[] {
  return plan.tasks.map((task) => ({ id: task.id, blockedBy: task.dependsOn }));
}

/** How a person knows an imported task: "task 3", "task 3.2". */
export function renderTaskMasterName(id: string): string {
  return `task ${id}`;
}
