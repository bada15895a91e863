import type { PlanGraph } from "../task/plan/plan-graph.js";
import { schedulePlan, type PlanSchedule, type PlanTaskState } from "../task/plan/schedule-plan.js";
import { formatCost, formatCount, NOT_REPORTED } from "./format.js";
import { truncateForGitHub } from "./limits.js";
import { parseIssueMarker, renderIssueMarker } from "./marker.js";

/** A task of the brief as the table shows it. */
export interface PlanTableTask {
  /** The plan's id of the task: "#12", or "owner/repo#12" for an issue in another repository. */
  readonly id: string;
  readonly title: string;
  readonly state: PlanTaskState;
  readonly pullRequest: { readonly number: number; readonly url: string } | null;
  /** What its runs cost; null when no run reported it, or none ran. */
  readonly costUsd: number | null;
  /** Whether a run was started for it; default: unless it is pending. A task done by hand cost nothing. */
  readonly ran?: boolean;
}

export interface PlanTableInput {
  readonly briefNumber: number;
  readonly graph: PlanGraph;
  /** Every task of the graph; the table follows the graph's order. */
  readonly tasks: readonly PlanTableTask[];
  readonly parallel: number;
  /** `brief.stack`: a dependent starts on its blocker's branch before the merge. */
  readonly stack?: boolean;
  /** A line under the heading about the brief as a whole (stopped, finished). */
  readonly notice?: string;
  readonly now: Date;
}

type RowStatus = PlanTaskState | "ready" | "waiting" | "stopped";

const STATUS_NAMES: Record<RowStatus, string> = {
  pending: "⏳ pending",
  ready: "⏳ ready",
  waiting: "⏸️ waiting",
  stopped: "⛔ stopped",
  running: "🔄 running",
  delivered: "👀 in review",
  done: "✅ done",
  failed: "❌ failed",
  cancelled: "🚫 cancelled",
};

/**
 * The plan table on the brief: one comment, edited in place as tasks move, found again by
 * its hidden marker. Each task with its state, what it depends on, its pull request and
 * its cost; the brief's total; and, in words, what waits on what.
 */
export function renderPlanTable(input: PlanTableInput): string {
  const byId = new Map(input.tasks.map((task) => [task.id, task]));
  const states = new Map(input.tasks.map((task) => [task.id, task.state]));
  const schedule = schedulePlan(input.graph, states, { parallel: input.parallel, stack: input.stack === true });
  const statusOf = findRowStatuses(schedule, states);
  const ordered = input.graph.order.map((id) => byId.get(id) ?? { id, title: "", state: "pending" as const, pullRequest: null, costUsd: null });

  const lines = [
    renderIssueMarker("plan", input.briefNumber),
    "### 🐹 Hamster plan for this brief",
    "",
    `${renderProgress(ordered)} · at most ${formatCount(input.parallel)} at a time · updated ${formatTimestamp(input.now)}.`,
    "",
    ...(input.notice ? [input.notice, ""] : []),
    "| Task | State | Depends on | Pull request | Cost |",
    "| --- | --- | --- | --- | --- |",
    ...ordered.map((task) => renderRow(task, statusOf.get(task.id) ?? task.state, input.graph)),
    "",
    renderTotal(ordered),
  ];
  const waits = renderWaits(schedule, states, input.parallel);
  if (waits.length > 0) lines.push("", "**What waits on what**", "", ...waits);
  return truncateForGitHub(lines.join("\n"));
}

/** The brief's number in a plan table's marker, or null when the text is not one. */
export function parsePlanMarker(body: string): number | null {
  const marker = parseIssueMarker(body.split("\n", 1)[0] ?? "");
  return marker?.kind === "plan" ? marker.issueNumber : null;
}

