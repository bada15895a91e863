import type { GitHubClient } from "../../github/client.js";
import { ensurePlanComment } from "../../reporter/plan-comment.js";
import { renderPlanTable } from "../../reporter/render-plan-table.js";
import type { Brief, BriefStore, BriefTask } from "../../store/brief-store.js";
import type { BriefDependencies } from "./brief-dependencies.js";
import { renderPlanNotice } from "./render-brief-replies.js";
import { buildPlanGraph } from "./schedule-brief.js";
import { findTaskCodeRepo } from "./task-request.js";

/** How far back, before the brief was recorded, its plan table is looked for: GitHub's clock and ours may differ. */
const CLOCK_SKEW_MARGIN_MS = 60 * 60_000;

function renderBriefPlanTable(briefs: BriefStore, brief: Brief, tasks: readonly BriefTask[], now: Date): string {
  const costs = briefs.getTaskCosts(brief.id);
  return renderPlanTable({
    briefNumber: brief.issueNumber,
    graph: buildPlanGraph(tasks),
    tasks: tasks.map((task) => ({
      id: task.taskId,
      title: task.issue.title,
      state: task.state,
      pullRequest: task.prNumber === null ? null : { number: task.prNumber, url: `${findTaskCodeRepo(brief, task).htmlUrl}/pull/${task.prNumber}` },
      costUsd: costs.get(task.taskId) ?? null,
      ran: costs.has(task.taskId),
    })),
    parallel: brief.parallel,
    stack: brief.stack,
    notice: renderPlanNotice(brief, tasks),
    now,
  });
}

/** Writes the brief's plan table (one comment on the brief, found again or created); a failure is logged, tried at the next change. */
export async function publishPlanTable(deps: Pick<BriefDependencies, "briefs" | "log">, octokit: GitHubClient, brief: Brief, now: Date): Promise<void> {
  const { briefs, log } = deps;
  const body = renderBriefPlanTable(briefs, brief, briefs.listTasks(brief.id), now);
  try {
    const since = new Date(Date.parse(brief.createdAt) - CLOCK_SKEW_MARGIN_MS).toISOString().replace(/\.\d{3}Z$/, "Z");
    const id = await ensurePlanComment(octokit, { owner: brief.repoOwner, repo: brief.repoName }, { briefNumber: brief.issueNumber, commentId: brief.planCommentId, body, since });
    if (id !== brief.planCommentId) briefs.setPlanCommentId(brief.id, id);
  } catch (error) {
    log.warn({ brief: brief.issueNumber, err: error }, "could not write the plan table");
  }
}
