import type { Run } from "../domain/run.js";
import { formatCost, formatCount, formatDuration, inlineCode, NOT_REPORTED } from "./format.js";
import { truncateForGitHub } from "./limits.js";
import type { RunView } from "./run-view.js";
import type { CheckAction, CheckActionId, CheckConclusion, CheckRunOutput } from "../domain/check-run.js";
import { buildStageTimeline, renderStageIcon, renderStageName } from "./stage-timeline.js";
import { renderContextLine, renderCriteria, renderPlan, renderVerification } from "./render-findings.js";
import { renderEventLog } from "./render-event-log.js";


/** The check conclusion of an ended run: a delivered run without evidence for every criterion is neutral. */
export function renderCheckConclusion(run: Pick<Run, "state" | "conclusion">): CheckConclusion | null {
  switch (run.state) {
    case "succeeded":
      return run.conclusion === "neutral" ? "neutral" : "success";
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


/** Buttons on the check run (GitHub's limits: label 20, description 40, identifier 20 characters). */
export function renderCheckActions(run: Pick<Run, "state">): CheckAction[] {
  switch (run.state) {
    case "succeeded":
      return [];
    case "failed":
    case "cancelled":
    case "timed_out":
      return [{ label: "Retry", description: "Start a new run of this task", identifier: "retry" }];
    default:
      return [{ label: "Cancel", description: "Stop this run; keep its work", identifier: "cancel" }];
  }
}

export function parseCheckActionId(identifier: string): CheckActionId | null {
  return identifier === "cancel" || identifier === "retry" ? identifier : null;
}

export function renderStageTable(view: RunView): string {
  const rows = buildStageTimeline(view.transitions, view.now).map((s) => {
    const duration = s.durationMs === null ? "" : formatDuration(s.durationMs);
    return `| ${renderStageIcon(s.status)} ${renderStageName(s.stage)} | ${s.status} | ${duration} |`;
  });
  return ["| Stage | Status | Duration |", "| --- | --- | --- |", ...rows].join("\n");
}

export function renderUsageLine(view: Pick<RunView, "run">): string {
  const u = view.run.usage;
  // A command-line agent that does not say what it used: unknown, not "0 tokens, $0.0000".
  if (u === null) return `Tokens: ${NOT_REPORTED} · cost ${NOT_REPORTED}`;
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
      const unverified = run.conclusion === "neutral" ? " (not fully verified)" : "";
      return `Delivered: ${n} file${n === 1 ? "" : "s"} changed${unverified}`;
    }
    case "failed":
      return `Failed: ${firstLine(run.reason ?? "unknown error")}`.slice(0, 200);
    case "cancelled":
      return "Cancelled";
    case "timed_out":
      return `Timed out: ${firstLine(run.reason ?? "the run's time budget ran out")}`.slice(0, 200);
    default:
      return `${renderStageName(run.state)}…`;
  }
}

/** True once the run has gone past implementing: its plan is then done. */
export function isPastImplementing(view: Pick<RunView, "transitions">): boolean {
  return view.transitions.some((t) => t.state === "verifying" || t.state === "delivering" || t.state === "succeeded");
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
  const running = !["queued", "succeeded", "failed", "cancelled", "timed_out"].includes(run.state);
  const parts = [header, renderStageTable(view)];
  if (running && run.progress) parts.push(`Now: ${inlineCode(run.progress)}`);
  if ((run.state === "failed" || run.state === "cancelled" || run.state === "timed_out") && run.reason) {
    parts.push(`### Why it ${run.state === "failed" ? "failed" : "stopped"}\n\n${run.reason}`);
  }
  if (run.state === "succeeded" && run.conclusion === "neutral") {
    parts.push("The work is delivered, but not every acceptance criterion is verified: see below. The pull request stays a draft.");
  }
  const context = renderContextLine(run);
  if (context) parts.push(context);
  if (run.state !== "queued") parts.push(renderUsageLine(view));

  const textParts: string[] = [];
  if (run.summary) textParts.push(`### What changed\n\n${run.summary}`);
  for (const section of [renderCriteria(run), renderVerification(run), renderPlan(run, isPastImplementing(view))]) {
    if (section) textParts.push(section);
  }
  if (view.files && view.files.length > 0) {
    textParts.push(`### Files changed\n\n${view.files.map((f) => `- ${inlineCode(f)}`).join("\n")}`);
  }
  if (view.activity) {
    const { events, modelCalls } = view.activity;
    const log = renderEventLog({ events, totals: { modelCalls, usage: run.usage, costUsd: run.costUsd } });
    if (log) textParts.push(log);
  }
  return {
    title: renderTitle(view),
    summary: truncateForGitHub(parts.join("\n\n")),
    ...(textParts.length > 0 ? { text: truncateForGitHub(textParts.join("\n\n")) } : {}),
  };
}
