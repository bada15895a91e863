import type { ApplicationFunction, Context, Probot } from "probot";
import { createClaudeAgent } from "./agent/claude-agent.js";
import type { AgentProvider } from "./agent/provider.js";
import { createAgentRegistry, type AgentRegistry } from "./agent/registry.js";
import { CONFIG_FILE_NAME } from "./config/repo-config.js";
import { createGitHubHost } from "./reporter/github-host.js";
import type { AppSettings } from "./config/env.js";
import type { GitHubClient } from "./github/client.js";
import { admitTrigger } from "./intake/admit-trigger.js";
import { parseCommentEvent, parseLabeledEvent, type CommentPayload, type LabeledPayload, type ParsedEvent } from "./intake/trigger-event.js";
import { openDatabase, type SqliteDatabase } from "./store/database.js";
import { createDeliveryStore } from "./store/delivery-store.js";
import { createRunStore, type RunStore } from "./store/run-store.js";
import { executeRun } from "./worker/execute-run.js";
import { recoverRuns } from "./worker/recover-runs.js";
import { createWorker, type Worker } from "./worker/worker.js";

export interface HamsterAppOptions {
  readonly settings: AppSettings;
  /** The built-in agent; defaults to the Claude loop configured from the settings. */
  readonly builtinAgent?: AgentProvider;
  /** Where command-line agents are looked for (PATH) and what they may receive; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** How often live progress may update the check run. */
  readonly progressIntervalMs?: number;
}

export interface HamsterApp {
  readonly appFn: ApplicationFunction;
  /** Resolves when no trigger is being admitted, no run is executing, and start-up recovery is done. */
  idle(): Promise<void>;
  /** Stops the worker and closes the database. */
  close(): Promise<void>;
  /** The run store, once the app function has been loaded. */
  readonly runs: RunStore;
}

export function createBuiltinAgent(settings: AppSettings): AgentProvider {
  return createClaudeAgent({
    ...(settings.anthropicApiKey ? { apiKey: settings.anthropicApiKey } : {}),
    ...(settings.anthropicBaseUrl ? { baseURL: settings.anthropicBaseUrl } : {}),
    maxTokens: settings.maxOutputTokens,
    commandTimeoutMs: settings.commandTimeoutMs,
  });
}

/** Wires webhooks to intake and starts the worker; the logic lives in the modules it calls. */
export function createHamsterApp(options: HamsterAppOptions): HamsterApp {
  const { settings } = options;
  const admissions = new Set<Promise<unknown>>();
  let db: SqliteDatabase | undefined;
  let runs: RunStore | undefined;
  let worker: Worker | undefined;

  const appFn: ApplicationFunction = async (app: Probot) => {
    const registry: AgentRegistry = await createAgentRegistry({
      builtin: options.builtinAgent ?? createBuiltinAgent(settings),
      env: options.env ?? process.env,
      commandTimeoutMs: settings.commandTimeoutMs,
    });
    db = openDatabase(settings.dataDir);
    const runStore = createRunStore(db);
    runs = runStore;
    const deliveries = createDeliveryStore(db);
    const getOctokit = (installationId: number) => app.auth(installationId) as Promise<GitHubClient>;
    const activeWorker = createWorker({
      concurrency: settings.concurrency,
      log: app.log,
      execute: (runId, signal) =>
        executeRun(
          {
            runs: runStore,
            settings,
            log: app.log,
            createHost: async (run) =>
              createGitHubHost({
                octokit: await getOctokit(run.installationId),
                runs: runStore,
                runId: run.id,
                log: app.log,
                ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
              }),
            getAgent: (name) => registry.available[name] ?? { unavailable: registry.explainMissing(name) },
          },
          runId,
          signal,
        ),
    });
    worker = activeWorker;
    const admitDeps = { runs: runStore, settings, log: app.log, knownAgents: registry.known, enqueue: activeWorker.enqueue };

    /** Records the delivery and hands the trigger to admission without waiting for it. */
    const receive = (context: Context, parsed: ParsedEvent) => {
      if (parsed.kind === "ignore") return;
      if (!deliveries.recordDelivery(context.id, context.name)) {
        context.log.info({ delivery: context.id }, "redelivered webhook ignored");
        return;
      }
      const admission = admitTrigger(admitDeps, context.octokit as GitHubClient, parsed.event, () => context.config(CONFIG_FILE_NAME))
        .catch((error: unknown) => context.log.error({ err: error, delivery: context.id }, "could not admit the trigger"))
        .finally(() => admissions.delete(admission));
      admissions.add(admission);
    };

    app.on("issues.labeled", (context) => receive(context, parseLabeledEvent(context.id, context.payload as LabeledPayload)));
    app.on("issue_comment.created", (context) =>
      receive(context, parseCommentEvent(context.id, context.payload as CommentPayload)),
    );

    const recovery = recoverRuns({ runs: runStore, log: app.log, getOctokit, enqueue: activeWorker.enqueue })
      .catch((error: unknown) => app.log.error({ err: error }, "recovering runs failed"))
      .finally(() => admissions.delete(recovery));
    admissions.add(recovery);
  };

  async function idle(): Promise<void> {
    // An admission may enqueue a run; a run never admits, so two passes settle it. Bounded anyway.
    for (let round = 0; round < 100; round++) {
      await Promise.allSettled([...admissions]);
      await worker?.idle();
      if (admissions.size === 0) return;
    }
  }

  return {
    appFn,
    idle,
    async close() {
      await worker?.stop();
      db?.close();
    },
    get runs() {
      if (!runs) throw new Error("The app function has not been loaded yet");
      return runs;
    },
  };
}
