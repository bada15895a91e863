import { parseRepoConfig, type RepoConfig } from "../config/repo-config.js";
import { renderSettingsUrl } from "../domain/console-paths.js";
import type { RunRequest } from "../domain/run.js";
import { branchExists } from "../github/branches.js";
import type { AdmitOutcome, ControlContext } from "./queue-run.js";
import { renderInvalidInstallationDefaults, renderInvalidRepoConfig, renderMissingBranch } from "./render-replies.js";
import { resolveRunParameters, resolveRunSettings } from "./resolve-parameters.js";
import type { DeliverParams } from "./slash-command.js";

export type ResolvedRunRequest =
  | {
      readonly ok: true;
      /** The run's request for the event's issue. */
      readonly request: RunRequest;
      /** `.github/hamster.yml`, as checked. */
      readonly config: RepoConfig;
      /** What the run should note: unknown keys in `.github/hamster.yml`. */
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly outcome: AdmitOutcome };

/**
 * What a `/deliver` (or the label) asks for, every parameter resolved: the command, then
 * the sender's preferences, `.github/hamster.yml`, the installation's defaults, the app's.
 * A broken config file, a missing branch or an unknown agent is answered, and nothing more.
 */
export async function resolveRunRequest(
  control: ControlContext,
  params: DeliverParams,
  instructions: string,
  readRepoConfig: () => Promise<unknown>,
): Promise<ResolvedRunRequest> {
  const { deps, octokit, event, reply } = control;
  const login = event.sender.login;
  const repo = { owner: event.repo.owner, repo: event.repo.name };
  const refuse = async (why: string, body: string): Promise<ResolvedRunRequest> => ({ ok: false, outcome: await reply(why, body) });
  let rawConfig: unknown;
  try {
    rawConfig = await readRepoConfig();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return refuse("unreadable config", renderInvalidRepoConfig(login, [`it could not be read: ${message}`]));
  }
  const config = parseRepoConfig(rawConfig);
  if (!config.ok) return refuse("invalid config", renderInvalidRepoConfig(login, config.errors));

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
      return refuse(`missing ${which} ${branch}`, renderMissingBranch(login, branch, fullName, which));
    }
  }
  if (!deps.knownAgents.includes(resolved.agent.value)) {
    const problem = `\`agent: ${resolved.agent.value}\` is not an agent Hamster knows (known: ${deps.knownAgents.join(", ")})`;
    return refuse(
      "unknown agent",
      resolved.agent.source === "installation" ? renderInvalidInstallationDefaults(login, [problem], renderSettingsUrl(deps.settings.publicUrl, event.installationId)) : renderInvalidRepoConfig(login, [problem]),
    );
  }
  const { setup, test, readyForReview, allowWorkflowChanges, actions } = config.config;
  const { budgets, budgetSources } = chosen;
  const executor = chosen.executor?.value;
  return {
    ok: true,
    config: config.config,
    warnings: config.warnings,
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
  };
}
