import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "probot";
import type { AgentProvider } from "../agent/provider.js";
import type { AppSettings } from "../config/env.js";
import { deleteBranch } from "../github/branches.js";
import type { GitHubClient } from "../github/client.js";
import {
  closePullRequest,
  createDraftPullRequest,
  findOpenPullRequest,
  markPullRequestReady,
  updatePullRequestBody,
} from "../github/pull-requests.js";
import { renderDeliveredPullRequestBody, renderDraftPullRequestBody } from "../reporter/render-pull-request.js";
import { createRunReporter, type RunReporter } from "../reporter/run-reporter.js";
import type { RunStore } from "../store/run-store.js";
import type { RunState } from "../store/run-state.js";
import { parseTask } from "../task/parse-task.js";
import { renderWorkBranch } from "../workspace/branch-name.js";
import { commitAll, listChangedFiles, prepareCheckout, pushBranch, removeCheckout, resolveCommit } from "../workspace/workspace.js";
import { describeFailure, RunFailure } from "./run-failure.js";

export interface RunDependencies {
  readonly runs: RunStore;
  readonly settings: AppSettings;
  readonly log: Logger;
  /** An Octokit authenticated as the installation that owns the run. */
  getOctokit(installationId: number): Promise<GitHubClient>;
  /** The installation token git uses; it never reaches the agent. */
  getGitToken(octokit: GitHubClient): Promise<string>;
  getAgent(name: string): AgentProvider | undefined;
  now?: () => Date;
}

/** What the run has done to the outside world so far, so a failure can be cleaned up precisely. */
interface RunProgress {
  workdir: string;
  baseSha?: string;
  startSha?: string;
  branchCreated: boolean;
  agentStarted: boolean;
  /** The agent's work, committed locally. */
  localWorkSha?: string;
  workPushed: boolean;
  /** Set when work could not be pushed: the checkout is the only copy left. */
  keepWorkspace: boolean;
}

export function renderCommitMessage(title: string, issueNumber: number, runId: number): string {
  return `${title}\n\nDelivered by Hamster run #${runId} for #${issueNumber}.`;
}

/** Drives one queued run through its stages to an end state. Never throws: a failure ends the run. */
export async function executeRun(deps: RunDependencies, runId: number, signal: AbortSignal): Promise<void> {
  const { runs, settings, log } = deps;
  const run = runs.getRun(runId);
  let octokit: GitHubClient;
  try {
    octokit = await deps.getOctokit(run.installationId);
  } catch (error) {
    // Without a token nothing can be reported on GitHub; the run still ends, with the reason.
    log.error({ runId, err: error }, "could not authenticate as the installation");
    runs.transitionRun(runId, "failed", { reason: `Hamster could not authenticate as the app's installation: ${describeFailure(error)}` });
    return;
  }
  const reporter = createRunReporter({ octokit, runs, ...(deps.now ? { now: deps.now } : {}) });
  const progress: RunProgress = {
    workdir: join(settings.dataDir, "workspaces", `run-${runId}`),
    branchCreated: false,
    agentStarted: false,
    workPushed: false,
    keepWorkspace: false,
  };
  const repo = { owner: run.repoOwner, repo: run.repoName };
  const request = run.request;

  const enter = async (state: RunState, detail?: string) => {
    runs.transitionRun(runId, state, detail ? { detail } : {});
    await reporter.publish(runId);
  };

  try {
    await enter("preparing");
    const workBranch = renderWorkBranch(request.issue.number, request.issue.title);
    runs.updateRun(runId, { workBranch });
    const token = await deps.getGitToken(octokit);
    const prepared = await prepareCheckout({
      dir: progress.workdir,
      remoteUrl: request.repo.cloneUrl,
      token,
      baseBranch: request.baseBranch,
      workBranch,
      startMessage: `Start: ${request.issue.title}`,
      author: settings.gitAuthor,
    });
    Object.assign(progress, { baseSha: prepared.baseSha, startSha: prepared.headSha, branchCreated: prepared.branchCreated });

    const pr =
      (await findOpenPullRequest(octokit, repo, workBranch)) ??
      (await createDraftPullRequest(octokit, repo, {
        head: workBranch,
        base: request.targetBranch,
        title: request.issue.title,
        body: renderDraftPullRequestBody(reporter.buildView(runId)),
      }));
    runs.updateRun(runId, { prNumber: pr.number, prNodeId: pr.nodeId, headSha: prepared.headSha });
    await reporter.startCheckRun(runId, prepared.headSha);

    const agent = deps.getAgent(request.agent);
    if (!agent) throw new RunFailure(`The agent "${request.agent}" is not available on this Hamster server.`);
    await enter("implementing", `${agent.name} · ${request.model}`);
    progress.agentStarted = true;
    const task = parseTask({
      number: request.issue.number,
      title: request.issue.title,
      body: request.issue.body,
      instructions: request.instructions,
    });
    const result = await agent.run({ task, workdir: progress.workdir, model: request.model, signal });
    runs.updateRun(runId, { summary: result.summary, usage: result.usage, costUsd: result.costUsd });

    await enter("delivering");
    const commit = await commitAll(progress.workdir, renderCommitMessage(request.issue.title, request.issue.number, runId), settings.gitAuthor);
    // The agent is told not to commit, but if it did, its commits are its work all the same.
    const headSha = commit?.sha ?? (await resolveCommit(progress.workdir, "HEAD"));
    if (headSha === prepared.headSha) {
      throw new RunFailure(
        "The agent finished without changing any file, so there is nothing to deliver. Make the task more specific (what to change, where, and how to check it) and trigger it again.",
      );
    }
    progress.localWorkSha = headSha;
    await pushBranch({ dir: progress.workdir, remoteUrl: request.repo.cloneUrl, token, workBranch });
    progress.workPushed = true;
    const files = await listChangedFiles(progress.workdir, prepared.baseSha, headSha);
    runs.updateRun(runId, { headSha });

    const delivered = runs.getRun(runId);
    await updatePullRequestBody(octokit, repo, pr.number, renderDeliveredPullRequestBody(reporter.buildView(runId, files)));
    if (delivered.prNodeId) await markPullRequestReady(octokit, delivered.prNodeId);

    runs.transitionRun(runId, "succeeded", { detail: `${files.length} files changed` });
    // The first check run sits on the start commit; it ends with the run, and the final one goes on the new head.
    await reporter.publishCheckRun(runId, files);
    await reporter.startCheckRun(runId, headSha, files);
    await reporter.publishStatusComment(runId, files);
    log.info({ runId, files: files.length }, "run delivered");
  } catch (error) {
    await concludeFailedRun({ deps, octokit, reporter, runId, progress, error });
  } finally {
    if (!progress.keepWorkspace) await removeCheckout(progress.workdir).catch((error: unknown) => log.warn({ runId, err: error }, "could not remove checkout"));
  }
}

