import type { ApplicationFunction, ApplicationFunctionOptions, Context, Probot } from "probot";
import { createClaudeAgent } from "./agent/claude-agent.js";
import type { AgentProvider } from "./agent/provider.js";
import { createAgentRegistry, type AgentRegistry } from "./agent/registry.js";
import { CONFIG_FILE_NAME, REPO_CONFIG_PATH } from "./config/repo-config.js";
import { createGitHubHost } from "./reporter/github-host.js";
import { createRunReporter } from "./reporter/run-reporter.js";
import { renderRunPageUrl } from "./reporter/run-page-link.js";
import type { AppSettings } from "./config/env.js";
import type { RunRequest } from "./domain/run.js";
import type { GitHubClient } from "./github/client.js";
import { admitTrigger } from "./intake/admit-trigger.js";
import { handleCheckRunEvent } from "./intake/control-runs.js";
import { admitReview } from "./intake/admit-review.js";
import { admitCiEvent, evaluatePullRequestChecks } from "./intake/admit-ci.js";
import { parseCiEvent, type CiPayload } from "./intake/ci-event.js";
import { readConfigFile } from "./github/contents.js";
import { isFinalState } from "./domain/run-state.js";
import { parseReviewEvent, type ReviewPayload } from "./intake/review-event.js";
import { getAppIdentity, type AppIdentity } from "./github/app-identity.js";
import { createPullRequestTriggerStore } from "./store/pull-request-trigger-store.js";
import { createBriefStore } from "./store/brief-store.js";
import { createBriefCoordinator } from "./intake/brief/brief-coordinator.js";
import { parseIssueClosed, parsePullRequestClosed, type IssueClosedPayload, type PullRequestClosedPayload } from "./intake/brief/brief-events.js";
import { cancelInstallationRuns, ensureDeliverLabels, parseInstallationEvent, type InstallationPayload } from "./intake/installation-events.js";
import {
  parseCheckRunEvent,
  parseCommentEvent,
  parseLabeledEvent,
  type CheckRunPayload,
  type CommentPayload,
  type LabeledPayload,
  type ParsedEvent,
} from "./intake/trigger-event.js";
import Bottleneck from "bottleneck";
import { getRepoRole, type RepoRole } from "./github/permissions.js";
import { createTtlCache } from "./github/ttl-cache.js";
import { createPreferenceStore } from "./store/preference-store.js";
import { createInstallationDefaultsStore } from "./store/installation-defaults-store.js";
import { createVault, VaultError } from "./store/vault.js";
import { checkSandbox } from "./sandbox/check-sandbox.js";
import { createWriteLimiters, DEFAULT_WRITE_MIN_TIME_MS } from "./github/write-limiter.js";
import { installRedaction } from "./github/redact-requests.js";
import { collectAppSecrets } from "./security/app-secrets.js";
import { sharedRedactor, type Redactor } from "./security/redactor.js";
import { openDatabase, type SqliteDatabase } from "./store/database.js";
import { lockDataDir, type DataDirLock } from "./store/data-dir-lock.js";
import { createDeliveryStore } from "./store/delivery-store.js";
import { createRunEventStore } from "./store/run-event-store.js";
import { createRunDiffStore } from "./store/run-diff-store.js";
import { createRunCredentialStore } from "./store/run-credentials.js";
import { createActionsDispatchStore } from "./store/actions-dispatch-store.js";
import { wireExecutors } from "./compose/wire-executors.js";
import { createRunStore, type RunStore } from "./store/run-store.js";
import { executeRun, type RunDependencies } from "./lifecycle/execute-run.js";
import { recoverRuns, STALE_HEARTBEAT_MS } from "./lifecycle/recover-runs.js";
import { pruneRunMirrors } from "./lifecycle/prune-run-mirrors.js";
import { createQuietGate } from "./intake/quiet-gate.js";
import { installWebhookBodyGuard } from "./server/webhook-body-guard.js";
import { createRouteTable, type HttpHandler } from "./server/route-table.js";
import { createWorker, type Worker } from "./lifecycle/worker.js";
import { createConsoleHandler, createConsoleUnavailableHandler } from "./console/console-handler.js";
import { createConsoleRoutes } from "./console/console-routes.js";
import { createLiveRunFeed, type LiveRunFeed } from "./console/live-run-feed.js";
import { createConsoleSessionStore } from "./store/console-session-store.js";
import { resolveRunAgent, type AgentSources } from "./lifecycle/resolve-run-agent.js";

