import { retargetPullRequest } from "../../github/pull-requests.js";
import type { Brief } from "../../store/brief-store.js";
import type { BriefClient, BriefDependencies } from "./brief-dependencies.js";
import { findRetargetBase } from "./schedule-brief.js";
import { findTaskCodeRepo } from "./task-request.js";

/**
 * A stacked task's pull request targets its blocker's branch; once that blocker is merged,
 * it targets what the blocker's targeted (down the chain). A failed write is tried again at
 * the next change. True when any pull request was retargeted.
 */
export async function retargetStackedPulls(deps: Pick<BriefDependencies, "briefs" | "log">, client: BriefClient, brief: Brief): Promise<boolean> {
  const { briefs, log } = deps;
  const tasks = briefs.listTasks(brief.id);
  let changed = false;
  for (const task of tasks) {
    if (task.state !== "delivered" || task.prNumber === null || task.baseBranch === null) continue;
    const base = findRetargetBase(task.baseBranch, tasks);
    if (base === task.baseBranch) continue;
    try {
      const repo = findTaskCodeRepo(brief, task);
      await retargetPullRequest(await client(), { owner: repo.owner, repo: repo.name }, task.prNumber, base);
      briefs.updateTask(brief.id, task.taskId, { baseBranch: base });
      changed = true;
    } catch (error) {
      log.warn({ brief: brief.issueNumber, task: task.taskId, err: error }, "could not retarget a stacked pull request");
    }
  }
  return changed;
}
