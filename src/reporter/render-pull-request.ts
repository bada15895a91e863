import { renderIssueReference } from "../domain/run.js";
import { inlineCode } from "./format.js";
import { truncateForGitHub } from "./limits.js";
import { renderMarker } from "./marker.js";
import { renderUsageLine } from "./render-check-run.js";
import { renderContextLine, renderCriteria, renderVerification } from "./render-findings.js";
import type { RunView } from "./run-view.js";

/** The draft PR's body while the agent works. `Closes #N` links the task from the start. */
export function renderDraftPullRequestBody(view: RunView): string {
  const { run } = view;
  return [
    `🐹 Hamster is working on ${renderIssueReference(run.request, run.issueNumber)} (run #${run.id}). This pull request is a draft until the agent is done.`,
    "",
    `Closes ${renderIssueReference(run.request, run.issueNumber)}`,
    "",
    renderMarker("pr", run.id),
  ].join("\n");
}

/** The PR body once the work is delivered: the agent's summary, the files, the link to the task. */
export function renderDeliveredPullRequestBody(view: RunView): string {
  const { run } = view;
  const parts = [run.summary?.trim() || "The agent left no summary."];
  for (const section of [renderCriteria(run), renderVerification(run), renderContextLine(run)]) {
    if (section) parts.push(section);
  }
  if (view.files && view.files.length > 0) {
    parts.push(`### Files changed\n\n${view.files.map((f) => `- ${inlineCode(f)}`).join("\n")}`);
  }
  parts.push(
    `---\nCloses ${renderIssueReference(run.request, run.issueNumber)} · delivered by Hamster run #${run.id} for @${run.requestedBy}\n\n${renderUsageLine(view)}`,
  );
  parts.push(renderMarker("pr", run.id));
  return truncateForGitHub(parts.join("\n\n"));
}