/** A pending task is ready, waiting or stopped, by the schedule; other states are what they are. */
function findRowStatuses(schedule: PlanSchedule, states: ReadonlyMap<string, PlanTaskState>): Map<string, RowStatus> {
  const statuses = new Map<string, RowStatus>(states);
  for (const id of [...schedule.start, ...schedule.ready]) statuses.set(id, "ready");
  for (const { task } of schedule.waiting) statuses.set(task, "waiting");
  for (const { task } of schedule.stopped) statuses.set(task, "stopped");
  return statuses;
}

function renderRow(task: PlanTableTask, status: RowStatus, graph: PlanGraph): string {
  const dependencies = graph.blockedBy.get(task.id) ?? [];
  const cells = [
    task.title === "" ? task.id : `${task.id} ${task.title}`,
    STATUS_NAMES[status],
    dependencies.length === 0 ? "—" : dependencies.join(", "),
    task.pullRequest === null ? "—" : `[#${task.pullRequest.number}](${task.pullRequest.url})`,
    renderTaskCost(task),
  ];
  return `| ${cells.map(renderCell).join(" | ")} |`;
}

function renderTaskCost(task: PlanTableTask): string {
  if (task.costUsd !== null) return task.state === "running" ? `${formatCost(task.costUsd)} so far` : formatCost(task.costUsd);
  // A task that never ran cost nothing; one that ran without reporting is unknown, which is not zero.
  return hasRun(task) ? NOT_REPORTED : "—";
}

function hasRun(task: PlanTableTask): boolean {
  return task.ran ?? task.state !== "pending";
}

/** "2 of 5 tasks done · 1 running · 1 failed". */
function renderProgress(tasks: readonly PlanTableTask[]): string {
  const count = (state: PlanTaskState) => tasks.filter((task) => task.state === state).length;
  const parts = [`${formatCount(count("done"))} of ${formatCount(tasks.length)} task${tasks.length === 1 ? "" : "s"} done`];
  for (const state of ["running", "delivered", "failed", "cancelled"] as const) {
    if (count(state) > 0) parts.push(`${formatCount(count(state))} ${state === "delivered" ? "in review" : state}`);
  }
  return parts.join(" · ");
}

function renderTotal(tasks: readonly PlanTableTask[]): string {
  const ran = tasks.filter((task) => hasRun(task) || task.costUsd !== null);
  const known = ran.filter((task) => task.costUsd !== null);
  const total = known.reduce((sum, task) => sum + (task.costUsd ?? 0), 0);
  const unknown = ran.length - known.length;
  const note = unknown === 0 ? "" : ` (${formatCount(unknown)} task${unknown === 1 ? "" : "s"} did not report a cost)`;
  return `**Total cost:** ${known.length === 0 && unknown > 0 ? NOT_REPORTED : formatCost(total)}${note}`;
}

/** One line per task that cannot go now, saying on what it waits. */
function renderWaits(schedule: PlanSchedule, states: ReadonlyMap<string, PlanTaskState>, parallel: number): string[] {
  const lines: string[] = [];
  for (const { task, on } of schedule.waiting) {
    lines.push(`- ${task} waits on ${joinWords(on.map((id) => `${id} (${renderWaitedState(states.get(id))})`))}.`);
  }
  for (const { task, by } of schedule.stopped) {
    lines.push(`- ${task} will not start: ${joinWords(by.map((id) => `${id} ${states.get(id) === "cancelled" ? "was cancelled" : "failed"}`))}.`);
  }
  if (schedule.ready.length > 0) {
    const verb = schedule.ready.length === 1 ? "is ready and waits" : "are ready and wait";
    lines.push(`- ${joinWords(schedule.ready)} ${verb} for a free slot (${formatCount(parallel)} at a time).`);
  }
  return lines;
}

function renderWaitedState(state: PlanTaskState | undefined): string {
  if (state === "running") return "running";
  if (state === "delivered") return "its pull request is not merged yet";
  return "not started";
}

function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

/** "2026-11-24 10:00 UTC". */
function formatTimestamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A table cell: a pipe would end the cell (even inside code) and a newline the row. */
function renderCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}
