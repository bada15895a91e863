import type { Brief } from "../../store/brief-store.js";
import { cancelRun } from "../control-runs.js";
import type { AdmitOutcome, ControlContext } from "../queue-run.js";
import { renderBriefCancelled, renderNothingToRetry } from "./render-brief-replies.js";

/**
 * `/cancel` and `/retry` on a brief's issue act on the brief: the newest delivery of the
 * issue, if it has one (`findBriefOf`), else the commands mean what they mean on any task.
 */
export function findBriefOf(control: ControlContext, which: "active" | "latest"): Brief | undefined {
  const { deps, event } = control;
  if (!deps.briefs || event.issue.isPullRequest) return undefined;
  return which === "active" ? deps.briefs.store.findActiveBrief(event.repo.id, event.issue.number) : deps.briefs.store.findLatestBrief(event.repo.id, event.issue.number);
}

/** `/cancel` on a brief: no task starts any more, and every active run of its tasks is cancelled. */
export async function cancelBrief(control: ControlContext, brief: Brief): Promise<AdmitOutcome> {
  const { deps, octokit, event, reply } = control;
  const coordinator = deps.briefs!.coordinator;
  const active = await coordinator.stopBrief(brief.id);
  for (const run of active) await cancelRun(deps, octokit, run, event.sender.login);
  // Runs that had not started ended at once: the table says so now.
  await coordinator.advance(brief.id);
  return reply(`brief cancelled, ${active.length} runs`, renderBriefCancelled(event.sender.login, active.length));
}

/** `/retry` on a brief: its failed and cancelled tasks start again, as the schedule allows. */
export async function retryBrief(control: ControlContext, brief: Brief): Promise<AdmitOutcome> {
  const { deps, event, reply } = control;
  const { retried, resumed } = await deps.briefs!.coordinator.retryBrief(brief.id, event.sender.login);
  if (retried === 0 && !resumed) return reply("nothing to retry", renderNothingToRetry(event.sender.login));
  return { outcome: "replied", why: `retried ${retried} tasks of the brief` };
}
