import { findTextPosition, renderJsonPath, scanJson, type JsonPath } from "./locate-json.js";
import { TaskListSchema, type RawSubtask, type RawTask } from "./taskmaster-schema.js";
import type { TaskFileParse, TaskFileProblem, TaskMasterPlan, TaskMasterSubtask, TaskMasterTask } from "./taskmaster-plan.js";

/** The tag Task Master puts tasks in unless told otherwise, and the one a file without tags stands for. */
export const DEFAULT_TAG = "master";
/** A task file bigger than this is refused before parsing; Task Master's own, with hundreds of tasks, is far smaller. */
export const MAX_TASK_FILE_CHARS = 5_000_000;

// Statuses of work that needs no delivery. "completed" is what Task Master's API storage calls done.
const FINISHED_STATUSES: ReadonlySet<string> = new Set(["done", "completed", "cancelled"]);

const LAYOUTS = '{"tasks": […]} or, with tags, {"master": {"tasks": […]}}';

export interface TaskFileOptions {
  /** Which tag of a tagged file to read; default "master". */
  readonly tag?: string;
}

/**
 * Parses a Task Master tasks file into a plan: the legacy layout (`{"tasks": […]}`) or the
 * tagged one (`{"master": {"tasks": […]}, "feature-x": {…}}`), numeric and string ids,
 * subtasks and dotted dependencies ("3.2"). Tasks that are done or cancelled are left out.
 * Every problem found is returned together, each with where it is in the file.
 */
export function parseTaskMasterFile(text: string, options: TaskFileOptions = {}): TaskFileParse {
  if (text.length > MAX_TASK_FILE_CHARS) {
    return fail([{ message: `the file is ${text.length.toLocaleString("en-US")} characters long; at most ${MAX_TASK_FILE_CHARS.toLocaleString("en-US")} are read`, path: null, line: null, column: null }]);
  }
  // An editor's byte-order mark is not JSON, but it is not the author's mistake either.
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const scan = scanJson(source);
  if (!scan.ok) {
    const { line, column } = findTextPosition(source, scan.offset);
    return fail([{ message: `not valid JSON: ${scan.message}`, path: null, line, column }]);
  }
  const locate = (path: JsonPath): { line: number | null; column: number | null } => {
    // A missing field has no position of its own: point at the object that lacks it.
    for (let length = path.length; length >= 0; length--) {
      const offset = scan.offsets.get(renderJsonPath(path.slice(0, length)));
      if (offset !== undefined) return findTextPosition(source, offset);
    }
    return { line: null, column: null };
  };
  const problemAt = (path: JsonPath, message: string): TaskFileProblem => ({ message, path: renderJsonPath(path), ...locate(path) });

  const root: unknown = JSON.parse(source);
  const selected = selectTaskList(root, options.tag);
  if (!selected.ok) return fail([{ message: selected.message, path: null, line: 1, column: 1 }]);

  const parsed = TaskListSchema.safeParse(selected.value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      problemAt([...selected.path, ...issue.path.filter((part): part is string | number => typeof part !== "symbol")], issue.message),
    );
    return fail(problems);
  }

  const tasks = parsed.data.tasks;
  const duplicates = findDuplicateIds(tasks, selected.path);
  if (duplicates.length > 0) return fail(duplicates.map((d) => problemAt(d.path, d.message)));
  return { ok: true, plan: buildPlan(tasks, selected.tag, selected.layout) };
}

type Selection =
  | { ok: true; value: unknown; path: JsonPath; tag: string; layout: TaskMasterPlan["layout"] }
  | { ok: false; message: string };

/** Finds the task list of the chosen tag, in either layout. */
function selectTaskList(root: unknown, tag: string | undefined): Selection {
  if (!isObject(root)) return { ok: false, message: `the file must be a JSON object, ${LAYOUTS}; found ${describeJson(root)}` };
  if ("tasks" in root) {
    if (tag !== undefined && tag !== DEFAULT_TAG) {
      return { ok: false, message: `the file has no tags (it is {"tasks": […]}), so it has no tag "${tag}"; import it without a tag` };
    }
    return { ok: true, value: root, path: [], tag: DEFAULT_TAG, layout: "legacy" };
  }
  const wanted = tag ?? DEFAULT_TAG;
  if (Object.hasOwn(root, wanted)) return { ok: true, value: root[wanted], path: [wanted], tag: wanted, layout: "tagged" };
  const tags = Object.keys(root).filter((key) => isObject(root[key]) && "tasks" in (root[key] as object));
  if (tags.length === 0) return { ok: false, message: `the file has no "tasks" list and no tag holding one; expected ${LAYOUTS}` };
  return { ok: false, message: `the file has no tag "${wanted}"; its tags are ${tags.map((t) => `"${t}"`).join(", ")}` };
}

