import type { GitHubClient } from "../github/client.js";
import { createCheckRun, updateCheckRun } from "../github/check-runs.js";
import { createIssueComment, updateIssueComment } from "../github/comments.js";
import type { Run } from "../store/run.js";
import type { RunStore } from "../store/run-store.js";
import { renderCheckActions, renderCheckConclusion, renderCheckRunOutput } from "./render-check-run.js";
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
 * rendered from the run's rows, so publishing twice is harmless; a rendering identical to
 * the last one this reporter sent to the same check run or comment is not sent again
 * (live progress often re-renders the same text, and every write counts against
 * GitHub's content-creation limits).
 */
export function createRunReporter(deps: { octokit: GitHubClient; runs: RunStore; now?: () => Date }) {
  const { octokit, runs } = deps;
  const now = deps.now ?? (() => new Date());
  /** The last payload sent (or being sent) to each target: `check-run:<id>`, `comment:<id>`. */
  const lastSent = new Map<string, string>();

  /** Sends unless `payload` is what the target last got from this reporter; a failed send is forgotten. */
  async function sendIfChanged(target: string, payload: string, send: () => Promise<unknown>): Promise<void> {
    if (lastSent.get(target) === payload) return;
    lastSent.set(target, payload);
    try {
      await send();
    } catch (error) {
      if (lastSent.get(target) === payload) lastSent.delete(target);
      throw error;
    }
  }

  /** What a check run shows for the view; creating and updating send the same, so it is compared as a whole. */
  function renderCheckState(view: RunView) {
    const conclusion = renderCheckConclusion(view.run);
    return { output: renderCheckRunOutput(view), actions: renderCheckActions(view.run), ...(conclusion ? { conclusion } : {}) };
  }

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
    const commentId = view.run.statusCommentId;
    if (commentId) {
      await sendIfChanged(`comment:${commentId}`, body, () => updateIssueComment(octokit, repoOf(view.run), commentId, body));
    } else {
      // A follow-up reports on the pull request it was asked on; other runs on their issue.
      const conversation = view.run.request.conversationNumber ?? view.run.issueNumber;
      const comment = await createIssueComment(octokit, repoOf(view.run), conversation, body);
      lastSent.set(`comment:${comment.id}`, body);
      runs.updateRun(runId, { statusCommentId: comment.id });
    }
  }

  /** Updates the run's current check run (if it has one), concluding it when the run has ended. */
  async function publishCheckRun(runId: number, files?: readonly string[]): Promise<void> {
    const view = buildView(runId, files);
    const checkRunId = view.run.checkRunId;
    if (!checkRunId) return;
    const state = renderCheckState(view);
    await sendIfChanged(`check-run:${checkRunId}`, JSON.stringify(state), () => updateCheckRun(octokit, repoOf(view.run), checkRunId, state));
  }

  /** Opens a new `Hamster` check run on `headSha` for the run and makes it the run's current one. */
  async function startCheckRun(runId: number, headSha: string, files?: readonly string[]): Promise<number> {
    const view = buildView(runId, files);
    const state = renderCheckState(view);
    const check = await createCheckRun(octokit, repoOf(view.run), { headSha, externalId: String(runId), ...state });
    lastSent.set(`check-run:${check.id}`, JSON.stringify(state));
    runs.updateRun(runId, { checkRunId: check.id });
    return check.id;
  }

  async function publish(runId: number, files?: readonly string[]): Promise<void> {
    await publishCheckRun(runId, files);
    await publishStatusComment(runId, files);
  }

  return { buildView, publish, publishStatusComment, publishCheckRun, startCheckRun };
}
