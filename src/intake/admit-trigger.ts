import type { Logger } from "probot";
import type { AppSettings } from "../config/env.js";
import { branchExists } from "../github/branches.js";
import type { GitHubClient } from "../github/client.js";
import { addEyesReaction, createIssueComment } from "../github/comments.js";
import { canTriggerRuns, getRepoRole } from "../github/permissions.js";
import { createRunReporter } from "../reporter/run-reporter.js";
import { ActiveRunExistsError, type RunStore } from "../store/run-store.js";
import type { Run } from "../store/run.js";
import { parseRepoConfig, REPO_CONFIG_PATH } from "../config/repo-config.js";
import { decideTrigger } from "./decide-trigger.js";
import {
  renderActiveRunExists,
  renderInvalidCommand,
  renderInvalidRepoConfig,
  renderMissingBranch,
  renderPermissionDenied,
  renderUnsupported,
} from "./render-replies.js";
import type { TriggerEvent } from "./trigger-event.js";

export interface AdmitDependencies {
  readonly runs: RunStore;
  readonly settings: AppSettings;
  readonly log: Logger;
  readonly knownAgents: readonly string[];
  enqueue(runId: number): void;
}

export type AdmitOutcome =
  | { readonly outcome: "ignored"; readonly why: string }
  | { readonly outcome: "replied"; readonly why: string }
  | { readonly outcome: "queued"; readonly run: Run };

export function statusCommentUrl(run: Run): string | undefined {
  return run.statusCommentId ? `${run.request.issue.htmlUrl}#issuecomment-${run.statusCommentId}` : undefined;
}

/**
 * Turns a trigger into a queued run, or into a reply that says why not. Runs after the
 * webhook has been answered, so its API calls never delay GitHub's delivery.
 */
export async function admitTrigger(
  deps: AdmitDependencies,
  octokit: GitHubClient,
  event: TriggerEvent,
  /** The repository's .github/hamster.yml, parsed YAML or null (Probot's context.config). */
  readRepoConfig: () => Promise<unknown>,
): Promise<AdmitOutcome> {
  const { runs, settings, log } = deps;
  const repo = { owner: event.repo.owner, repo: event.repo.name };
  const login = event.sender.login;
  const reply = async (why: string, body: string): Promise<AdmitOutcome> => {
    await createIssueComment(octokit, repo, event.issue.number, body);
    log.info({ delivery: event.deliveryId, why }, "trigger refused");
    return { outcome: "replied", why };
  };

  const decision = decideTrigger(event, { knownAgents: deps.knownAgents });
  if (decision.action === "ignore") return { outcome: "ignored", why: decision.why };

  const role = await getRepoRole(octokit, repo, login);
  if (!canTriggerRuns(role)) return reply(`sender has ${role} access`, renderPermissionDenied(login, role));
  if (decision.action === "reject") return reply("invalid command", renderInvalidCommand(login, decision.errors));
  if (decision.action === "unsupported") return reply("unsupported target", renderUnsupported(login, decision.message));

  let rawConfig: unknown;
  try {
    rawConfig = await readRepoConfig();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return reply("unreadable config", renderInvalidRepoConfig(login, [`it could not be read: ${message}`]));
  }
  const config = parseRepoConfig(rawConfig);
  if (!config.ok) return reply("invalid config", renderInvalidRepoConfig(login, config.errors));

  // Each value: the command's parameter, then the repository's config, then the app's default.
  const { params } = decision;
  const fullName = `${event.repo.owner}/${event.repo.name}`;
  const chosen = {
    branch: params.branch ?? config.config.branch,
    target: params.target ?? config.config.target,
  };
  for (const which of ["branch", "target"] as const) {
    const branch = chosen[which];
    if (branch !== undefined && branch !== event.repo.defaultBranch && !(await branchExists(octokit, repo, branch))) {
      return reply(`missing ${which} ${branch}`, renderMissingBranch(login, branch, fullName, which));
    }
  }
  const agent = params.agent ?? config.config.agent ?? "claude";
  if (!deps.knownAgents.includes(agent)) {
    return reply("unknown agent", renderInvalidRepoConfig(login, [`\`agent: ${agent}\` is not an agent Hamster knows (known: ${deps.knownAgents.join(", ")})`]));
  }
  const baseBranch = chosen.branch ?? event.repo.defaultBranch;
  const { setup, test, budgets, readyForReview } = config.config;

  let run: Run;
  try {
    run = runs.createRun({
      installationId: event.installationId,
      trigger: event.kind,
      requestedBy: login,
      deliveryId: event.deliveryId,
      request: {
        repo: event.repo,
        issue: {
          number: event.issue.number,
          title: event.issue.title,
          body: event.issue.body,
          author: event.issue.author,
          htmlUrl: event.issue.htmlUrl,
        },
        baseBranch,
        targetBranch: chosen.target ?? baseBranch,
        agent,
        model: params.model ?? config.config.model ?? settings.defaultModel,
        instructions: decision.instructions,
        ...(event.comment ? { commentId: event.comment.id } : {}),
        settings: { setup, ...(test !== undefined ? { test } : {}), budgets, readyForReview },
        ...(event.issue.milestone ? { milestone: event.issue.milestone } : {}),
      },
    });
    if (config.warnings.length > 0) runs.updateRun(run.id, { notes: config.warnings });
  } catch (error) {
    if (error instanceof ActiveRunExistsError) {
      return reply(`run #${error.activeRun.id} active`, renderActiveRunExists(login, error.activeRun, statusCommentUrl(error.activeRun)));
    }
    throw error;
  }

  // The 👀 is an acknowledgement only; failing to add it must not stop the run.
  await addEyesReaction(octokit, repo, event.comment ? { commentId: event.comment.id } : { issueNumber: event.issue.number }).catch(
    (error: unknown) => log.warn({ runId: run.id, err: error }, "could not add the reaction"),
  );
  try {
    await createRunReporter({ octokit, runs }).publishStatusComment(run.id);
  } finally {
    // The run is recorded: it runs even if the status comment could not be written now.
    deps.enqueue(run.id);
  }
  log.info({ runId: run.id, issue: event.issue.number, repo: fullName }, "run queued");
  return { outcome: "queued", run: runs.getRun(run.id) };
}