export interface HamsterAppOptions {
  readonly settings: AppSettings;
  /** The built-in agent; defaults to the Claude loop configured from the settings. */
  readonly builtinAgent?: AgentProvider;
  /** Where command-line agents are looked for (PATH) and what they may receive; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** How often live progress may update the check run. */
  readonly progressIntervalMs?: number;
  /** How often executing runs heartbeat, and how often orphaned runs are looked for. */
  readonly heartbeatMs?: number;
  readonly recoveryIntervalMs?: number;
  /** Time between two writes of one installation to GitHub (default 1000 ms, GitHub's advice). */
  readonly writeMinTimeMs?: number;
  /** Starts each run's wall-clock deadline; default a timer. For tests that decide when a run is out of time. */
  readonly startRunDeadline?: RunDependencies["startDeadline"];
  /** What a `process` executor's runner environment is built from; default process.env. */
  readonly runnerEnv?: NodeJS.ProcessEnv;
  /** How often a queued GitHub Actions job's workflow run is looked at, in case its webhook is lost; default 60 s. */
  readonly actionsPollMs?: number;
  /** Guards every text written out (GitHub, database, logs); default the process-wide one. */
  readonly redactor?: Redactor;
}

export interface HamsterApp {
  readonly appFn: ApplicationFunction;
  /** Resolves when no trigger is being admitted, no run is executing, and start-up recovery is done. */
  idle(): Promise<void>;
  /**
   * Shuts down gracefully: no new runs start, running ones get `graceMs` to reach a stage
   * boundary, then are left active for the next start to resume.
   */
  drain(graceMs: number): Promise<void>;
  /** Drains with no grace period and closes the database. */
  close(): Promise<void>;
  /** The run store, once the app function has been loaded. */
  readonly runs: RunStore;
  /** The app's own endpoints (runner protocol, model gateway); Probot's server gets it through `addHandler`. */
  readonly httpHandler: HttpHandler;
}

/** How much longer than its shutdown grace a starting app waits for the previous process to let go of the data directory. */
const DATA_DIR_LOCK_SLACK_MS = 5_000;
/** A burst of deliveries has ended when none arrived for this long. */
const ADMISSION_QUIET_MS = 5;
/** Admissions wait for a burst to end at most this long, so feedback stays well under a second. */
const ADMISSION_MAX_WAIT_MS = 250;

export function createBuiltinAgent(settings: AppSettings): AgentProvider {
  return createClaudeAgent({
    ...(settings.anthropicApiKey ? { apiKey: settings.anthropicApiKey } : {}),
    ...(settings.anthropicBaseUrl ? { baseURL: settings.anthropicBaseUrl } : {}),
    maxTokens: settings.maxOutputTokens,
    commandTimeoutMs: settings.commandTimeoutMs,
    sandbox: settings.sandbox,
  });
}

