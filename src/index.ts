import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from "probot";
import type { AgentProvider } from "./agent/provider.js";
import type { AppSettings } from "./config/env.js";
import { createWriteLimiters, DEFAULT_WRITE_MIN_TIME_MS, type WriteLimiters } from "./github/write-limiter.js";
import type { RunDependencies } from "./lifecycle/execute-run.js";
import type { Worker } from "./lifecycle/worker.js";
import type { LiveRunFeed } from "./console/live-run-feed.js";
import { sharedRedactor, type Redactor } from "./security/redactor.js";
import { createRouteTable, type HttpHandler, type RouteTable } from "./server/route-table.js";
import { openDatabase, type SqliteDatabase } from "./store/database.js";
import type { DataDirLock } from "./store/data-dir-lock.js";
import type { RunStore } from "./store/run-store.js";
import { createAdmissionQueue, type AdmissionQueue } from "./compose/admission-queue.js";
import { attachToProbotServer } from "./compose/attach-server.js";
import { createBackgroundWork } from "./compose/background-work.js";
import { createGitHubAccess } from "./compose/github-access.js";
import { lockDataDirForRestart, openStores } from "./compose/open-stores.js";
import { registerWebhooks } from "./compose/register-webhooks.js";
import { startRecovery } from "./compose/start-recovery.js";
import { addSettingsSecrets, createAgentSources, loadAgents } from "./compose/wire-agents.js";
import { mountConsole } from "./compose/wire-console.js";
import { wireExecutors } from "./compose/wire-executors.js";
import { wireRuns } from "./compose/wire-runs.js";

export { createBuiltinAgent } from "./compose/wire-agents.js";

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

/** What the app function has opened, filled in as it opens it: a drain and close let go of what is there. */
interface Opened {
  db?: SqliteDatabase;
  dataDirLock?: DataDirLock;
  runs?: RunStore;
  worker?: Worker;
  liveFeed?: LiveRunFeed;
  recoveryTimer?: NodeJS.Timeout;
}

/** What lives as long as the HamsterApp, across loads of its app function. */
interface Shared {
  readonly options: HamsterAppOptions;
  readonly routes: RouteTable;
  readonly writeLimiters: WriteLimiters;
  readonly redactor: Redactor;
  readonly admissions: AdmissionQueue;
  track(work: Promise<unknown>): void;
}

/** Wires webhooks to intake and starts the worker; the logic lives in the modules it calls. */
export function createHamsterApp(options: HamsterAppOptions): HamsterApp {
  const background = createBackgroundWork();
  const opened: Opened = {};
  const shared: Shared = {
    options,
    routes: createRouteTable(),
    // One queue of writes per installation, so many runs at once stay under GitHub's secondary rate limits.
    writeLimiters: createWriteLimiters({ minTimeMs: options.writeMinTimeMs ?? DEFAULT_WRITE_MIN_TIME_MS }),
    redactor: options.redactor ?? sharedRedactor,
    admissions: createAdmissionQueue(background.track),
    track: background.track,
  };
  addSettingsSecrets(shared.redactor, options.settings);

  async function idle(): Promise<void> {
    // An admission may enqueue a run, and a run's end starts background work (the next
    // run's spare checkout), which admits nothing: a few passes settle it. Bounded anyway.
    for (let round = 0; round < 100; round++) {
      await background.settle();
      await opened.worker?.idle();
      if (background.pending === 0) return;
    }
  }

  return {
    appFn: (app, appOptions) => loadApp(app, appOptions, shared, opened),
    idle,
    async drain(graceMs: number) {
      // Open run pages let go of the server at once; their browsers reconnect to the next process.
      opened.liveFeed?.close();
      clearInterval(opened.recoveryTimer);
      await opened.worker?.drain(graceMs);
      await background.settle();
      // Nothing runs here any more: the next process may take over the data directory.
      opened.dataDirLock?.release();
    },
    async close() {
      await this.drain(0);
      await shared.writeLimiters.stop();
      opened.db?.close();
      opened.db = undefined;
    },
    httpHandler: shared.routes.handle,
    get runs() {
      if (!opened.runs) throw new Error("The app function has not been loaded yet");
      return opened.runs;
    },
  };
}

/** The Probot app function: opens the stores, starts the worker and registers the webhooks. */
async function loadApp(app: Probot, appOptions: ApplicationFunctionOptions | undefined, shared: Shared, opened: Opened): Promise<void> {
  const { options, routes, redactor, track } = shared;
  const { settings } = options;
  const log = app.log;
  attachToProbotServer(app, appOptions, routes);
  const registry = await loadAgents({ settings, builtinAgent: options.builtinAgent, env: options.env ?? process.env, redactor, log });
  opened.dataDirLock = lockDataDirForRestart(settings);
  const db = (opened.db = openDatabase(settings.dataDir));
  const stores = openStores(db, { settings, redactor, log });
  opened.runs = stores.runs;
  const github = createGitHubAccess(app, { writeLimiters: shared.writeLimiters, redactor });
  const agentSources = createAgentSources(registry, stores.vault, redactor);
  const { noteWorkflowRunCompleted, ...executors } = wireExecutors({
    routes,
    settings,
    credentials: stores.credentials,
    events: stores.events,
    dispatches: stores.dispatches,
    getAnthropicKey: (installationId) => agentSources.getProviderKey(installationId, "anthropic") ?? settings.anthropicApiKey,
    getOctokit: github.getOctokit,
    redactor,
    log,
    ...(options.runnerEnv ? { runnerEnv: options.runnerEnv } : {}),
    ...(options.actionsPollMs !== undefined ? { actionsPollMs: options.actionsPollMs } : {}),
  });
  const runOptions = {
    ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.startRunDeadline !== undefined ? { startDeadline: options.startRunDeadline } : {}),
  };
  const wired = wireRuns({ stores, executors, agentSources, knownAgents: registry.known, settings, log, github, track, runOptions });
  opened.worker = wired.worker;
  opened.liveFeed = mountConsole({ routes, db, stores, knownAgents: registry.known, redactor, settings, log, getOctokit: github.getOctokit, admit: wired.admit });
  registerWebhooks(app, { stores, ...wired, github, admissions: shared.admissions, track, noteWorkflowRunCompleted });
  opened.recoveryTimer = startRecovery({ ...wired, stores, settings, log, getOctokit: github.getOctokit, track, intervalMs: options.recoveryIntervalMs });
}
