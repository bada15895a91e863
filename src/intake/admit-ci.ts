import { parseRepoConfig } from "../config/repo-config.js";
import type { Run, RunRequest } from "../domain/run.js";
import type { GitHubClient, RepoRef } from "../github/client.js";
import { createIssueComment } from "../github/comments.js";
import { getPullRequestHead } from "../github/pull-requests.js";
import { getJobLog, listCheckAnnotations, listCommitCheckRuns, type CommitCheckRun } from "../github/repo-checks.js";
import type { PullRequestTriggerStore } from "../store/pull-request-trigger-store.js";
import { createPullRequestControl } from "./admit-review.js";
import { findOpeningRun } from "./find-opening-run.js";
import type { CiEvent } from "./ci-event.js";
import { buildFailureSignature, MAX_ANNOTATIONS, MAX_FAILING_CHECKS, summarizeChecks, tailLog, type FailingCheck } from "./ci-failures.js";
import { queueRun, type AdmitDependencies, type AdmitOutcome } from "./queue-run.js";
import { renderCiFixStopped, renderCiTask } from "./render-follow-up-task.js";

export interface CiDependencies extends AdmitDependencies {
  readonly triggers: PullRequestTriggerStore;
}

/** A Hamster pull request whose head commit's checks are to be looked at. */
export interface CiTarget {
  readonly installationId: number;
  /** The webhook that led here; null when a run's end did. */
  readonly deliveryId: string | null;
  readonly repo: RunRequest["repo"];
  readonly pullNumber: number;
  /** The commit the event was about: the pull request's head must still be it. */
  readonly headSha?: string;
}

interface CiContext {
  readonly deps: CiDependencies;
  readonly octokit: GitHubClient;
  /** The app's own id: its check runs (the Hamster check) are not the repository's CI. */
  readonly ownAppId: number;
  /** The repository's .github/hamster.yml, parsed YAML or null. */
  readonly readRepoConfig: () => Promise<unknown>;
}

/** A check run, check suite or workflow run finished: each Hamster pull request on the commit is looked at. */
export async function admitCiEvent(context: CiContext, event: CiEvent): Promise<AdmitOutcome[]> {
  const numbers = new Set(event.pullNumbers);
  // GitHub may not link a commit to its pull request (a workflow run of a push): the branch does.
  if (numbers.size === 0 && event.headBranch !== null) {
    const run = context.deps.runs.findRunForWorkBranch(event.repo.id, event.headBranch);
    if (run?.prNumber) numbers.add(run.prNumber);
  }
  const outcomes: AdmitOutcome[] = [];
  for (const pullNumber of numbers) {
    outcomes.push(await evaluatePullRequestChecks(context, { installationId: event.installationId, deliveryId: event.deliveryId, repo: event.repo, pullNumber, headSha: event.headSha }));
  }
  return outcomes;
}

/**
 * Starts a follow-up that fixes the pull request's failing checks, once every check on its
 * head commit has finished and some failed. One per head commit (the database decides, however
 * many events arrive at once), `ci_fix.attempts` per pull request at most, and none after a fix
 * that left the same checks failing the same way: then, and when the attempts are spent, the
 * pull request says so. While a run of the task is active the failure waits for it to end.
 */
export async function evaluatePullRequestChecks(context: CiContext, target: CiTarget): Promise<AdmitOutcome> {
  const { deps, octokit } = context;
  const ignored = (why: string): AdmitOutcome => ({ outcome: "ignored", why });
  const original = deps.runs.findRunForPullRequest(target.repo.id, target.pullNumber);
  if (!original?.workBranch) return ignored("not a Hamster pull request");
  const repo: RepoRef = { owner: target.repo.owner, repo: target.repo.name };
  const pull = await getPullRequestHead(octokit, repo, target.pullNumber);
  if (!pull.open || pull.headRef !== original.workBranch) return ignored("pull request closed, or not on Hamster's branch");
  if (target.headSha !== undefined && pull.headSha !== target.headSha) return ignored("the pull request has moved on to a newer commit");
  const active = deps.runs.findActiveRun(target.repo.id, original.issueNumber);
  if (active) {
    deps.triggers.noteCiWait(target.repo.id, target.pullNumber);
    return ignored(`waits for run #${active.id} to end`);
  }

  const checks = (await listCommitCheckRuns(octokit, repo, pull.headSha)).filter((c) => c.appId !== context.ownAppId);
  const state = summarizeChecks(checks);
  if (state.state !== "failing") return ignored(state.state === "pending" ? `checks still running: ${state.pending.join(", ")}` : "checks pass");
  const config = parseRepoConfig(await context.readRepoConfig());
  if (!config.ok) return ignored("invalid .github/hamster.yml");
  const { enabled, attempts: maxAttempts } = config.config.ciFix;
  if (!enabled || maxAttempts === 0) return ignored("ci_fix is off");
  if (!deps.triggers.claimTrigger(target.repo.id, target.pullNumber, "ci", pull.headSha)) return ignored(`checks of ${pull.headSha} already handled`);

  try {
    return await decideCiFix(context, target, original, pull.headSha, state.failing, maxAttempts);
  } catch (error) {
    // Nothing was decided: the next event about the commit may try again.
    deps.triggers.releaseTrigger(target.repo.id, target.pullNumber, "ci", pull.headSha);
    throw error;
  }
}

