import { parseRepoConfig } from "../config/repo-config.js";
import { renderSettingsUrl } from "../domain/console-paths.js";
import { branchExists } from "../github/branches.js";
import type { GitHubClient } from "../github/client.js";
import { createIssueComment } from "../github/comments.js";
import { canTriggerRuns, getRepoRole } from "../github/permissions.js";
import { cancelActiveRun, handlePreferences, publishRunsList, retryLatestRun } from "./control-runs.js";
import { decideTrigger } from "./decide-trigger.js";
import {
  renderInvalidCommand,
  renderInvalidInstallationDefaults,
  renderInvalidRepoConfig,
  renderMissingBranch,
  renderPermissionDenied,
  renderUnsupported,
} from "./render-replies.js";
import { queueRun, type AdmitDependencies, type AdmitOutcome, type ControlContext, type Reply } from "./queue-run.js";
import { resolveRunParameters, resolveRunSettings } from "./resolve-parameters.js";
import { importTaskFile } from "./import-plan.js";
import { openSetupPullRequest } from "./setup-actions.js";
import type { DeliverParams } from "./slash-command.js";
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
    case "cancel":
      return cancelActiveRun(control);
    case "retry":
      return retryLatestRun(control);
    case "runs":
      return publishRunsList(control);
    case "prefs":
      return handlePreferences(control, command);
    case "setup":
      return openSetupPullRequest(control);
    case "import":
      return importTaskFile(control, command);
    case "deliver":
      return event.issue.isPullRequest
        ? startFollowUp(control, command.instructions, command.params)
        : startRun(control, command.params, command.instructions, readRepoConfig);
  }
}


async function startRun(control: ControlContext, params: DeliverParams, instructions: string, readRepoConfig: () => Promise<unknown>): Promise<AdmitOutcome> {
  const { deps, octokit, event, reply } = control;
  const login = event.sender.login;
  const repo = { owner: event.repo.owner, repo: event.repo.name };
  let rawConfig: unknown;
  try {
    rawConfig = await readRepoConfig();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return reply("unreadable config", renderInvalidRepoConfig(login, [`it could not be read: ${message}`]));
  }
  const config = parseRepoConfig(rawConfig);
  if (!config.ok) return reply("invalid config", renderInvalidRepoConfig(login, config.errors));

  const installation = deps.installationDefaults.getDefaults(event.installationId);
  const resolved = resolveRunParameters({
    command: params,
    preferences: deps.preferences.getPreferences(event.installationId, event.sender.id),
    repository: config.config,
    installation,
    defaults: { branch: event.repo.defaultBranch, agent: "claude", model: deps.settings.defaultModel },
  });
  const chosen = resolveRunSettings({ command: params, repository: config.config, installation });
  const fullName = `${event.repo.owner}/${event.repo.name}`;
  for (const which of ["branch", "target"] as const) {
    const branch = resolved[which].value;
    if (branch !== event.repo.defaultBranch && !(await branchExists(octokit, repo, branch))) {
      return reply(`missing ${which} ${branch}`, renderMissingBranch(login, branch, fullName, which));
    }
  }
  if (!deps.knownAgents.includes(resolved.agent.value)) {
    const problem = `\`agent: ${resolved.agent.value}\` is not an agent Hamster knows (known: ${deps.knownAgents.join(", ")})`;
    return reply(
      "unknown agent",
      resolved.agent.source === "installation" ? renderInvalidInstallationDefaults(login, [problem], renderSettingsUrl(deps.settings.publicUrl, event.installationId)) : renderInvalidRepoConfig(login, [problem]),
    );
  }
  const { setup, test, readyForReview, allowWorkflowChanges, actions } = config.config;
  const { budgets, budgetSources } = chosen;
  const executor = chosen.executor?.value;
  const outcome = await queueRun(control, {
    installationId: event.installationId,
    trigger: event.kind,
    requestedBy: login,
    deliveryId: event.deliveryId,
    request: {
      repo: event.repo,
      issue: { number: event.issue.number, title: event.issue.title, body: event.issue.body, author: event.issue.author, htmlUrl: event.issue.htmlUrl },
      baseBranch: resolved.branch.value,
      targetBranch: resolved.target.value,
      agent: resolved.agent.value,
      model: resolved.model.value,
      instructions,
      ...(event.comment ? { commentId: event.comment.id } : {}),
      settings: { setup, ...(test !== undefined ? { test } : {}), budgets, readyForReview, allowWorkflowChanges, ...(executor ? { executor } : {}), actions },
      ...(event.issue.milestone ? { milestone: event.issue.milestone } : {}),
      parameterSources: {
        branch: resolved.branch.source,
        target: resolved.target.source,
        agent: resolved.agent.source,
        model: resolved.model.source,
        ...(chosen.executor ? { executor: chosen.executor.source } : {}),
        budgets: budgetSources,
      },
    },
  });
  if (outcome.outcome === "queued" && config.warnings.length > 0) deps.runs.updateRun(outcome.run.id, { notes: config.warnings });
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
  if (params.branch !== undefined || params.target !== undefined) {
    return reply("follow-up branch", renderUnsupported(event.sender.login, "A follow-up works on this pull request's own branch: leave out `branch=` and `target=`."));
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
