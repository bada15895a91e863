import type { GitHubClient } from "../github/client.js";
import { createIssueComment } from "../github/comments.js";
import { canTriggerRuns, getRepoRole } from "../github/permissions.js";
import { cancelActiveRun, handlePreferences, publishRunsList, retryLatestRun } from "./control-runs.js";
import { decideTrigger } from "./decide-trigger.js";
import { renderInvalidCommand, renderPermissionDenied, renderUnsupported } from "./render-replies.js";
import { queueRun, type AdmitDependencies, type AdmitOutcome, type ControlContext, type Reply } from "./queue-run.js";
import { resolveRunRequest } from "./resolve-run-request.js";
import { importTaskFile } from "./import-plan.js";
import { cancelBrief, findBriefOf, retryBrief } from "./brief/control-brief.js";
import { deliverBrief, isBriefIssue } from "./brief/deliver-brief.js";
import { openSetupPullRequest } from "./setup-actions.js";
import type { DeliverParams } from "./deliver-parameters.js";
import type { TriggerEvent } from "./trigger-event.js";

/**
 * Turns a trigger (label, slash command) into what it asks for, or into a reply that says
 * why not. Runs after the webhook has been answered, so its API calls never delay GitHub.
 */
export async function admitTrigger(
  deps: AdmitDependencies,
  octokit: GitHubClient,
  event: TriggerEvent,
  /** The repository's .github/hamster.yml, parsed YAML or null (Probot's context.config). */
  readRepoConfig: () => Promise<unknown>,
): Promise<AdmitOutcome> {
  const { log } = deps;
  const repo = { owner: event.repo.owner, repo: event.repo.name };
  const login = event.sender.login;
  const reply: Reply = async (why, body) => {
    await createIssueComment(octokit, repo, event.issue.number, body);
    log.info({ delivery: event.deliveryId, why }, "trigger answered");
    return { outcome: "replied", why };
  };

  const decision = decideTrigger(event, { knownAgents: deps.knownAgents });
  if (decision.action === "ignore") return { outcome: "ignored", why: decision.why };

  const role = await (deps.getRole ?? getRepoRole)(octokit, repo, login);
  if (!canTriggerRuns(role)) return reply(`sender has ${role} access`, renderPermissionDenied(login, role));
  if (decision.action === "reject") return reply("invalid command", renderInvalidCommand(login, decision.command, decision.errors));
  if (decision.action === "unsupported") return reply("unsupported target", renderUnsupported(login, decision.message));

  const command = decision.command;
  const control = { deps, octokit, event, reply };
  switch (command.kind) {
    case "cancel": {
      const brief = findBriefOf(control, "active");
      return brief ? cancelBrief(control, brief) : cancelActiveRun(control);
    }
    case "retry": {
      const brief = findBriefOf(control, "latest");
      return brief ? retryBrief(control, brief) : retryLatestRun(control);
    }
    case "runs":
      return publishRunsList(control);
    case "prefs":
      return handlePreferences(control, command);
    case "setup":
      return openSetupPullRequest(control);
    case "import":
      return importTaskFile(control, command);
    case "deliver":
      if (command.all || (event.kind === "label" && !event.issue.isPullRequest && isBriefIssue(event))) return deliverBrief(control, command, readRepoConfig);
      return event.issue.isPullRequest
        ? startFollowUp(control, command.instructions, command.params)
        : startRun(control, command.params, command.instructions, readRepoConfig);
  }
}


async function startRun(control: ControlContext, params: DeliverParams, instructions: string, readRepoConfig: () => Promise<unknown>): Promise<AdmitOutcome> {
  const { deps, event } = control;
  const resolved = await resolveRunRequest(control, params, instructions, readRepoConfig);
  if (!resolved.ok) return resolved.outcome;
  const outcome = await queueRun(control, {
    installationId: event.installationId,
    trigger: event.kind,
    requestedBy: event.sender.login,
    deliveryId: event.deliveryId,
    request: resolved.request,
  });
  if (outcome.outcome === "queued" && resolved.warnings.length > 0) deps.runs.updateRun(outcome.run.id, { notes: resolved.warnings });
  return outcome;
}

/**
 * `/deliver` on a Hamster pull request: a new run of the same task on the PR's branch,
 * with the PR's review comments and the new instructions; the same PR is updated.
 */
async function startFollowUp(control: ControlContext, instructions: string, params: DeliverParams): Promise<AdmitOutcome> {
  const { deps, event, reply } = control;
  const original = deps.runs.findRunForPullRequest(event.repo.id, event.issue.number);
  if (!original?.workBranch) {
    return reply("not a hamster PR", renderUnsupported(event.sender.login, "This pull request was not opened by Hamster, so there is no task to follow up. Use `/deliver` on an issue."));
  }
  if (params.branch !== undefined || params.target !== undefined || params.repo !== undefined) {
    return reply("follow-up branch", renderUnsupported(event.sender.login, "A follow-up works on this pull request's own branch: leave out `branch=`, `target=` and `repo=`."));
  }
  return queueRun(control, {
    installationId: event.installationId,
    trigger: "follow_up",
    requestedBy: event.sender.login,
    deliveryId: event.deliveryId,
    followUpOf: original.id,
    workBranch: original.workBranch,
    request: {
      ...original.request,
      agent: params.agent ?? original.request.agent,
      model: params.model ?? original.request.model,
      ...(params.executor && original.request.settings ? { settings: { ...original.request.settings, executor: params.executor } } : {}),
      instructions,
      conversationNumber: event.issue.number,
      ...(event.comment ? { commentId: event.comment.id } : {}),
    },
  });
}
