import { CHECK_RUN_NAME } from "../domain/check-run.js";
import { renderParameterSources } from "./render-parameter-sources.js";
import { type ParameterSource } from "../domain/parameters.js";
import { isFinalState } from "../domain/run-state.js";
import type { Run } from "../domain/run.js";
import { inlineCode } from "./format.js";
import { truncateForGitHub } from "./limits.js";
import { parseMarker, renderMarker } from "./marker.js";
import { renderUsageLine } from "./render-check-run.js";
import type { RunView } from "./run-view.js";
import { buildStageTimeline, renderStageIcon, renderStageName } from "./stage-timeline.js";
import { formatDuration } from "./format.js";

const HEADLINES: Record<string, string> = {
  queued: "queued",
  succeeded: "delivered ✅",
  failed: "failed ❌",
  cancelled: "cancelled",
  timed_out: "timed out ⏱️",
};

const TRIGGER_NAMES: Record<Run["trigger"], string> = {
  label: "label",
  comment: "/deliver",
  retry: "retry",
  follow_up: "follow-up on the pull request",
  review: "review on the pull request",
  ci: "failing checks on the pull request",
  local: "hamster run",
};

/** The run's parameters, and where each came from when that is known. */
export function renderRequestParameters(run: Run): string {
  const r = run.request;
  const sources = r.parameterSources;
  if (!sources) {
    return `base ${inlineCode(r.baseBranch)} → target ${inlineCode(r.targetBranch)} · agent ${inlineCode(r.agent)} · model ${inlineCode(r.model)}`;
  }
  return renderParameterSources({
    branch: { value: r.baseBranch, source: sources.branch as ParameterSource },
    target: { value: r.targetBranch, source: sources.target as ParameterSource },
    agent: { value: r.agent, source: sources.agent as ParameterSource },
    model: { value: r.model, source: sources.model as ParameterSource },
  });
}

/** The status comment on the issue: one per run, found again by its hidden marker. */
export function renderStatusComment(view: RunView): string {
  const { run } = view;
  const headline =
    run.state === "succeeded" && run.conclusion === "neutral" ? "delivered, not fully verified ⚠️" : (HEADLINES[run.state] ?? `${run.state}…`);
  const request = run.request;
  const lines = [
    renderMarker("status", run.id),
    `### 🐹 Hamster run #${run.id} — ${headline}`,
    "",
    `Requested by @${run.requestedBy} (${TRIGGER_NAMES[run.trigger]}) · ${renderRequestParameters(run)}`,
    "",
    buildStageTimeline(view.transitions, view.now)
      .map((s) => `${renderStageIcon(s.status)} ${renderStageName(s.stage)}${s.durationMs !== null && s.status !== "running" ? ` (${formatDuration(s.durationMs)})` : ""}`)
      .join(" → "),
  ];
  const links: string[] = [];
  if (view.links?.pullRequest) links.push(`Pull request: ${view.links.pullRequest}`);
  if (view.links?.checkRun) links.push(`Check run: [${CHECK_RUN_NAME}](${view.links.checkRun})`);
  if (view.links?.runPage) links.push(`Live log and diff: [run #${run.id}](${view.links.runPage})`);
  if (links.length > 0) lines.push("", links.join(" · "));
  if ((run.state === "failed" || run.state === "cancelled" || run.state === "timed_out") && run.reason) lines.push("", `**Why:** ${run.reason}`);
  if (isFinalState(run.state)) lines.push("", renderUsageLine(view));
  if (run.state === "queued") lines.push("", "The run will start as soon as a worker is free.");
  return truncateForGitHub(lines.join("\n"));
}

/** The run id in a status comment's marker (its first line), or null when the text is not one. */
export function parseStatusMarker(body: string): number | null {
  const marker = parseMarker(body.split("\n", 1)[0] ?? "");
  return marker?.kind === "status" ? marker.runId : null;
}
