import { existsSync } from "node:fs";
import type { Logger } from "probot";
import { AgentError } from "../agent/provider.js";
import type { AppSettings } from "../config/env.js";
import type { FinalState } from "../domain/run-state.js";
import type { RunDiffStore } from "../store/run-diff-store.js";
import type { RunStore } from "../store/run-store.js";
import { commitAll, pushBranch, resolveCommit } from "../workspace/workspace.js";
import { checkPush, WorkflowChangeRefused } from "./push-policy.js";
import { describeFailure } from "./describe-failure.js";
import type { RunHost } from "./run-host.js";
import type { RunProgress } from "./run-progress.js";
import { readStopReason, renderStopReason } from "./stop-reason.js";
import { recordRunDiff } from "./record-run-diff.js";

/** The end state an error leads to: a cancelled run is not a failed one, nor is a run out of time. */
export function decideFailureState(error: unknown): FinalState {
  if (error instanceof AgentError && error.code === "cancelled") return "cancelled";
  if (error instanceof AgentError && error.code === "budget" && error.budget === "wall_clock") return "timed_out";
  return "failed";
}

interface FailedRun {
  deps: { runs: RunStore; diffs?: RunDiffStore | undefined; log: Logger; settings: Pick<AppSettings, "gitAuthor"> };
  host: RunHost;
  runId: number;
  progress: RunProgress;
  error: unknown;
  signal: AbortSignal;
}

/**
 * Ends a run that could not deliver and leaves things tidy: the agent's work is pushed
 * rather than lost (or kept on the server when the push fails), and the host closes what
 * the run opened and left empty.
 */
export async function concludeFailedRun(input: FailedRun): Promise<void> {
  const { deps, host, runId, progress, error } = input;
  const { runs, log } = deps;
  const stop = readStopReason(input.signal);
  const state = stop?.kind === "cancel" ? "cancelled" : stop?.kind === "timeout" ? "timed_out" : decideFailureState(error);
  // A stop explains itself better than the error it caused (a killed command, an aborted call).
  const reason = stop && stop.kind !== "shutdown" ? renderStopReason(stop, runs.getRun(runId).state) : describeFailure(error);
  log.warn({ runId, err: error, state }, "run did not deliver");

  const run = runs.getRun(runId);
  let fullReason = reason;
  if (progress.agentStarted && !progress.workPushed && run.workBranch && existsSync(progress.workdir)) {
    try {
      fullReason = await saveWork(input, reason);
    } catch (saveError) {
      // Host git refused the checkout (e.g. a planted config): keep it, never delete work.
      progress.keepWorkspace = true;
      fullReason = `${reason}\n\nThe agent's work could not be committed; it is kept on the Hamster server in the workspace of run #${runId} (\`workspaces/run-${runId}\` under the data directory) for an admin to inspect.`;
      log.error({ runId, err: saveError }, "could not save the agent's work after the run ended");
    }
  }

  try {
    runs.transitionRun(runId, state, { reason: fullReason, detail: reason });
  } catch (transitionError) {
    log.error({ runId, err: transitionError }, "could not record the end of the run");
    return;
  }
  try {
    await host.concluded({ files: progress.files, headSha: runs.getRun(runId).headSha, workPushed: progress.workPushed, branchCreated: progress.branchCreated });
  } catch (reportError) {
    log.error({ runId, err: reportError }, "could not report the end of the run after the run ended");
  }
}

/** Commits what the agent left and pushes it; returns the run's reason with what became of the work. */
async function saveWork(input: FailedRun, reason: string): Promise<string> {
  const { deps, host, runId, progress, error } = input;
  const run = deps.runs.getRun(runId);
  const commit = await commitAll(progress.workdir, `WIP: partial work from Hamster run #${runId}\n\n${reason}`, deps.settings.gitAuthor);
  const head = commit?.sha ?? (await resolveCommit(progress.workdir, "HEAD"));
  if (head !== progress.startSha) progress.localWorkSha = head;
  if (!progress.localWorkSha) return reason;
  try {
    await checkPush({
      dir: progress.workdir,
      fromSha: progress.startSha!,
      toSha: progress.localWorkSha,
      workBranch: run.workBranch!,
      defaultBranch: run.request.repo.defaultBranch,
      allowWorkflowChanges: run.request.settings?.allowWorkflowChanges ?? false,
    });
    await pushBranch({ dir: progress.workdir, remoteUrl: run.request.repo.cloneUrl, token: await host.getGitToken(), workBranch: run.workBranch! });
    progress.workPushed = true;
    deps.runs.updateRun(runId, { headSha: progress.localWorkSha });
    await recordRunDiff(deps, runId, progress.workdir, {
      from: progress.baseSha ? { commit: progress.baseSha } : { branch: run.request.baseBranch },
      head: progress.localWorkSha,
    });
    return `${reason}\n\nThe work done so far is pushed to the branch.`;
  } catch (pushError) {
    progress.keepWorkspace = true;
    deps.log.warn({ runId, err: pushError }, "partial work kept in the workspace");
    const kept = `it is kept on the Hamster server in the workspace of run #${runId} (\`workspaces/run-${runId}\` under the data directory) for an admin to recover.`;
    if (!(pushError instanceof WorkflowChangeRefused)) return `${reason}\n\nThe agent's work could not be pushed; ${kept}`;
    // The same refusal may be what ended the run; say it once.
    return `${error instanceof WorkflowChangeRefused ? reason : `${reason}\n\n${pushError.message}`}\n\nThe agent's work ${kept}`;
  }
}
