import type { Logger } from "probot";
import type { AppSettings } from "../config/env.js";
import type { Run } from "../domain/run.js";
import { RunFailure } from "../domain/run-failure.js";
import type { JobResult } from "../executors/executor.js";
import type { RunDiffStore } from "../store/run-diff-store.js";
import type { RunStore } from "../store/run-store.js";
import { commitAll, listChangedFiles, pushBranch, resolveCommit } from "../workspace/workspace.js";
import { checkPush } from "./push-policy.js";
import type { RunHost } from "./run-host.js";
import { renderCommitMessage } from "./run-plan.js";
import type { RunProgress } from "./run-progress.js";
import type { StartedRun } from "./start-run.js";
import { decideConclusion } from "./decide-conclusion.js";
import { recordRunDiff } from "./record-run-diff.js";

/**
 * The job is done: its report is recorded, the work in the checkout is committed, checked
 * against the push policy and pushed, and the pull request tells what changed.
 */
export async function deliverWork(
  deps: { runs: RunStore; diffs?: RunDiffStore | undefined; settings: Pick<AppSettings, "gitAuthor">; log: Logger },
  host: RunHost,
  run: Run,
  progress: RunProgress,
  started: StartedRun,
  result: JobResult,
): Promise<void> {
  const { runs, log } = deps;
  const request = run.request;
  const conclusion = decideConclusion(result.report, result.verification);
  runs.updateRun(run.id, { summary: result.summary, report: result.report, conclusion });

  const commit = await commitAll(progress.workdir, renderCommitMessage(request.issue.title, request.issue.number, run.id), deps.settings.gitAuthor);
  // The agent is told not to commit, but if it did, its commits are its work all the same.
  const headSha = commit?.sha ?? (await resolveCommit(progress.workdir, "HEAD"));
  if (headSha === started.prepared.headSha) {
    throw new RunFailure(
      "The agent finished without changing any file, so there is nothing to deliver. Make the task more specific (what to change, where, and how to check it) and trigger it again.",
    );
  }
  progress.localWorkSha = headSha;
  await checkPush({
    dir: progress.workdir,
    fromSha: started.prepared.headSha,
    toSha: headSha,
    workBranch: started.workBranch,
    defaultBranch: request.repo.defaultBranch,
    allowWorkflowChanges: request.settings?.allowWorkflowChanges ?? false,
  });
  await pushBranch({ dir: progress.workdir, remoteUrl: request.repo.cloneUrl, token: await host.getGitToken(), workBranch: started.workBranch });
  progress.workPushed = true;
  progress.files = await listChangedFiles(progress.workdir, started.prepared.baseSha, headSha);
  // A follow-up's pull request has earlier work too: what this run itself changed is said apart.
  const runFiles = await listChangedFiles(progress.workdir, started.prepared.headSha, headSha);
  runs.updateRun(run.id, { headSha });
  await recordRunDiff(deps, run.id, progress.workdir, { from: { commit: started.prepared.baseSha }, head: headSha });

  await host.deliver({ files: progress.files, ready: conclusion === "success" && (request.settings?.readyForReview ?? true) });
  runs.transitionRun(run.id, "succeeded", { detail: `${progress.files.length} files changed · ${conclusion}` });
  await host.concluded({ files: progress.files, headSha, workPushed: true, branchCreated: progress.branchCreated, runFiles });
  log.info({ runId: run.id, files: progress.files.length, conclusion }, "run delivered");
}
