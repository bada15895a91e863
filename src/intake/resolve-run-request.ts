import { parseRepoConfig, type RepoConfig } from "../config/repo-config.js";
import { renderSettingsUrl } from "../domain/console-paths.js";
import type { IssueRepository, RunRequest } from "../domain/run.js";
import { REPO_CONFIG_PATH } from "../config/repo-config.js";
import { readConfigFile } from "../github/contents.js";
import { canTriggerRuns, getRepoRole } from "../github/permissions.js";
import { getRepository } from "../github/repositories.js";
import { isSameRepository } from "../task/plan/issue-references.js";
import { branchExists } from "../github/branches.js";
import type { AdmitOutcome, ControlContext } from "./queue-run.js";
import { renderInvalidInstallationDefaults, renderInvalidRepoConfig, renderMissingBranch, renderUnsupported } from "./render-replies.js";
import { resolveRunParameters, resolveRunSettings } from "./resolve-parameters.js";
import type { DeliverParams } from "./deliver-parameters.js";

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
  const refuse = async (why: string, body: string): Promise<ResolvedRunRequest> => ({ ok: false, outcome: await reply(why, body) });
  const code = await findCodeRepository(control, params.repo);
  if (!code.ok) return refuse(code.why, code.reply);
  const codeRepo = code.repo;
  const repo = { owner: codeRepo.owner, repo: codeRepo.name };
  let rawConfig: unknown;
  try {
    // The code's repository says how its code is set up and tested.
    rawConfig = code.issueRepo ? await readConfigFile(octokit, repo, REPO_CONFIG_PATH) : await readRepoConfig();
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
    defaults: { branch: codeRepo.defaultBranch, agent: "claude", model: deps.settings.defaultModel },
  });
  const chosen = resolveRunSettings({ command: params, repository: config.config, installation });
  const fullName = `${codeRepo.owner}/${codeRepo.name}`;
  for (const which of ["branch", "target"] as const) {
    const branch = resolved[which].value;
    if (branch !== codeRepo.defaultBranch && !(await branchExists(octokit, repo, branch))) {
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
      repo: codeRepo,
      ...(code.issueRepo ? { issueRepo: code.issueRepo } : {}),
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

type CodeRepository =
  | { readonly ok: true; readonly repo: RunRequest["repo"]; readonly issueRepo?: IssueRepository }
  | { readonly ok: false; readonly why: string; readonly reply: string };

/**
 * Where the code is: the issue's own repository, or `repo=owner/name`, a repository the
 * installation can see and where the sender may start runs too. Then the issue's
 * repository is recorded apart: its comments and replies stay there.
 */
async function findCodeRepository(control: ControlContext, name: string | undefined): Promise<CodeRepository> {
  const { deps, octokit, event } = control;
  const login = event.sender.login;
  if (name === undefined) return { ok: true, repo: event.repo };
  const [owner = "", repoName = ""] = name.split("/");
  if (isSameRepository({ owner, repo: repoName }, { owner: event.repo.owner, repo: event.repo.name })) return { ok: true, repo: event.repo };
  const repo = await getRepository(octokit, { owner, repo: repoName });
  if (!repo) return { ok: false, why: `unknown repo ${name}`, reply: renderUnsupported(login, `Hamster cannot reach \`${name}\`: it does not exist, or this app is not installed on it. Install the app there too, or leave out \`repo=\`.`) };
  const role = await (deps.getRole ?? getRepoRole)(octokit, { owner: repo.owner, repo: repo.name }, login);
  if (!canTriggerRuns(role)) {
    return { ok: false, why: `sender has ${role} access to ${name}`, reply: renderUnsupported(login, `Only people with write access to \`${repo.owner}/${repo.name}\`, where the code is, can start runs there (your access: ${role}).`) };
  }
  return { ok: true, repo, issueRepo: { id: event.repo.id, owner: event.repo.owner, name: event.repo.name, htmlUrl: event.repo.htmlUrl } };
}