/** Wires webhooks to intake and starts the worker; the logic lives in the modules it calls. */
export function createHamsterApp(options: HamsterAppOptions): HamsterApp {
  const { settings } = options;
  const admissions = new Set<Promise<unknown>>();
  let db: SqliteDatabase | undefined;
  let runs: RunStore | undefined;
  let worker: Worker | undefined;
  let recoveryTimer: NodeJS.Timeout | undefined;
  let dataDirLock: DataDirLock | undefined;
  let liveFeed: LiveRunFeed | undefined;
  // One queue of writes per installation, so many runs at once stay under GitHub's secondary rate limits.
  const writeLimiters = createWriteLimiters({ minTimeMs: options.writeMinTimeMs ?? DEFAULT_WRITE_MIN_TIME_MS });
  const redactor = options.redactor ?? sharedRedactor;
  // Admissions run after the webhook is answered; a few at a time, so a burst of deliveries
  // does not crowd the event loop that answers the next ones.
  const admissionLimiter = new Bottleneck({ maxConcurrent: 4 });
  // And during a burst they wait until it has been answered (for a quarter second at most).
  const admissionGate = createQuietGate({ quietMs: ADMISSION_QUIET_MS, maxWaitMs: ADMISSION_MAX_WAIT_MS });
  if (settings.anthropicApiKey) redactor.addSecret(settings.anthropicApiKey);
  if (settings.oauth) redactor.addSecret(settings.oauth.clientSecret);
  for (const { key } of settings.vaultKeys ?? []) redactor.addSecret(key.toString("base64"));
  const track = (work: Promise<unknown>) => {
    const tracked = work.finally(() => admissions.delete(tracked));
    admissions.add(tracked);
  };

  const routes = createRouteTable();

  const appFn: ApplicationFunction = async (app: Probot, appOptions?: ApplicationFunctionOptions) => {
    // Probot's server asks every handler after its own webhook route. A Probot without a
    // server (createNodeMiddleware, tests) has an addHandler that throws: whoever runs the
    // HTTP server then serves `httpHandler` itself.
    try {
      appOptions?.addHandler?.(routes.handle);
    } catch {
      app.log.debug("no Probot server: the app's own endpoints are served by the caller");
    }
    // Before Probot's server asks for its webhook middleware: bodies are limited and checked first.
    installWebhookBodyGuard(app);
    const registry: AgentRegistry = await createAgentRegistry({
      builtin: options.builtinAgent ?? createBuiltinAgent(settings),
      env: options.env ?? process.env,
      commandTimeoutMs: settings.commandTimeoutMs,
      sandbox: settings.sandbox,
      cliNetwork: settings.agentCliNetwork,
    });
    if (settings.sandbox.mode === "off") {
      app.log.warn("HAMSTER_SANDBOX=off: the agent's commands run UNSANDBOXED, with this server's files and network in reach.");
    } else {
      const check = await checkSandbox();
      if (!check.ok) app.log.error(`The sandbox cannot start, so every run will fail until this is fixed: ${check.reason}`);
      else for (const warning of check.warnings) app.log.warn(warning);
    }
    // Probot's run() has loaded .env by now: every secret the app holds is known to the redactor.
    for (const secret of collectAppSecrets(options.env ?? process.env)) redactor.addSecret(secret);
    // Waits out a previous process that is still draining (a restart), then keeps others off.
    dataDirLock = lockDataDir(settings.dataDir, settings.shutdownGraceMs + DATA_DIR_LOCK_SLACK_MS);
    db = openDatabase(settings.dataDir);
    const runStore = createRunStore(db, undefined, { redact: redactor.redact });
    runs = runStore;
    const runEvents = createRunEventStore(db, { redact: redactor.redact, log: app.log });
    const runDiffs = createRunDiffStore(db, { redact: redactor.redact });
    // With the console on, GitHub links each run to its page.
    const runPageUrl = (runId: number) => renderRunPageUrl(settings, runId);
    const credentials = createRunCredentialStore(db);
    const deliveries = createDeliveryStore(db);
    const preferences = createPreferenceStore(db);
    const installationDefaults = createInstallationDefaultsStore(db);
    const triggers = createPullRequestTriggerStore(db);
    // Who the app is (its id on check runs, its @handle), asked once; a failed answer is asked again next time.
    let identity: Promise<AppIdentity> | undefined;
    const getIdentity = (): Promise<AppIdentity> =>
      (identity ??= (async () => getAppIdentity((await app.auth()) as GitHubClient))().catch((error: unknown) => {
        identity = undefined;
        throw error;
      }));
    const roles = createTtlCache<RepoRole>(30_000);
    const vault = createVault(db, settings.vaultKeys);
    const getProviderKey = (installationId: number, provider: string): string | undefined => {
      try {
        const key = vault.getSecret(installationId, provider) ?? undefined;
        if (key) redactor.addSecret(key);
        return key;
      } catch (error) {
        // No master key configured: the installation has no key of its own, the app-wide one applies.
        if (error instanceof VaultError && error.code === "no_key") return undefined;
        throw error;
      }
    };
    const getOctokit = async (installationId: number) => {
      const octokit = (await app.auth(installationId)) as GitHubClient;
      writeLimiters.wrap(octokit, installationId);
      installRedaction(octokit, redactor);
      return octokit;
    };
    const clientOf = (context: Context): GitHubClient => {
      const octokit = context.octokit as GitHubClient;
      const installationId = (context.payload as { installation?: { id?: number } }).installation?.id;
      if (installationId) writeLimiters.wrap(octokit, installationId);
      installRedaction(octokit, redactor);
      return octokit;
    };
    const { noteWorkflowRunCompleted, ...executors } = wireExecutors({
      routes,
      settings,
      credentials,
      events: runEvents,
      dispatches: createActionsDispatchStore(db),
      getAnthropicKey: (installationId) => getProviderKey(installationId, "anthropic") ?? settings.anthropicApiKey,
      getOctokit,
      redactor,
      log: app.log,
      ...(options.runnerEnv ? { runnerEnv: options.runnerEnv } : {}),
      ...(options.actionsPollMs !== undefined ? { actionsPollMs: options.actionsPollMs } : {}),
    });
    const agentSources: AgentSources = {
      getAgent: (name) => registry.available[name] ?? { unavailable: registry.explainMissing(name) },
      getProviderKey,
    };
    /**
     * Runs `execute`; once the run has ended, a CI failure on its pull request that waited for
     * it is looked at again, on the pull request's head as it is now.
     */
    const runThenLookAtChecks = async (runId: number, execute: () => Promise<void>): Promise<void> => {
      await execute();
      // A brief task's run ended: what it unblocks may start.
      track(briefCoordinator.noteRunEnded(runId).catch((error: unknown) => app.log.error({ err: error, runId }, "could not move the brief on")));
      const run = runStore.getRun(runId);
      const pullNumber = run.request.conversationNumber ?? run.prNumber;
      if (!isFinalState(run.state) || pullNumber === null || !triggers.takeCiWait(run.repoId, pullNumber)) return;
      track(
        (async () => {
          const octokit = await getOctokit(run.installationId);
          const repo = { owner: run.repoOwner, repo: run.repoName };
          await evaluatePullRequestChecks(
            { deps: { ...admitDeps, triggers }, octokit, ownAppId: (await getIdentity()).id, readRepoConfig: () => readConfigFile(octokit, repo, REPO_CONFIG_PATH) },
            { installationId: run.installationId, deliveryId: null, repo: run.request.repo, pullNumber },
          );
        })().catch((error: unknown) => app.log.error({ err: error, runId }, "could not look at the checks again after the run")),
      );
    };
    const briefStore = createBriefStore(db, { redact: redactor.redact });
    const briefCoordinator = createBriefCoordinator({ runs: runStore, briefs: briefStore, settings, log: app.log, getOctokit, enqueue: (runId) => activeWorker.enqueue(runId) });
    const activeWorker = createWorker({
      concurrency: settings.concurrency,
      log: app.log,
      execute: (runId, signal) =>
        runThenLookAtChecks(runId, () => executeRun(
          {
            runs: runStore,
            events: runEvents,
            diffs: runDiffs,
            ...executors,
            resumeLater: (runId) => activeWorker.requeue(runId),
            settings,
            log: app.log,
            createHost: async (run) =>
              createGitHubHost({
                octokit: await getOctokit(run.installationId),
                runs: runStore,
                events: runEvents,
                runId: run.id,
                log: app.log,
                runPageUrl,
                ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
              }),
            ...agentSources,
            isDraining: () => activeWorker.isDraining(),
            runInBackground: track,
            ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
            ...(options.startRunDeadline !== undefined ? { startDeadline: options.startRunDeadline } : {}),
          },
          runId,
          signal,
        )),
    });
    worker = activeWorker;
    const admitDeps = {
      runs: runStore,
      preferences,
      installationDefaults,
      settings,
      log: app.log,
      knownAgents: registry.known,
      enqueue: activeWorker.enqueue,
      abort: activeWorker.abort,
      briefs: { store: briefStore, coordinator: briefCoordinator },
      findAgentProblem: (installationId: number, request: RunRequest) => {
        const resolved = resolveRunAgent(agentSources, {
          installationId,
          agentName: request.agent,
          appAnthropicKey: settings.anthropicApiKey,
          executor: request.settings?.executor ?? settings.executor,
        });
        return resolved.ok ? undefined : resolved.reason;
      },
      // A burst of triggers from one person asks GitHub once; access changes apply within 30 s.
      getRole: (octokit: GitHubClient, repo: { owner: string; repo: string }, login: string) =>
        roles.get(`${repo.owner}/${repo.repo}:${login}`, () => getRepoRole(octokit, repo, login)),
    };

    // The web console under /hamster/, behind GitHub sign-in with the app's OAuth credentials.
    liveFeed = createLiveRunFeed({ events: runEvents, runs: runStore, log: app.log });
    routes.add(
      settings.oauth
        ? createConsoleHandler({
            oauth: { ...settings.oauth, apiUrl: settings.github.apiUrl },
            apiUrl: settings.github.apiUrl,
            publicUrl: settings.publicUrl,
            sessions: createConsoleSessionStore(db),
            routes: createConsoleRoutes({
              runs: runStore,
              events: runEvents,
              preferences,
              vault,
              installationDefaults,
              knownAgents: registry.known,
              redactor,
              settings,
              log: app.log,
              getOctokit,
              diffs: runDiffs,
              feed: liveFeed,
              admit: admitDeps,
            }),
            log: app.log,
          })
        : createConsoleUnavailableHandler(),
    );

    /** Records the delivery and hands the trigger to admission without waiting for it. */
    const receive = (context: Context, parsed: ParsedEvent) => {
      if (parsed.kind === "ignore") return;
      if (!deliveries.recordDelivery(context.id, context.name)) {
        context.log.info({ delivery: context.id }, "redelivered webhook ignored");
        return;
      }
      admitAfterBurst(context, "could not admit the trigger", () =>
        admitTrigger(admitDeps, clientOf(context), parsed.event, () => context.config(CONFIG_FILE_NAME)),
      );
    };

    /** Runs `work` once the current burst of deliveries has been answered, a few at a time; a failure is logged. */
    const admitAfterBurst = (context: Context, failure: string, work: () => Promise<unknown>) =>
      track(
        admissionGate
          .whenQuiet()
          .then(() => admissionLimiter.schedule(work))
          .catch((error: unknown) => context.log.error({ err: error, delivery: context.id }, failure)),
      );

    // Every delivery counts, relevant or not: answering it competes with admissions all the same.
    app.onAny(() => admissionGate.noteActivity());

    app.on("issues.labeled", (context) => receive(context, parseLabeledEvent(context.id, context.payload as LabeledPayload)));
    app.on("issue_comment.created", (context) =>
      receive(context, parseCommentEvent(context.id, context.payload as CommentPayload)),
    );

    app.on(["check_run.requested_action", "check_run.rerequested"], (context) => {
      const parsed = parseCheckRunEvent(context.id, context.payload as unknown as CheckRunPayload);
      if ("kind" in parsed) return;
      if (!deliveries.recordDelivery(context.id, context.name)) return;
      admitAfterBurst(context, "could not handle the check run event", () => handleCheckRunEvent(admitDeps, clientOf(context), parsed));
    });

    // The repository's own checks finished on a commit: on a Hamster pull request's head, failing ones start a fix.
    app.on(["check_run.completed", "check_suite.completed", "workflow_run.completed"], (context) => {
      const parsed = parseCiEvent(context.name, context.id, context.payload as unknown as CiPayload);
      if (parsed.kind === "ignore") return;
      // Most commits are not a Hamster pull request's: decided from the database, before any call.
      const { event } = parsed;
      const known = event.pullNumbers.some((n) => runStore.findRunForPullRequest(event.repo.id, n)?.workBranch) || (event.headBranch !== null && runStore.findRunForWorkBranch(event.repo.id, event.headBranch) !== undefined);
      if (!known) return;
      if (!deliveries.recordDelivery(context.id, context.name)) return;
      admitAfterBurst(context, "could not look at the checks", async () => {
        const { id: ownAppId } = await getIdentity();
        // The Hamster check run's own end is not the repository's CI.
        if (event.appId === ownAppId) return;
        await admitCiEvent({ deps: { ...admitDeps, triggers }, octokit: clientOf(context), ownAppId, readRepoConfig: () => context.config(CONFIG_FILE_NAME) }, event);
      });
    });

    // A review on a Hamster pull request that requests changes or mentions the app: a follow-up on its threads.
    app.on(["pull_request_review.submitted", "pull_request_review_comment.created"], (context) => {
      const parsed = parseReviewEvent(context.name, context.id, context.payload as unknown as ReviewPayload);
      if (parsed.kind === "ignore") return;
      if (!deliveries.recordDelivery(context.id, context.name)) return;
      admitAfterBurst(context, "could not admit the review", async () =>
        admitReview({ ...admitDeps, triggers }, clientOf(context), parsed.event, (await getIdentity()).slug),
      );
    });

    // Installed, or given more repositories: each gets the label, through the installation's write limiter.
    // Uninstalled or suspended: no token any more, so its runs stop here, with the reason.
    app.on(["installation.created", "installation.deleted", "installation.suspend", "installation_repositories.added"], (context) => {
      const event = parseInstallationEvent(context.name, context.payload as unknown as InstallationPayload);
      if (event.kind === "ignore") return;
      if (!deliveries.recordDelivery(context.id, context.name)) return;
      if (event.kind === "removed") {
        cancelInstallationRuns({ runs: runStore, log: app.log, abort: activeWorker.abort }, event);
        return;
      }
      // Not through the admission limiter: a large installation's labels take a while, and admissions must not wait behind them.
      const octokit = clientOf(context);
      track(ensureDeliverLabels(octokit, event.repositories, app.log).catch((error: unknown) => context.log.error({ err: error }, "could not create the labels")));
    });

    // A brief's task is done when its pull request merged, or its issue was closed as completed: what it unblocks starts.
    app.on("pull_request.closed", (context) => {
      const closed = parsePullRequestClosed(context.payload as unknown as PullRequestClosedPayload);
      if (!closed || briefStore.findTasksByPullRequest(closed.repoId, closed.number).length === 0) return;
      if (!deliveries.recordDelivery(context.id, context.name)) return;
      admitAfterBurst(context, "could not move the brief on", () => briefCoordinator.notePullRequestClosed(closed));
    });
    app.on("issues.closed", (context) => {
      const closed = parseIssueClosed(context.payload as unknown as IssueClosedPayload);
      if (!closed || briefStore.findTasksByIssue(closed.owner, closed.repo, closed.number).length === 0) return;
      if (!deliveries.recordDelivery(context.id, context.name)) return;
      admitAfterBurst(context, "could not move the brief on", () => briefCoordinator.noteIssueClosed(closed));
    });

    // A Hamster job on Actions that died or was cancelled in the Actions UI ends its run now, not at the heartbeat timeout.
    app.on("workflow_run.completed", (context) => {
      const { id, conclusion, html_url: htmlUrl } = context.payload.workflow_run;
      noteWorkflowRunCompleted({ id, conclusion, htmlUrl });
    });

    const publishRun = async (runId: number) =>
      createRunReporter({ octokit: await getOctokit(runStore.getRun(runId).installationId), runs: runStore, events: runEvents, runPageUrl }).publish(runId);
    const recover = (staleAfterMs: number) =>
      recoverRuns({ runs: runStore, log: app.log, publish: publishRun, enqueue: activeWorker.enqueue, isExecutingHere: activeWorker.has, staleAfterMs }).catch(
        (error: unknown) => app.log.error({ err: error }, "recovering runs failed"),
      );
    // At start every active run was orphaned by the previous process; later, only runs whose
    // worker stopped heartbeating (a hung or killed worker) are.
    // Then briefs carry on from their rows: what merged or ended meanwhile, and what may start now.
    track(recover(0).then(() => briefCoordinator.resumeBriefs()));
    // Mirrors left from before the restart may have aged past the limits meanwhile.
    track(pruneRunMirrors(settings, app.log));
    recoveryTimer = setInterval(() => {
      void recover(STALE_HEARTBEAT_MS);
      track(briefCoordinator.sweepBriefs());
    }, options.recoveryIntervalMs ?? 30_000);
    recoveryTimer.unref();
  };

  async function idle(): Promise<void> {
    // An admission may enqueue a run, and a run's end starts background work (the next
    // run's spare checkout), which admits nothing: a few passes settle it. Bounded anyway.
    for (let round = 0; round < 100; round++) {
      await Promise.allSettled([...admissions]);
      await worker?.idle();
      if (admissions.size === 0) return;
    }
  }

  return {
    appFn,
    idle,
    async drain(graceMs: number) {
      // Open run pages let go of the server at once; their browsers reconnect to the next process.
      liveFeed?.close();
      clearInterval(recoveryTimer);
      await worker?.drain(graceMs);
      await Promise.allSettled([...admissions]);
      // Nothing runs here any more: the next process may take over the data directory.
      dataDirLock?.release();
    },
    async close() {
      await this.drain(0);
      await writeLimiters.stop();
      db?.close();
      db = undefined;
    },
    httpHandler: routes.handle,
    get runs() {
      if (!runs) throw new Error("The app function has not been loaded yet");
      return runs;
    },
  };
}
