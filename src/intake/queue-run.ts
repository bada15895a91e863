import type { Logger } from "probot";
import type { AppSettings } from "../config/env.js";
import { findIssueRepository, type Run, type RunRequest } from "../domain/run.js";
import type { GitHubClient } from "../github/client.js";
import { addEyesReaction } from "../github/comments.js";
import type { RepoRole } from "../github/permissions.js";
import { renderRunPageUrl } from "../reporter/run-page-link.js";
import { createRunReporter } from "../reporter/run-reporter.js";
import type { InstallationDefaultsStore } from "../store/installation-defaults-store.js";
import type { PreferenceStore } from "../store/preference-store.js";
import type { RunStore } from "../store/run-store.js";
import { ActiveRunExistsError, type NewRun } from "../store/run-writes.js";
import type { StopReason } from "../lifecycle/stop-reason.js";
import type { AbortOutcome } from "../lifecycle/worker.js";
import { renderActiveRunExists, renderAgentCannotStart } from "./render-replies.js";
import type { TriggerEvent } from "./trigger-event.js";
import type { BriefStore } from "../store/brief-store.js";
import type { BriefCoordinator } from "./brief/brief-coordinator.js";

export interface AdmitDependencies {
  readonly runs: RunStore;
  readonly preferences: PreferenceStore;
  /** Each installation's defaults, between the repository's file and the app's defaults. */
  readonly installationDefaults: Pick<InstallationDefaultsStore, "getDefaults">;
  readonly settings: AppSettings;
  readonly log: Logger;
  readonly knownAgents: readonly string[];
  enqueue(runId: number): void;
  /** Stops a run this process holds: "executing" ends itself; "waiting" never starts; "absent" is not here. */
  abort(runId: number, reason: StopReason): AbortOutcome;
  /** Why a run of the request's agent could not start now (no such CLI, no API key, not on its executor), or undefined when it can. */
  findAgentProblem?(installationId: number, request: RunRequest): string | undefined;
  /** Briefs delivered with `/deliver all`: their rows and what keeps them moving. Absent: `/deliver all` is not offered. */
  readonly briefs?: { readonly store: BriefStore; readonly coordinator: BriefCoordinator };
  /** The sender's role; the app passes a short-lived cache of the collaborator-permission API. */
  getRole?(octokit: GitHubClient, repo: { owner: string; repo: string }, login: string): Promise<RepoRole>;
}

export type AdmitOutcome =
  | { readonly outcome: "ignored"; readonly why: string }
  | { readonly outcome: "replied"; readonly why: string }
  | { readonly outcome: "queued"; readonly run: Run };

export function statusCommentUrl(run: Run): string | undefined {
  if (!run.statusCommentId) return undefined;
  // A follow-up's comment is on its pull request, in the code's repository; a task's on its issue.
  const where = run.request.conversationNumber !== undefined ? run.request.repo.htmlUrl : findIssueRepository(run.request).htmlUrl;
  return `${where}/issues/${run.request.conversationNumber ?? run.issueNumber}#issuecomment-${run.statusCommentId}`;
}

/** Replies on the issue or pull request the event came from. */
export type Reply = (why: string, body: string) => Promise<AdmitOutcome>;

export interface ControlContext {
  readonly deps: AdmitDependencies;
  readonly octokit: GitHubClient;
  readonly event: TriggerEvent;
  readonly reply: Reply;
}

/** Records the run, acknowledges it (👀, status comment) and hands it to the worker. */
export async function queueRun(control: ControlContext, input: NewRun): Promise<AdmitOutcome> {
  const { deps, octokit, event, reply } = control;
  // Known before anything is created: the reply comes in seconds, and no run, PR or check run is left behind.
  const agentProblem = deps.findAgentProblem?.(input.installationId, input.request);
  if (agentProblem) return reply("agent cannot start", renderAgentCannotStart(event.sender.login, agentProblem));
  let run: Run;
  try {
    run = deps.runs.createRun(input);
  } catch (error) {
    if (error instanceof ActiveRunExistsError) {
      return reply(`run #${error.activeRun.id} active`, renderActiveRunExists(event.sender.login, error.activeRun, statusCommentUrl(error.activeRun)));
    }
    throw error;
  }
  const repo = { owner: event.repo.owner, repo: event.repo.name };
  // The 👀 is an acknowledgement only; failing to add it must not stop the run.
  await addEyesReaction(octokit, repo, event.comment ? { commentId: event.comment.id } : { issueNumber: event.issue.number }).catch(
    (error: unknown) => deps.log.warn({ runId: run.id, err: error }, "could not add the reaction"),
  );
  try {
    await createRunReporter({ octokit, runs: deps.runs, runPageUrl: (id) => renderRunPageUrl(deps.settings, id) }).createStatusComment(run.id);
  } finally {
    // The run is recorded: it runs even if the status comment could not be written now.
    deps.enqueue(run.id);
  }
  deps.log.info({ runId: run.id, issue: run.issueNumber, repo: `${event.repo.owner}/${event.repo.name}` }, "run queued");
  return { outcome: "queued", run: deps.runs.getRun(run.id) };
}