async function decideCiFix(context: CiContext, target: CiTarget, original: Run, headSha: string, failingRuns: readonly CommitCheckRun[], maxAttempts: number): Promise<AdmitOutcome> {
  const { deps, octokit } = context;
  const repo: RepoRef = { owner: target.repo.owner, repo: target.repo.name };
  const failing = await readFailingChecks(octokit, repo, failingRuns.slice(0, MAX_FAILING_CHECKS));
  const signature = buildFailureSignature(failing);
  const history = deps.triggers.listCiAttempts(target.repo.id, target.pullNumber).filter((a) => a.headSha !== headSha);
  const started = history.filter((a) => a.outcome === "started");
  const alreadySaid = history.some((a) => a.outcome === "exhausted" || a.outcome === "no_progress");
  const names = failingRuns.map((c) => c.name);
  const stop = async (why: "exhausted" | "no_progress"): Promise<AdmitOutcome> => {
    deps.triggers.recordCiOutcome(target.repo.id, target.pullNumber, headSha, { outcome: why, signature });
    if (alreadySaid) return { outcome: "ignored", why: `${why}, said already` };
    const lastRunId = started.at(-1)?.runId ?? null;
    await createIssueComment(octokit, repo, target.pullNumber, renderCiFixStopped({ why, attempts: started.length, lastRunId, failing: names }));
    deps.log.info({ pr: target.pullNumber, headSha, why }, "CI fixes stopped");
    return { outcome: "replied", why };
  };
  if (started.length >= maxAttempts) return stop("exhausted");
  if (started.at(-1)?.signature === signature) return stop("no_progress");

  const opening = findOpeningRun(deps, original);
  const instructions = renderCiTask({
    pullNumber: target.pullNumber,
    headSha,
    failing,
    moreFailing: names.slice(MAX_FAILING_CHECKS),
    attempt: started.length + 1,
    maxAttempts,
    originalInstructions: opening.request.instructions,
  });
  const { commentId: _comment, reviewThreads: _threads, ...request } = original.request;
  const control = createPullRequestControl(deps, octokit, {
    deliveryId: target.deliveryId ?? "",
    installationId: target.installationId,
    sender: { id: 0, login: opening.requestedBy, isBot: false },
    repo: target.repo,
    pull: { number: target.pullNumber, title: request.issue.title, htmlUrl: `${target.repo.htmlUrl}/pull/${target.pullNumber}`, headRef: original.workBranch!, headSha, author: "" },
  });
  const outcome = await queueRun(control, {
    installationId: target.installationId,
    trigger: "ci",
    // The person the pull request is for; the checks themselves are no one's request.
    requestedBy: opening.requestedBy,
    deliveryId: target.deliveryId,
    followUpOf: original.id,
    workBranch: original.workBranch!,
    request: { ...request, instructions, conversationNumber: target.pullNumber },
  });
  if (outcome.outcome === "queued") {
    deps.triggers.recordCiOutcome(target.repo.id, target.pullNumber, headSha, { outcome: "started", signature, runId: outcome.run.id });
  } else {
    deps.triggers.recordCiOutcome(target.repo.id, target.pullNumber, headSha, { outcome: "refused", signature });
  }
  deps.log.info({ pr: target.pullNumber, headSha, failing: names, outcome: outcome.outcome }, "CI fix admitted");
  return outcome;
}

/** What a follow-up reads about each failing check: its output, annotations, and the end of its log. */
async function readFailingChecks(octokit: GitHubClient, repo: RepoRef, runs: readonly CommitCheckRun[]): Promise<FailingCheck[]> {
  const failing: FailingCheck[] = [];
  for (const run of runs) {
    const annotations = run.annotationsCount > 0 ? await listCheckAnnotations(octokit, repo, run.id, MAX_ANNOTATIONS) : [];
    // An Actions job's check run id is its job id.
    const log = run.appSlug === "github-actions" ? await getJobLog(octokit, repo, run.id) : null;
    failing.push({
      name: run.name,
      conclusion: run.conclusion ?? "failure",
      htmlUrl: run.htmlUrl,
      title: run.title,
      summary: run.summary,
      annotations,
      logTail: log === null ? null : tailLog(log),
    });
  }
  return failing;
}
