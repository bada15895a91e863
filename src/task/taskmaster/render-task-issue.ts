import type { TaskMasterTask } from "./taskmaster-plan.js";

/**
 * The issue an imported Task Master task becomes, written so `parseTask` reads it back
 * as the same task: the description and details as the description, the test strategy
 * and acceptance criteria under `## Acceptance criteria`, the subtasks as a checklist
 * under `## Subtasks`. A hidden marker on the first line names the task, so importing
 * the file again finds and updates the same issue instead of opening another.
 */

/** GitHub refuses an issue body above 65,536 characters; a margin is kept for the marker and notes. */
export const MAX_TASK_ISSUE_BODY_CHARS = 60_000;
/** GitHub refuses issue titles above 256 characters. */
export const MAX_TASK_ISSUE_TITLE_CHARS = 256;

export interface TaskIssueInput {
  readonly task: TaskMasterTask;
  /** The Task Master tag the task came from; part of the marker, so two tags' task 1 stay two issues. */
  readonly tag: string;
  /**
   * The issues of the tasks it depends on, when they are known. Written as `Depends on #N`
   * lines: where GitHub has no issue dependencies (GitHub Enterprise Server before 3.19),
   * these lines are the order.
   */
  readonly dependsOn?: readonly number[];
}

export interface TaskMarker {
  readonly tag: string;
  readonly id: string;
}

const MARKER = /^<!-- hamster:task-master tag=([^\s>]{1,200}) id=([^\s>]{1,200}) -->/;

/** `<!-- hamster:task-master tag=master id=3 -->`; both values URI-encoded, so no text can end the comment early. */
export function renderTaskMarker(marker: TaskMarker): string {
  return `<!-- hamster:task-master tag=${encodeURIComponent(marker.tag)} id=${encodeURIComponent(marker.id)} -->`;
}

/** The task named by the marker on an issue body's first line, or null when it has none. */
export function parseTaskMarker(body: string | null): TaskMarker | null {
  const match = MARKER.exec(body?.split(/\r?\n/, 1)[0] ?? "");
  if (!match) return null;
  try {
    return { tag: decodeURIComponent(match[1] as string), id: decodeURIComponent(match[2] as string) };
  } catch {
    return null;
  }
}

export function renderTaskIssueTitle(task: TaskMasterTask): string {
  const title = task.title.replace(/\s+/g, " ").trim();
  return title.length <= MAX_TASK_ISSUE_TITLE_CHARS ? title : `${title.slice(0, MAX_TASK_ISSUE_TITLE_CHARS - 1)}…`;
}

export function renderTaskIssueBody(input: TaskIssueInput): string {
  const { task } = input;
  // Before the sections: `parseTask` gives the agent everything up to the first of them as the description.
  const notes: string[] = [];
  if (input.dependsOn && input.dependsOn.length > 0) notes.push(`Depends on ${input.dependsOn.map((n) => `#${n}`).join(", ")}`);
  notes.push(task.priority ? `From Task Master: task ${task.id}, priority ${task.priority}.` : `From Task Master: task ${task.id}.`);

  const sections: string[] = [];
  const criteria = [task.testStrategy, ...task.acceptanceCriteria].map((text) => text.trim()).filter((text) => text !== "");
  if (criteria.length > 0) sections.push(["## Acceptance criteria", "", ...criteria.map(renderListItem)].join("\n"));
  if (task.subtasks.length > 0) {
    const items = task.subtasks.map((s) => `- [${s.done ? "x" : " "}] ${renderSubtaskText(s.title, s.description)}`);
    sections.push(["## Subtasks", "", ...items].join("\n"));
  }

  const rest = [notes.join("\n\n"), ...sections].join("\n\n");
  const description = [task.description.trim(), task.details.trim()].filter((text) => text !== "").join("\n\n");
  const room = Math.max(0, MAX_TASK_ISSUE_BODY_CHARS - rest.length - 200);
  const parts = [renderTaskMarker({ tag: input.tag, id: task.id }), capText(description, room), rest].filter((part) => part !== "");
  const body = `${parts.join("\n\n")}\n`;
  // Only a checklist of thousands of subtasks gets here; GitHub would refuse the whole body.
  return body.length <= MAX_TASK_ISSUE_BODY_CHARS ? body : capText(body, MAX_TASK_ISSUE_BODY_CHARS - 100);
}

/** One criterion a list item; the lines after its first are indented to stay in the item. */
function renderListItem(text: string): string {
  return `- ${text.replace(/\r?\n/g, "\n  ")}`;
}

/** A checklist item's text stays on its line: a line break would end the item. */
function renderSubtaskText(title: string, description: string): string {
  const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();
  const rest = oneLine(description);
  return rest === "" ? oneLine(title) : `${oneLine(title)}: ${rest}`;
}

function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n\n[… ${text.length - max} more characters of the task's details are in the tasks file]`;
}