function findDuplicateIds(tasks: readonly RawTask[], base: JsonPath): { path: JsonPath; message: string }[] {
  const problems: { path: JsonPath; message: string }[] = [];
  const seen = new Map<string, number>();
  tasks.forEach((task, index) => {
    const key = String(task.id);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else problems.push({ path: [...base, "tasks", index, "id"], message: `task id ${key} is used twice (first at ${renderJsonPath([...base, "tasks", first])})` });
    const subtaskIds = new Map<string, number>();
    (task.subtasks ?? []).forEach((subtask, subIndex) => {
      const subKey = String(subtask.id);
      const firstSub = subtaskIds.get(subKey);
      if (firstSub === undefined) subtaskIds.set(subKey, subIndex);
      else {
        const path = [...base, "tasks", index, "subtasks", subIndex, "id"];
        problems.push({ path, message: `subtask id ${key}.${subKey} is used twice (first at ${renderJsonPath([...base, "tasks", index, "subtasks", firstSub])})` });
      }
    });
  });
  return problems;
}

function buildPlan(tasks: readonly RawTask[], tag: string, layout: TaskMasterPlan["layout"]): TaskMasterPlan {
  const byId = new Map(tasks.map((task) => [String(task.id), task]));
  const kept: TaskMasterTask[] = [];
  const skipped: { id: string; status: string }[] = [];
  for (const task of tasks) {
    const status = normalizeStatus(task.status);
    if (FINISHED_STATUSES.has(status)) skipped.push({ id: String(task.id), status });
    else kept.push(buildTask(task, status, byId));
  }
  return { tag, layout, tasks: kept, skipped };
}

function buildTask(task: RawTask, status: string, byId: ReadonlyMap<string, RawTask>): TaskMasterTask {
  const id = String(task.id);
  const subtasks = task.subtasks ?? [];
  // A task that names itself is kept, for the plan's validation to report as a cycle.
  const dependsOn = new Set<string>();
  for (const reference of task.dependencies ?? []) {
    const target = resolveReference(String(reference), task, "task", byId);
    if (target !== null) dependsOn.add(target);
  }
  for (const subtask of subtasks) {
    for (const reference of subtask.dependencies ?? []) {
      const target = resolveReference(String(reference), task, "subtask", byId);
      if (target !== null) dependsOn.add(target);
    }
  }
  return {
    id,
    title: task.title,
    description: task.description ?? "",
    details: task.details ?? "",
    testStrategy: task.testStrategy ?? "",
    acceptanceCriteria: splitCriteria(task.acceptanceCriteria),
    priority: task.priority ?? null,
    status,
    dependsOn: [...dependsOn],
    subtasks: subtasks.filter((s) => normalizeStatus(s.status) !== "cancelled").map((s) => buildSubtask(id, s)),
  };
}

/**
 * The task a reference makes `owner` wait on: its id, null when there is nothing to wait
 * on (one of the owner's own subtasks, the owner named by one of its subtasks, something
 * already done), or the reference as written when it names nothing in the file.
 * In a subtask, a plain number names a sibling subtask when there is one, as Task Master
 * reads it; otherwise the top-level task of that id.
 */
function resolveReference(reference: string, owner: RawTask, from: "task" | "subtask", byId: ReadonlyMap<string, RawTask>): string | null {
  const ownId = String(owner.id);
  const dot = reference.indexOf(".");
  if (dot === -1) {
    if (from === "subtask" && (reference === ownId || (owner.subtasks ?? []).some((s) => String(s.id) === reference))) return null;
    const task = byId.get(reference);
    if (!task) return reference;
    return FINISHED_STATUSES.has(normalizeStatus(task.status)) ? null : reference;
  }
  const taskId = reference.slice(0, dot);
  const subtaskId = reference.slice(dot + 1);
  // The order of an issue's own checklist is the agent's business, not the plan's.
  if (taskId === ownId) return null;
  const task = byId.get(taskId);
  const subtask = task?.subtasks?.find((s) => String(s.id) === subtaskId);
  if (!task || !subtask) return reference;
  if (FINISHED_STATUSES.has(normalizeStatus(task.status)) || FINISHED_STATUSES.has(normalizeStatus(subtask.status))) return null;
  return taskId;
}

function buildSubtask(parentId: string, subtask: RawSubtask): TaskMasterSubtask {
  return {
    id: `${parentId}.${String(subtask.id)}`,
    title: subtask.title,
    description: subtask.description ?? "",
    done: FINISHED_STATUSES.has(normalizeStatus(subtask.status)),
  };
}

/** One criterion per item: a list as it is, a text by its lines with list bullets removed. */
function splitCriteria(value: string | readonly string[] | null | undefined): string[] {
  const lines = typeof value === "string" ? value.split(/\r?\n/) : (value ?? []);
  return lines.map((line) => line.trim().replace(/^(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/, "").trim()).filter((line) => line !== "");
}

function normalizeStatus(status: string | null | undefined): string {
  const value = (status ?? "").trim().toLowerCase();
  return value === "" ? "pending" : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeJson(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return `a ${typeof value}`;
}

function fail(problems: readonly TaskFileProblem[]): TaskFileParse {
  return { ok: false, problems };
}
