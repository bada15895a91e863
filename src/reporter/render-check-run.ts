import type { RunState } from "../store/run-state.js";
import { formatCost, formatCount, formatDuration, inlineCode } from "./format.js";
import { truncateForGitHub } from "./limits.js";
import type { RunView } from "./run-view.js";
import { buildStageTimeline, renderStageIcon, renderStageName } from "./stage-timeline.js";

export const CHECK_RUN_NAME = "Hamster";

export type CheckConclusion = "success" | "failure" | "neutral" | "cancelled" | "timed_out";

export interface CheckRunOutput {
  readonly title: string;
  readonly summary: string;
  readonly text?: string;
}

export function renderCheckConclusion(state: RunState): CheckConclusion | null {
  switch (state) {
    case "succeeded":
      return "success";
    case "failed":
      return "failure";
    case "cancelled":
      return "cancelled";
    case "timed_out":
      return "timed_out";
    default:
      return null;
  }
}

export function renderStageTable(view: RunView): string {
  const rows = buildStageTimeline(view.transitions, view.now).map((s) => {
    const duration = s.durationMs === null ? "" : formatDuration(s.durationMs);
    return `| ${renderStageIcon(s.status)} ${renderStageName(s.stage)} | ${s.status} | ${duration} |`;
  });
  return ["| Stage | Status | Duration |", "| --- | --- | --- |", ...rows].join("\n");
}

export function renderUsageLine(view: RunView): string {
  const u = view.run.usage;
  return (
    `Tokens: ${formatCount(u.inputTokens)} input, ${formatCount(u.cacheReadTokens)} cache read, ` +
    `${formatCount(u.cacheWriteTokens)} cache write, ${formatCount(u.outputTokens)} output · cost ${formatCost(view.run.costUsd)}`
  );
}

function renderTitle(view: RunView): string {
  const { run } = view;
  switch (run.state) {
    case "queued":
      return "Queued";
    case "succeeded": {
      const n = view.files?.length ?? 0;
      return `Delivered: ${n} file${n === 1 ? "" : "s"} changed`;
    }
    case "failed":
      return `Failed: ${firstLine(run.reason ?? "unknown error")}`.slice(0, 200);
    case "cancelled":
      return "Cancelled";
    case "timed_out":
      return "Timed out";
    default:
      return `${renderStageName(run.state)}…`;
  }
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? text;
}

/** The check run's output: stages with durations, then what changed or why it failed. */
export function renderCheckRunOutput(view: RunView): CheckRunOutput {
  const { run } = view;
  const request = run.request;
  const header =
    `**Run #${run.id}** for #${run.issueNumber} ${request.issue.title ? `*${request.issue.title.replace(/[*_]/g, "\\$&")}*` : ""}` +
    ` — requested by @${run.requestedBy}\n\n` +
    `Base ${inlineCode(request.baseBranch)} → target ${inlineCode(request.targetBranch)} · agent ${inlineCode(request.agent)} · model ${inlineCode(request.model)}`;
  const parts = [header, renderStageTable(view)];
  if (run.state === "failed" && run.reason) parts.push(`### Why it failed\n\n${run.reason}`);
  if (run.state !== "queued") parts.push(renderUsageLine(view));

  const textParts: string[] = [];
  if (run.summary) textParts.push(`### What changed\n\n${run.summary}`);
  if (view.files && view.files.length > 0) {
    textParts.push(`### Files changed\n\n${view.files.map((f) => `- ${inlineCode(f)}`).join("\n")}`);
  }
  return {
    title: renderTitle(view),
    summary: truncateForGitHub(parts.join("\n\n")),
    ...(textParts.length > 0 ? { text: truncateForGitHub(textParts.join("\n\n")) } : {}),
  };
}