/**
 * Ends a run as failed and leaves GitHub tidy: partial work is pushed rather than lost,
 * a draft PR the run opened with nothing in it is closed and its branch deleted.
 */
async function concludeFailedRun(input: {
  deps: RunDependencies;
  octokit: GitHubClient;
  reporter: RunReporter;
  runId: number;
  progress: RunProgress;
  error: unknown;
}): Promise<void> {
  const { deps, octokit, reporter, runId, progress, error } = input;
  const { runs, log, settings } = deps;
  const reason = describeFailure(error);
  log.warn({ runId, err: error }, "run failed");

  const run = runs.getRun(runId);
  const repo = { owner: run.repoOwner, repo: run.repoName };
  const tidy = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (tidyError) {
      log.error({ runId, err: tidyError }, `could not ${what} after the run failed`);
    }
  };

  // Work the agent did before the failure is kept: pushed to the branch when possible,
  // otherwise left in the run's workspace on the server rather than deleted.
  let reasonWithWork = reason;
  if (progress.agentStarted && !progress.workPushed && run.workBranch && existsSync(progress.workdir)) {
    await tidy("save partial work", async () => {
      const commit = await commitAll(progress.workdir, `WIP: partial work from Hamster run #${runId}\n\n${reason}`, settings.gitAuthor);
      const head = commit?.sha ?? (await resolveCommit(progress.workdir, "HEAD"));
      if (head !== progress.startSha) progress.localWorkSha = head;
      if (!progress.localWorkSha) return;
      try {
        const token = await deps.getGitToken(octokit);
        await pushBranch({ dir: progress.workdir, remoteUrl: run.request.repo.cloneUrl, token, workBranch: run.workBranch! });
        progress.workPushed = true;
        runs.updateRun(runId, { headSha: progress.localWorkSha });
      } catch (pushError) {
        progress.keepWorkspace = true;
        reasonWithWork = `${reason}\n\nThe agent's work could not be pushed; it is kept on the Hamster server in the workspace of run #${runId} (\`workspaces/run-${runId}\` under the data directory) for an admin to recover.`;
        log.warn({ runId, err: pushError }, "partial work kept in the workspace");
      }
    });
  }

  try {
    runs.transitionRun(runId, "failed", { reason: reasonWithWork, detail: reason });
  } catch (transitionError) {
    log.error({ runId, err: transitionError }, "could not record the failure");
    return;
  }

  const failed = runs.getRun(runId);
  if (failed.checkRunId) {
    await tidy("conclude the check run", () => reporter.publishCheckRun(runId));
  } else if (failed.headSha) {
    await tidy("create the failed check run", () => reporter.startCheckRun(runId, failed.headSha!));
  }
  if (failed.prNumber && progress.branchCreated && !progress.workPushed && failed.workBranch) {
    await tidy("close the empty pull request", () => closePullRequest(octokit, repo, failed.prNumber!));
    await tidy("delete the empty branch", () => deleteBranch(octokit, repo, failed.workBranch!));
  }
  await tidy("update the status comment", () => reporter.publishStatusComment(runId));
}
