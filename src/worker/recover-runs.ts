import type { Logger } from "probot";
import type { GitHubClient } from "../github/client.js";
import { createRunReporter } from "../reporter/run-reporter.js";
import type { RunStore } from "../store/run-store.js";
import { STAGES } from "../store/run-state.js";

/**
 * At start: runs still queued are queued again; runs that were mid-stage when the
 * process died end as failed with a reason, so no check run stays "in progress".
 */
export async function recoverRuns(deps: {
  runs: RunStore;
  log: Logger;
  getOctokit(installationId: number): Promise<GitHubClient>;
  enqueue(runId: number): void;
}): Promise<void> {
  const { runs, log } = deps;
  for (const run of runs.listRunsInState("queued")) deps.enqueue(run.id);
  for (const stage of STAGES) {
    for (const run of runs.listRunsInState(stage)) {
      runs.transitionRun(run.id, "failed", {
        reason: `The run was interrupted while ${stage} (the app restarted). Work already pushed is on the branch; trigger the task again to continue.`,
      });
      try {
        const reporter = createRunReporter({ octokit: await deps.getOctokit(run.installationId), runs });
        await reporter.publish(run.id);
      } catch (error) {
        log.error({ runId: run.id, err: error }, "could not report an interrupted run");
      }
    }
  }
}
