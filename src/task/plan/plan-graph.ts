/**
 * A brief's tasks and what each is blocked by, checked once before anything starts: a
 * plan that cannot finish (a cycle), names something it does not have, or is too big to
 * follow is refused with every problem named.
 */

/** A task of the plan: its id ("#12" for an issue, "3" for an imported task) and the ids it waits on. */
export interface PlanTask {
  readonly id: string;
  readonly blockedBy: readonly string[];
}

export interface PlanGraph {
  /** Every task after all the tasks it is blocked by; among tasks free to go either way, the input order. */
  readonly order: readonly string[];
  readonly blockedBy: ReadonlyMap<string, readonly string[]>;
  /** The other direction: the tasks that wait on each task. */
  readonly blocks: ReadonlyMap<string, readonly string[]>;
}

export type PlanProblem =
  | { readonly kind: "too_many_tasks"; readonly count: number; readonly max: number }
  | { readonly kind: "duplicate_task"; readonly task: string }
  | { readonly kind: "missing_dependency"; readonly task: string; readonly dependency: string }
  /** A task the brief lists that cannot be read: it does not exist, is not an issue, or the app may not see it. */
  | { readonly kind: "unreachable_task"; readonly task: string }
  /** Each member waits on the next, and the last on the first; a task that waits on itself is a cycle of one. */
  | { readonly kind: "cycle"; readonly members: readonly string[] };

export type PlanValidation = { readonly ok: true; readonly graph: PlanGraph } | { readonly ok: false; readonly problems: readonly PlanProblem[] };

/** A brief bigger than this is hard to review as one plan, and its table would not fit a comment. */
export const MAX_PLAN_TASKS = 50;

/** Checks the tasks and orders them; every problem is reported together. */
export function validatePlanGraph(tasks: readonly PlanTask[], options: { maxTasks?: number } = {}): PlanValidation {
  const max = options.maxTasks ?? MAX_PLAN_TASKS;
  const problems: PlanProblem[] = [];
  if (tasks.length > max) problems.push({ kind: "too_many_tasks", count: tasks.length, max });

  const blockedBy = new Map<string, string[]>();
  for (const task of tasks) {
    if (blockedBy.has(task.id)) {
      problems.push({ kind: "duplicate_task", task: task.id });
      continue;
    }
    blockedBy.set(task.id, [...new Set(task.blockedBy)]);
  }
  for (const [id, dependencies] of blockedBy) {
    for (const dependency of dependencies) {
      if (!blockedBy.has(dependency)) problems.push({ kind: "missing_dependency", task: id, dependency });
    }
  }
  // Edges to missing tasks are already reported; the rest must not go round in a circle.
  const known = new Map([...blockedBy].map(([id, dependencies]) => [id, dependencies.filter((d) => blockedBy.has(d))]));
  for (const members of findCycles(known)) problems.push({ kind: "cycle", members });
  if (problems.length > 0) return { ok: false, problems };

  const blocks = new Map<string, string[]>([...known.keys()].map((id) => [id, []]));
  for (const [id, dependencies] of known) for (const dependency of dependencies) blocks.get(dependency)?.push(id);
  return { ok: true, graph: { order: orderTasks(known), blockedBy: known, blocks } };
}

/**
 * The cycles a depth-first walk meets, each once, starting from its member that comes
 * first in the input. Iterative, so a huge input cannot overflow the stack.
 */
function findCycles(blockedBy: ReadonlyMap<string, readonly string[]>): string[][] {
  const rank = new Map([...blockedBy.keys()].map((id, index) => [id, index]));
  const state = new Map<string, "open" | "closed">();
  const cycles = new Map<string, string[]>();
  for (const root of blockedBy.keys()) {
    if (state.has(root)) continue;
    const path: string[] = [root];
    const next: number[] = [0];
    state.set(root, "open");
    while (path.length > 0) {
      const top = path.length - 1;
      const id = path[top] as string;
      const dependencies = blockedBy.get(id) ?? [];
      const index = next[top] as number;
      if (index >= dependencies.length) {
        state.set(id, "closed");
        path.pop();
        next.pop();
        continue;
      }
      next[top] = index + 1;
      const dependency = dependencies[index] as string;
      const seen = state.get(dependency);
      if (seen === "open") {
        const members = path.slice(path.indexOf(dependency));
        const rotated = rotateToFirst(members, rank);
        cycles.set(rotated.join("\u0000"), rotated);
      } else if (seen === undefined) {
        state.set(dependency, "open");
        path.push(dependency);
        next.push(0);
      }
    }
  }
  return [...cycles.values()];
}

function rotateToFirst(members: readonly string[], rank: ReadonlyMap<string, number>): string[] {
  let start = 0;
  members.forEach((id, index) => {
    if ((rank.get(id) ?? 0) < (rank.get(members[start] as string) ?? 0)) start = index;
  });
  return [...members.slice(start), ...members.slice(0, start)];
}

/** Kahn's order, taking the earliest task in the input among those free to go. */
function orderTasks(blockedBy: ReadonlyMap<string, readonly string[]>): string[] {
  const remaining = [...blockedBy.keys()];
  const placed = new Set<string>();
  const order: string[] = [];
  while (remaining.length > 0) {
    const index = remaining.findIndex((id) => (blockedBy.get(id) ?? []).every((d) => placed.has(d)));
    const [id] = remaining.splice(index, 1) as [string];
    placed.add(id);
    order.push(id);
  }
  return order;
}

/** A sentence for a person; `name` turns an id into how the reader knows the task ("#12", "task 3"). */
export function renderPlanProblem(problem: PlanProblem, name: (id: string) => string = (id) => id): string {
  switch (problem.kind) {
    case "too_many_tasks":
      return `the plan has ${problem.count} tasks; at most ${problem.max} are delivered together, so split it into smaller briefs`;
    case "duplicate_task":
      return `${name(problem.task)} is listed more than once`;
    case "missing_dependency":
      return `${name(problem.task)} depends on ${name(problem.dependency)}, which is not a task of this plan`;
    case "unreachable_task":
      return `${name(problem.task)} is listed as a task, but it does not exist, is not an issue, or the app cannot read it`;
    case "cycle": {
      const [first] = problem.members;
      if (problem.members.length === 1 && first !== undefined) return `${name(first)} depends on itself`;
      const chain = [...problem.members, first as string].map(name).join(" → ");
      return `a dependency cycle, where each task waits on the next: ${chain}`;
    }
  }
}
