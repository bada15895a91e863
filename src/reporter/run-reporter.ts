import type { GitHubClient } from "../github/client.js";
import { createCheckRun, updateCheckRun } from "../github/check-runs.js";
import { createIssueComment, updateIssueComment } from "../github/comments.js";
import type { Run } from "../store/run.js";
import type { RunStore } from "../store/run-store.js";
import { renderCheckConclusion, renderCheckRunOutput } from "./render-check-run.js";
import { renderStatusComment } from "./render-status-comment.js";
import type { RunView } from "./run-view.js";

export function pullRequestUrl(run: Run): string | undefined {
  return run.prNumber ? `${run.request.repo.htmlUrl}/pull/${run.prNumber}` : undefined;
}

export function checkRunUrl(run: Run): string | undefined {
  return run.checkRunId ? `${run.request.repo.htmlUrl}/runs/${run.checkRunId}` : undefined;
}

export type RunReporter = ReturnType<typeof createRunReporter>;

/**
 * The only writer of a run's status comment and check run. Everything it writes is
 * rendered from the run's rows, so publishing twice is harmless.
 */
export function createRunReporter(deps: { octokit: GitHubClient; runs: RunStore; now?: () => Date }) {
  const { octokit, runs } = deps;
  const now = deps.now ?? (() => new Date());

  function buildView(runId: number, files?: readonly string[]): RunView {
    const run = runs.getRun(runId);
    const links: { pullRequest?: string; checkRun?: string } = {};
    const pr = pullRequestUrl(run);
    const check = checkRunUrl(run);
    if (pr) links.pullRequest = pr;
    if (check) links.checkRun = check;
    return { run, transitions: runs.listTransitions(runId), now: now(), links, ...(files ? { files } : {}) };
  }

  function repoOf(run: Run) {
    return { owner: run.repoOwner, repo: run.repoName };
  }

  /** Creates the run's status comment the first time, then edits it in place. */
  async function publishStatusComment(runId: number, files?: readonly string[]): Promise<void> {
    const view = buildView(runId, files);
    const body = renderStatusComment(view);
    if (view.run.statusCommentId) {
      await updateIssueComment(octokit, repoOf(view.run), view.run.statusCommentId, body);
    } else {
      const comment = await createIssueComment(octokit, repoOf(view.run), view.run.issueNumber, body);
      runs.updateRun(runId, { statusCommentId: comment.id });
    }
  }

  /** Updates the run's current check run (if it has one), concluding it when the run has ended. */
  async function publishCheckRun(runId: number, files?: readonly string[]): Promise<void> {
    const view = buildView(runId, files);
    if (!view.run.checkRunId) return;
    const conclusion = renderCheckConclusion(view.run);
    await updateCheckRun(octokit, repoOf(view.run), view.run.checkRunId, {
      output: renderCheckRunOutput(view),
      ...(conclusion ? { conclusion } : {}),
    });
  }

  /** Opens a new `Hamster` check run on `headSha` for the run and makes it the run's current one. */
  async function startCheckRun(runId: number, headSha: string, files?: readonly string[]): Promise<number> {
    const view = buildView(runId, files);
    const conclusion = renderCheckConclusion(view.run);
    const check = await createCheckRun(octokit, repoOf(view.run), {
      headSha,
      output: renderCheckRunOutput(view),
      externalId: String(runId),
      ...(conclusion ? { conclusion } : {}),
    });
    runs.updateRun(runId, { checkRunId: check.id });
    return check.id;
  }

  async function publish(runId: number, files?: readonly string[]): Promise<void> {
    await publishCheckRun(runId, files);
    await publishStatusComment(runId, files);
  }

  return { buildView, publish, publishStatusComment, publishCheckRun, startCheckRun };
}
