import type { GitHubClient } from "../github/client.js";
import { createIssueComment, updateIssueComment } from "../github/comments.js";
import { canTriggerRuns, getRepoRole } from "../github/permissions.js";
import { renderRunsComment, parseRunsMarker } from "../reporter/render-runs.js";
import { renderRunPageUrl } from "../reporter/run-page-link.js";
import { createRunReporter } from "../reporter/run-reporter.js";
import { isFinalState } from "../domain/run-state.js";
import { findIssueRepository, type Run } from "../domain/run.js";
import { queueRun, type AdmitDependencies, type AdmitOutcome, type ControlContext } from "./queue-run.js";
import { renderPreferences } from "./render-replies.js";
import type { SlashCommand } from "./slash-command.js";
import type { CheckRunEvent } from "./trigger-event.js";

/** The task a comment is about: the issue itself, or the issue behind a Hamster pull request. */
function findTaskRuns(deps: AdmitDependencies, repoId: number, number: number, isPullRequest: boolean): Run[] {
  if (!isPullRequest) return deps.runs.listRunsForTask(repoId, number);
  const run = deps.runs.findRunForPullRequest(repoId, number);
  return run ? deps.runs.listRunsForTask(repoId, run.issueNumber) : [];
}

/**
 * Stops a run on behalf of `by`. A queued run ends at once; an executing one is aborted
 * (its model call and command too) and ends as cancelled with its work pushed.
 */
export async function cancelRun(deps: AdmitDependencies, octokit: GitHubClient, run: Run, by: string): Promise<void> {
  deps.runs.updateRun(run.id, { cancelledBy: by });
  if (deps.abort(run.id, { kind: "cancel", by }) === "executing") return;
  // Waiting for a worker slot (it will not start now), or orphaned: end it here, at once.
  deps.runs.transitionRun(run.id, "cancelled", { reason: `Cancelled by @${by}.`, detail: `cancelled by @${by}` });
  await createRunReporter({ octokit, runs: deps.runs, runPageUrl: (id) => renderRunPageUrl(deps.settings, id) }).publish(run.id);
}

export async function cancelActiveRun(control: ControlContext): Promise<AdmitOutcome> {
  const { deps, octokit, event, reply } = control;
  const active = findTaskRuns(deps, event.repo.id, event.issue.number, event.issue.isPullRequest).find((r) => !isFinalState(r.state));
  if (!active) return reply("nothing to cancel", `@${event.sender.login} There is no active Hamster run for this task.`);
  await cancelRun(deps, octokit, active, event.sender.login);
  return { outcome: "replied", why: `cancelled run #${active.id}` };
}

/** A new run of the same task with the same parameters, started by `by`. */
export function buildRetry(previous: Run, by: string, deliveryId: string | null) {
  return {
    installationId: previous.installationId,
    trigger: "retry" as const,
    requestedBy: by,
    deliveryId,
    request: previous.request,
    ...(previous.followUpOf !== null ? { followUpOf: previous.followUpOf } : {}),
    // A follow-up's retry continues on the pull request's branch.
    ...(previous.followUpOf !== null && previous.workBranch ? { workBranch: previous.workBranch } : {}),
  };
}

export async function retryLatestRun(control: ControlContext): Promise<AdmitOutcome> {
  const { deps, event, reply } = control;
  const latest = findTaskRuns(deps, event.repo.id, event.issue.number, event.issue.isPullRequest).at(-1);
  if (!latest) return reply("nothing to retry", `@${event.sender.login} This task has no Hamster run to retry yet. Comment \`/deliver\` to start one.`);
  return queueRun(control, buildRetry(latest, event.sender.login, event.deliveryId));
}

/** `/runs`: the task's history in one comment, edited in place on every request. */
export async function publishRunsList(control: ControlContext): Promise<AdmitOutcome> {
  const { deps, octokit, event } = control;
  const repo = { owner: event.repo.owner, repo: event.repo.name };
  const runs = findTaskRuns(deps, event.repo.id, event.issue.number, event.issue.isPullRequest);
  const body = renderRunsComment({ issueNumber: event.issue.number, runs, now: new Date() });
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: event.issue.number, per_page: 100 });
  const existing = comments.find((c) => c.user?.type === "Bot" && c.body && parseRunsMarker(c.body) === event.issue.number);
  if (existing) await updateIssueComment(octokit, repo, existing.id, body);
  else await createIssueComment(octokit, repo, event.issue.number, body);
  return { outcome: "replied", why: "runs listed" };
}

export async function handlePreferences(control: ControlContext, command: Extract<SlashCommand, { kind: "prefs" }>): Promise<AdmitOutcome> {
  const { deps, event, reply } = control;
  const user = { id: event.sender.id, login: event.sender.login };
  if (command.action === "set") {
    const saved = deps.preferences.setPreferences(event.installationId, user, command.values);
    return reply("prefs set", renderPreferences(user.login, saved, "saved"));
  }
  if (command.action === "reset") {
    deps.preferences.resetPreferences(event.installationId, user.id);
    return reply("prefs reset", renderPreferences(user.login, null, "reset"));
  }
  return reply("prefs shown", renderPreferences(user.login, deps.preferences.getPreferences(event.installationId, user.id), "show"));
}

/**
 * The check run's Cancel and Retry buttons, and GitHub's "Re-run": the same controls as the
 * commands, for people with write access. Others' clicks are refused and logged.
 */
export async function handleCheckRunEvent(deps: AdmitDependencies, octokit: GitHubClient, event: CheckRunEvent): Promise<AdmitOutcome> {
  if (event.sender.isBot) return { outcome: "ignored", why: "bot" };
  let run: Run;
  try {
    run = deps.runs.getRun(event.runId);
  } catch {
    return { outcome: "ignored", why: `no run #${event.runId}` };
  }
  if (run.repoId !== event.repoId) return { outcome: "ignored", why: "run of another repository" };
  const repo = { owner: run.repoOwner, repo: run.repoName };
  const role = await (deps.getRole ?? getRepoRole)(octokit, repo, event.sender.login);
  if (!canTriggerRuns(role)) {
    deps.log.warn({ runId: run.id, sender: event.sender.login, role, action: event.action }, "check run button refused: no write access");
    return { outcome: "ignored", why: `sender has ${role} access` };
  }
  const conversation = run.request.conversationNumber ?? run.issueNumber;
  // A task's conversation is its issue, in the issue's repository when the code is in another.
  const issueRepo = findIssueRepository(run.request);
  const conversationRepo = run.request.conversationNumber !== undefined ? repo : { owner: issueRepo.owner, repo: issueRepo.name };
  const reply = async (why: string, body: string): Promise<AdmitOutcome> => {
    await createIssueComment(octokit, conversationRepo, conversation, body);
    return { outcome: "replied", why };
  };
  if (event.action === "cancel") {
    if (isFinalState(run.state)) return { outcome: "ignored", why: "run already ended" };
    await cancelRun(deps, octokit, run, event.sender.login);
    return { outcome: "replied", why: `cancelled run #${run.id}` };
  }
  const control: ControlContext = {
    deps,
    octokit,
    reply,
    event: {
      kind: "comment",
      deliveryId: event.deliveryId,
      installationId: run.installationId,
      sender: event.sender,
      repo: run.request.repo,
      issue: { ...run.request.issue, number: conversation, isPullRequest: conversation !== run.issueNumber, milestone: run.request.milestone ?? null },
    },
  };
  return queueRun(control, buildRetry(run, event.sender.login, event.deliveryId));
}
