import type { Logger } from "probot";
import type { AppSettings } from "../config/env.js";
import { REPO_CONFIG_PATH } from "../config/repo-config.js";
import type { RunRequest } from "../domain/run.js";
import { isFinalState } from "../domain/run-state.js";
import type { GitHubClient } from "../github/client.js";
import { readConfigFile } from "../github/contents.js";
import { getRepoRole, type RepoRole } from "../github/permissions.js";
import { createTtlCache } from "../github/ttl-cache.js";
import { evaluatePullRequestChecks } from "../intake/admit-ci.js";
import { createBriefCoordinator, type BriefCoordinator } from "../intake/brief/brief-coordinator.js";
import type { AdmitDependencies } from "../intake/queue-run.js";
import { executeRun, type RunDependencies } from "../lifecycle/execute-run.js";
import { resolveRunAgent, type AgentSources } from "../lifecycle/resolve-run-agent.js";
import { createWorker, type Worker } from "../lifecycle/worker.js";
import { createGitHubHost } from "../reporter/github-host.js";
import { renderRunPageUrl } from "../reporter/run-page-link.js";
import type { GitHubAccess } from "./github-access.js";
import type { AppStores } from "./open-stores.js";

/** How long a sender's role on a repository is believed; access changes apply within this. */
const ROLE_CACHE_MS = 30_000;

export interface RunsWiring {
  readonly worker: Worker;
  readonly briefCoordinator: BriefCoordinator;
  /** What admission needs: every trigger, control and console action goes through it. */
  readonly admit: AdmitDependencies;
}

export interface RunsDeps {
  readonly stores: AppStores;
  readonly executors: Pick<RunDependencies, "modelAccess" | "createExecutor">;
  readonly agentSources: Required<AgentSources>;
  readonly knownAgents: readonly string[];
  readonly settings: AppSettings;
  readonly log: Logger;
  readonly github: GitHubAccess;
  /** Keeps background work counted, so idle() and a drain wait for it. */
  track(work: Promise<unknown>): void;
  /** Tuning and test hooks passed on to every run (see HamsterAppOptions). */
  readonly runOptions: Pick<RunDependencies, "heartbeatMs" | "startDeadline"> & { readonly progressIntervalMs?: number };
}

/**
 * The worker that executes runs, the coordinator that moves briefs on, and admission, which
 * queues runs for both. They refer to each other, so each reaches the others only when called.
 */
export function wireRuns(deps: RunsDeps): RunsWiring {
  const { stores, settings, log } = deps;
  const briefCoordinator = createBriefCoordinator({
    runs: stores.runs,
    briefs: stores.briefs,
    settings,
    log,
    getOctokit: deps.github.getOctokit,
    enqueue: (runId) => worker.enqueue(runId),
  });
  const worker: Worker = createWorker({
    concurrency: settings.concurrency,
    log,
    execute: async (runId, signal) => {
      await executeRun(buildRunDependencies(deps, worker), runId, signal);
      followUpRun({ ...deps, briefCoordinator, admit }, runId);
    },
  });
  const admit = buildAdmitDependencies(deps, worker, briefCoordinator);
  return { worker, briefCoordinator, admit };
}

/** What executeRun needs for one run: built per run, as the host is per run. */
function buildRunDependencies(deps: RunsDeps, worker: Worker): RunDependencies {
  const { stores, settings, log, runOptions } = deps;
  // With the console on, GitHub links each run to its page.
  const runPageUrl = (runId: number) => renderRunPageUrl(settings, runId);
  return {
    runs: stores.runs,
    events: stores.events,
    diffs: stores.diffs,
    ...deps.executors,
    resumeLater: (runId) => worker.requeue(runId),
    settings,
    log,
    createHost: async (run) =>
      createGitHubHost({
        octokit: await deps.github.getOctokit(run.installationId),
        runs: stores.runs,
        events: stores.events,
        runId: run.id,
        log,
        runPageUrl,
        ...(runOptions.progressIntervalMs !== undefined ? { progressIntervalMs: runOptions.progressIntervalMs } : {}),
      }),
    ...deps.agentSources,
    isDraining: () => worker.isDraining(),
    runInBackground: deps.track,
    ...(runOptions.heartbeatMs !== undefined ? { heartbeatMs: runOptions.heartbeatMs } : {}),
    ...(runOptions.startDeadline !== undefined ? { startDeadline: runOptions.startDeadline } : {}),
  };
}

function buildAdmitDependencies(deps: RunsDeps, worker: Worker, briefCoordinator: BriefCoordinator): AdmitDependencies {
  const { stores, settings } = deps;
  const roles = createTtlCache<RepoRole>(ROLE_CACHE_MS);
  return {
    runs: stores.runs,
    preferences: stores.preferences,
    installationDefaults: stores.installationDefaults,
    settings,
    log: deps.log,
    knownAgents: deps.knownAgents,
    enqueue: worker.enqueue,
    abort: worker.abort,
    briefs: { store: stores.briefs, coordinator: briefCoordinator },
    findAgentProblem: (installationId: number, request: RunRequest) => {
      const resolved = resolveRunAgent(deps.agentSources, {
        installationId,
        agentName: request.agent,
        appAnthropicKey: settings.anthropicApiKey,
        executor: request.settings?.executor ?? settings.executor,
      });
      return resolved.ok ? undefined : resolved.reason;
    },
    // A burst of triggers from one person asks GitHub once.
    getRole: (octokit: GitHubClient, repo: { owner: string; repo: string }, login: string) =>
      roles.get(`${repo.owner}/${repo.repo}:${login}`, () => getRepoRole(octokit, repo, login)),
  };
}

/**
 * A run ended: what its brief task unblocks may start, and a CI failure on its pull request
 * that waited for it is looked at again, on the pull request's head as it is now.
 */
function followUpRun(deps: RunsDeps & { briefCoordinator: BriefCoordinator; admit: AdmitDependencies }, runId: number): void {
  const { stores, log, track } = deps;
  track(deps.briefCoordinator.noteRunEnded(runId).catch((error: unknown) => log.error({ err: error, runId }, "could not move the brief on")));
  const run = stores.runs.getRun(runId);
  const pullNumber = run.request.conversationNumber ?? run.prNumber;
  if (!isFinalState(run.state) || pullNumber === null || !stores.triggers.takeCiWait(run.repoId, pullNumber)) return;
  track(
    (async () => {
      const octokit = await deps.github.getOctokit(run.installationId);
      const repo = { owner: run.repoOwner, repo: run.repoName };
      await evaluatePullRequestChecks(
        { deps: { ...deps.admit, triggers: stores.triggers }, octokit, ownAppId: (await deps.github.getIdentity()).id, readRepoConfig: () => readConfigFile(octokit, repo, REPO_CONFIG_PATH) },
        { installationId: run.installationId, deliveryId: null, repo: run.request.repo, pullNumber },
      );
    })().catch((error: unknown) => log.error({ err: error, runId }, "could not look at the checks again after the run")),
  );
}
