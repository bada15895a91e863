import type { Run } from "../../domain/run.js";
import type { BriefTask, BriefTaskPatch } from "../../store/brief-store.js";
import type { IssueClosed, PullRequestClosed } from "./brief-events.js";

/**
 * What each event does to a task's row, pure; null: nothing. Only a merged pull request or
 * an issue closed as completed makes a task done.
 */

/** A task's run ended: delivered (a pull request waits for its merge), failed or cancelled. */
export function buildEndedRunPatch(run: Run): BriefTaskPatch {
  if (run.state === "succeeded") {
    if (run.prNumber === null) return { state: "failed", note: "its run ended without a pull request" };
    return { state: "delivered", prRepoId: run.repoId, prNumber: run.prNumber, baseBranch: run.request.targetBranch, ...(run.workBranch ? { workBranch: run.workBranch } : {}) };
  }
  return { state: run.state === "cancelled" ? "cancelled" : "failed" };
}

/** A pull request was closed: merged, its task is done; closed without merging, a delivered task failed. */
export function buildPullRequestClosedPatch(task: BriefTask, event: PullRequestClosed): BriefTaskPatch | null {
  if (task.prNumber !== event.number || task.state === "done") return null;
  if (event.merged) return { state: "done", note: null };
  return task.state === "delivered" ? { state: "failed", note: `its pull request #${event.number} was closed without being merged` } : null;
}

/** An issue was closed: as completed, its task is done; otherwise a task not being worked on is cancelled. */
export function buildIssueClosedPatch(task: BriefTask, event: IssueClosed): BriefTaskPatch | null {
  const completed = event.stateReason === null || event.stateReason === "completed";
  if (task.state === "done") return null;
  if (completed) return { state: "done", note: null };
  return task.state === "pending" || task.state === "delivered" ? { state: "cancelled", note: `its issue was closed as ${event.stateReason?.replace(/_/g, " ") ?? "not planned"}` } : null;
}
