import { isFinalState } from "../domain/run-state.js";
import type { Run } from "../domain/run.js";
import { formatCost, formatCount, formatDuration, inlineCode, NOT_REPORTED } from "./format.js";
import { truncateForGitHub } from "./limits.js";
import { parseIssueMarker, renderIssueMarker } from "./marker.js";

/** Rows shown at most; older runs are counted, not listed, so the comment stays readable. */
export const MAX_RUNS_ROWS = 50;

export interface RunsCommentInput {
  readonly issueNumber: number;
  /** The issue's runs, in any order. */
  readonly runs: readonly Run[];
  readonly now: Date;
}

/**
 * The reply to `/runs`: one comment per issue, edited in place each time someone asks,
 * found again by its hidden marker. Newest run first.
 */
export function renderRunsComment(input: RunsCommentInput): string {
  const lines = [renderIssueMarker("runs", input.issueNumber), "### 🐹 Hamster runs on this issue", ""];
  const updated = `Updated ${formatTimestamp(input.now.toISOString())}.`;
  if (input.runs.length === 0) {
    lines.push(`No runs yet: comment \`/deliver\` or add the \`hamster:deliver\` label to start one. ${updated}`);
    return truncateForGitHub(lines.join("\n"));
  }
  const newestFirst = [...input.runs].sort((a, b) => b.id - a.id);
  const shown = newestFirst.slice(0, MAX_RUNS_ROWS);
  const count = `${formatCount(input.runs.length)} run${input.runs.length === 1 ? "" : "s"}`;
  lines.push(
    `${count}, newest first. ${updated}`,
    "",
    "| Run | Started by | Trigger | Parameters | Status | Started | Finished | Duration | Tokens (in / out) | Cost | Pull request |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...shown.map((run) => renderRow(run, input.now)),
  );
  if (newestFirst.length > shown.length) {
    lines.push("", `Showing the ${formatCount(shown.length)} newest of ${count}; ${formatCount(newestFirst.length - shown.length)} older ones are not listed.`);
  }
  return truncateForGitHub(lines.join("\n"));
}

/** The issue number in a `/runs` comment's marker, or null when the text is not one. */
export function parseRunsMarker(body: string): number | null {
  const marker = parseIssueMarker(body);
  return marker?.kind === "runs" ? marker.issueNumber : null;
}

function renderRow(run: Run, now: Date): string {
  const { request, usage } = run;
  const end = run.finishedAt !== null ? Date.parse(run.finishedAt) : isFinalState(run.state) ? null : now.getTime();
  const elapsed = end === null ? null : end - Date.parse(run.createdAt);
  const duration = elapsed === null ? "—" : `${formatDuration(elapsed)}${run.finishedAt === null ? " so far" : ""}`;
  const cells = [
    String(run.id),
    // No "@": editing the list would mention everyone in it again.
    run.requestedBy,
    renderTrigger(run),
    `${inlineCode(request.baseBranch)} → ${inlineCode(request.targetBranch)} · ${inlineCode(request.agent)} · ${inlineCode(request.model)}`,
    renderStatus(run),
    formatTimestamp(run.createdAt),
    run.finishedAt === null ? "—" : formatTimestamp(run.finishedAt),
    duration,
    renderTokens(usage),
    formatCost(run.costUsd),
    run.prNumber === null ? "—" : `[#${run.prNumber}](${request.repo.htmlUrl}/pull/${run.prNumber})`,
  ];
  return `| ${cells.map(renderCell).join(" | ")} |`;
}

/** "12,000 / 300"; unknown for an agent that did not report it. */
function renderTokens(usage: Run["usage"]): string {
  if (usage === null) return NOT_REPORTED;
  // Input counts every token the model read, cached or not: that is what the run consumed.
  const inputTokens = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  return `${formatCount(inputTokens)} / ${formatCount(usage.outputTokens)}`;
}

const TRIGGER_NAMES: Record<Run["trigger"], string> = {
  label: "label",
  comment: "/deliver",
  local: "local",
  retry: "/retry",
  follow_up: "follow-up",
  review: "review",
  ci: "CI fix",
};

function renderTrigger(run: Run): string {
  const name = TRIGGER_NAMES[run.trigger];
  return run.followUpOf === null ? name : `${name} of run ${run.followUpOf}`;
}

const STATUS_NAMES: Record<Run["state"], string> = {
  queued: "⏳ queued",
  preparing: "🔄 preparing",
  planning: "🔄 planning",
  implementing: "🔄 implementing",
  verifying: "🔄 verifying",
  delivering: "🔄 delivering",
  succeeded: "✅ succeeded",
  failed: "❌ failed",
  cancelled: "🚫 cancelled",
  timed_out: "⏱️ timed out",
};

function renderStatus(run: Run): string {
  // A neutral conclusion: the work was delivered, but not every criterion was shown to be met.
  if (run.state === "succeeded" && run.conclusion === "neutral") return "⚠️ succeeded, not fully verified";
  if (run.state === "cancelled" && run.cancelledBy !== null) return `${STATUS_NAMES.cancelled} by ${run.cancelledBy}`;
  return STATUS_NAMES[run.state];
}

/** "2026-11-24 10:00 UTC". */
function formatTimestamp(iso: string): string {
  const normalized = new Date(iso).toISOString();
  return `${normalized.slice(0, 10)} ${normalized.slice(11, 16)} UTC`;
}

/** A table cell: a pipe would end the cell (even inside code) and a newline the row. */
function renderCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}
