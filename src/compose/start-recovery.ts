import type { Logger } from "probot";
import type { AppSettings } from "../config/env.js";
import type { GitHubClient } from "../github/client.js";
import type { BriefCoordinator } from "../intake/brief/brief-coordinator.js";
import { pruneRunMirrors } from "../lifecycle/prune-run-mirrors.js";
import { recoverRuns, STALE_HEARTBEAT_MS } from "../lifecycle/recover-runs.js";
import type { Worker } from "../lifecycle/worker.js";
import { renderRunPageUrl } from "../reporter/run-page-link.js";
import { createRunReporter } from "../reporter/run-reporter.js";
import type { AppStores } from "./open-stores.js";

/** How often orphaned runs are looked for when the options do not say. */
const DEFAULT_RECOVERY_INTERVAL_MS = 30_000;

/**
 * At start every active run was orphaned by the previous process; later, only runs whose
 * worker stopped heartbeating (a hung or killed worker) are. Then briefs carry on from their
 * rows: what merged or ended meanwhile, and what may start now. Returns the timer a drain stops.
 */
export function startRecovery(deps: {
  stores: AppStores;
  worker: Worker;
  briefCoordinator: BriefCoordinator;
  settings: AppSettings;
  log: Logger;
  getOctokit(installationId: number): Promise<GitHubClient>;
  track(work: Promise<unknown>): void;
  intervalMs: number | undefined;
}): NodeJS.Timeout {
  const { briefCoordinator, track } = deps;
  const recover = (staleAfterMs: number) => recoverOrphanedRuns(deps, staleAfterMs);
  track(recover(0).then(() => briefCoordinator.resumeBriefs()));
  // Mirrors left from before the restart may have aged past the limits meanwhile.
  track(pruneRunMirrors(deps.settings, deps.log));
  const timer = setInterval(() => {
    void recover(STALE_HEARTBEAT_MS);
    track(briefCoordinator.sweepBriefs());
  }, deps.intervalMs ?? DEFAULT_RECOVERY_INTERVAL_MS);
  timer.unref();
  return timer;
}

/** Requeues or ends the runs nobody is executing; a failure is logged, and the next round tries again. */
function recoverOrphanedRuns(deps: Parameters<typeof startRecovery>[0], staleAfterMs: number): Promise<void> {
  const { stores, worker, log } = deps;
  const runPageUrl = (runId: number) => renderRunPageUrl(deps.settings, runId);
  const publish = async (runId: number) =>
    createRunReporter({ octokit: await deps.getOctokit(stores.runs.getRun(runId).installationId), runs: stores.runs, events: stores.events, runPageUrl }).publish(runId);
  return recoverRuns({ runs: stores.runs, log, publish, enqueue: worker.enqueue, isExecutingHere: worker.has, staleAfterMs }).catch((error: unknown) =>
    log.error({ err: error }, "recovering runs failed"),
  );
}
