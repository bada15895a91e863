import type { GitHubClient } from "../github/client.js";
import { createCheckRun, updateCheckRun } from "../github/check-runs.js";
import { createIssueComment, findIssueComment, updateIssueComment } from "../github/comments.js";
import { findIssueRepository, type Run } from "../domain/run.js";
import type { RunEventStore } from "../store/run-event-store.js";
import type { RunStore } from "../store/run-store.js";
import { renderCheckActions, renderCheckConclusion, renderCheckRunOutput } from "./render-check-run.js";
import { parseStatusMarker, renderStatusComment } from "./render-status-comment.js";
import type { RunView } from "./run-view.js";

export function pullRequestUrl(run: Run): string | undefined {
  return run.prNumber ? `${run.request.repo.htmlUrl}/pull/${run.prNumber}` : undefined;
}

export function checkRunUrl(run: Run): string | undefined {
  return run.checkRunId ? `${run.request.repo.htmlUrl}/runs/${run.checkRunId}` : undefined;
}

export type RunReporter = ReturnType<typeof createRunReporter>;

/** The newest events the check run shows (its text also holds the plan, criteria and files). */
const ACTIVITY_EVENTS = 60;

/**
 * A status comment is looked for among the comments updated since the run was created, less
 * this much: GitHub's clock and the app's may differ.
 */
const CLOCK_SKEW_MARGIN_MS = 60 * 60_000;

/** GitHub's `since`: ISO 8601 in whole seconds. */
function renderSince(createdAt: string): string {
  return new Date(Date.parse(createdAt) - CLOCK_SKEW_MARGIN_MS).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The only writer of a run's status comment and check run. Everything it writes is
 * rendered from the run's rows, so publishing twice is harmless; a rendering identical to
 * the last one this reporter sent to the same check run or comment is not sent again
 * (live progress often re-renders the same text, and every write counts against
 * GitHub's content-creation limits).
 */
export function createRunReporter(deps: {
  octokit: GitHubClient;
  runs: RunStore;
  /** The run's page in the web console (renderRunPageUrl): the check run's details link and the status comment's. */
  runPageUrl?: (runId: number) => string | undefined;
  /** The run event log, shown as the check run's activity; absent: no activity section. */
  events?: Pick<RunEventStore, "listRecentRunEvents" | "getRunEventTotals">;
  now?: () => Date;
}) {
  const { octokit, runs, events } = deps;
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
    const detailsUrl = view.links?.runPage;
    return { output: renderCheckRunOutput(view), actions: renderCheckActions(view.run), ...(conclusion ? { conclusion } : {}), ...(detailsUrl ? { detailsUrl } : {}) };
  }

  function buildView(runId: number, files?: readonly string[]): RunView {
    const run = runs.getRun(runId);
    const links: { pullRequest?: string; checkRun?: string; runPage?: string } = {};
    const pr = pullRequestUrl(run);
    const check = checkRunUrl(run);
    const page = deps.runPageUrl?.(runId);
    if (pr) links.pullRequest = pr;
    if (check) links.checkRun = check;
    if (page) links.runPage = page;
    const activity = events ? { events: events.listRecentRunEvents(runId, ACTIVITY_EVENTS), modelCalls: events.getRunEventTotals(runId).modelCalls } : undefined;
    return { run, transitions: runs.listTransitions(runId), now: now(), links, ...(files ? { files } : {}), ...(activity ? { activity } : {}) };
  }

  function repoOf(run: Run) {
    return { owner: run.repoOwner, repo: run.repoName };
  }

  /** A follow-up reports on the pull request it was asked on; other runs on their issue. */
  function conversationOf(run: Run): number {
    return run.request.conversationNumber ?? run.issueNumber;
  }

  /** Where that conversation is: the pull request's repository (the code's), or the issue's. */
  function conversationRepoOf(run: Run) {
    if (run.request.conversationNumber !== undefined) return repoOf(run);
    const issueRepo = findIssueRepository(run.request);
    return { owner: issueRepo.owner, repo: issueRepo.name };
  }

  /**
   * Edits the run's status comment in place. Without a stored id, the comment may exist all
   * the same (the app stopped after GitHub created it and before its id was stored): it is
   * looked for by its marker first, and adopted, so a run never gets a second one.
   */
  async function publishStatusComment(runId: number, files?: readonly string[]): Promise<void> {
    const view = buildView(runId, files);
    const body = renderStatusComment(view);
    const commentId = view.run.statusCommentId ?? (await adoptStatusComment(view.run));
    if (!commentId) return postStatusComment(view.run, body);
    await sendIfChanged(`comment:${commentId}`, body, () => updateIssueComment(octokit, conversationRepoOf(view.run), commentId, body));
  }

  /**
   * Posts the status comment of a run recorded just now, by the caller: no comment of it can
   * exist yet, so GitHub is not searched.
   */
  async function createStatusComment(runId: number): Promise<void> {
    const view = buildView(runId);
    if (view.run.statusCommentId) return publishStatusComment(runId);
    await postStatusComment(view.run, renderStatusComment(view));
  }

  async function postStatusComment(run: Run, body: string): Promise<void> {
    const comment = await createIssueComment(octokit, conversationRepoOf(run), conversationOf(run), body);
    lastSent.set(`comment:${comment.id}`, body);
    runs.updateRun(run.id, { statusCommentId: comment.id });
  }

  /**
   * Finds the app's comment that starts with the run's status marker, among those since the
   * run was created, and makes it the run's: its id stored, its text what it last got.
   */
  async function adoptStatusComment(run: Run): Promise<number | null> {
    const found = await findIssueComment(octokit, conversationRepoOf(run), conversationOf(run), {
      since: renderSince(run.createdAt),
      matches: (c) => c.authorType === "Bot" && parseStatusMarker(c.body) === run.id,
    });
    if (!found) return null;
    runs.updateRun(run.id, { statusCommentId: found.id });
    lastSent.set(`comment:${found.id}`, found.body);
    return found.id;
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

  return { buildView, publish, publishStatusComment, createStatusComment, publishCheckRun, startCheckRun };
}
