import type { Logger } from "probot";
import type { AppSettings } from "../config/env.js";
import { DEFAULT_WORKFLOW_PATH } from "../domain/actions-workflow.js";
import type { Run } from "../domain/run.js";
import { createActionsAttempts, type ActionsAttempts } from "../executors/actions/actions-attempt.js";
import { createActionsExecutor } from "../executors/actions/actions-executor.js";
import { checkTokenClaims } from "../executors/actions/check-token-claims.js";
import { createOidcVerifier } from "../executors/actions/oidc-verifier.js";
import { createReplayGuard } from "../executors/actions/replay-guard.js";
import type { Executor } from "../executors/executor.js";
import { createJobBoard, type JobBoard } from "../executors/process/job-board.js";
import { createProcessExecutor } from "../executors/process/process-executor.js";
import { createModelGateway } from "../gateway/model-gateway.js";
import type { ModelEndpoint } from "../agent/provider.js";
import type { GitHubClient } from "../github/client.js";
import { createActiveAttempts } from "../lifecycle/active-attempts.js";
import type { RunDependencies } from "../lifecycle/execute-run.js";
import { createGatewayAccess } from "../lifecycle/gateway-access.js";
import { resolveWallClockMs } from "../lifecycle/run-plan.js";
import { loadRunnerBundle } from "../runner/runner-bundle.js";
import type { Redactor } from "../security/redactor.js";
import { createActionsExchangeHandler } from "../server/actions-exchange.js";
import type { RouteTable } from "../server/route-table.js";
import { createRunnerProtocolHandler } from "../server/runner-protocol.js";
import type { ActionsDispatchStore } from "../store/actions-dispatch-store.js";
import type { RunCredentialStore } from "../store/run-credentials.js";
import type { RunEventStore } from "../store/run-event-store.js";

export interface ExecutorWiring extends Pick<RunDependencies, "modelAccess" | "createExecutor"> {
  /** GitHub says a workflow run completed (`workflow_run.completed`): a Hamster job on Actions learns it. */
  noteWorkflowRunCompleted(workflowRun: { id: number; conclusion: string | null; htmlUrl: string }): void;
}

/**
 * Where runs execute and how they reach the model: the model gateway, the runner protocol and
 * the Actions token exchange on the app's own server, and what the lifecycle needs to use
 * them (a credential per attempt; the `process` or `actions` executor when the run or the app
 * asks for it).
 */
export function wireExecutors(deps: {
  routes: RouteTable;
  settings: AppSettings;
  credentials: RunCredentialStore;
  events: RunEventStore;
  dispatches: ActionsDispatchStore;
  /** The installation's Anthropic key, else the app's; undefined when there is none. */
  getAnthropicKey(installationId: number): string | undefined;
  getOctokit(installationId: number): Promise<GitHubClient>;
  redactor: Redactor;
  log: Logger;
  /** What a runner's environment is built from; default process.env. */
  runnerEnv?: NodeJS.ProcessEnv;
  /** How long an Actions job may go unpolled while queued; default 60 s (tests shorten it). */
  actionsPollMs?: number;
}): ExecutorWiring {
  const { settings, credentials, log } = deps;
  const attempts = createActiveAttempts();
  deps.routes.add(
    createModelGateway(
      createGatewayAccess({
        credentials,
        attempts,
        events: deps.events,
        getProviderKey: deps.getAnthropicKey,
        upstreamBaseUrl: settings.anthropicBaseUrl ?? "https://api.anthropic.com",
        log,
      }),
    ),
  );
  // Jobs of the runner executors, served to their runners over the runner protocol.
  const board = createJobBoard();
  const runnerBundle = cacheRunnerBundle();
  deps.routes.add(createRunnerProtocolHandler({ board, credentials: { verify: (token) => credentials.verifyRunCredential(token) }, runnerBundle, log }));
  const actionsAttempts = createActionsAttempts();
  const verifier = createOidcVerifier({ issuer: settings.actionsOidcIssuer, audience: settings.publicUrl });
  const replay = createReplayGuard();
  deps.routes.add(
    createActionsExchangeHandler({
      attempts: actionsAttempts,
      verifyToken: (token) => verifier.verify(token),
      checkClaims: checkTokenClaims,
      claimToken: (jti, expiresAt) => replay.claim(jti, expiresAt),
      runnerBundle,
      publicUrl: settings.publicUrl,
      log,
    }),
  );
  const createExecutor = async (run: Run, _started: unknown, endpoint: ModelEndpoint | undefined): Promise<Executor | undefined> => {
    // Every runner reaches the model through the gateway, with the attempt's credential.
    if (!endpoint) return undefined;
    const executor = run.request.settings?.executor ?? settings.executor;
    if (executor === "process") {
      return createProcessExecutor({
        board,
        // The lifecycle issued the attempt's credential (the gateway's too) and revokes it.
        credentials: { issue: () => endpoint.apiKey, revoke: () => undefined },
        appUrl: settings.publicUrl,
        ...(deps.runnerEnv ? { runnerEnv: deps.runnerEnv } : {}),
        log,
        redactor: deps.redactor,
      });
    }
    if (executor === "actions") return createOnActions(deps, { board, attempts: actionsAttempts }, run, endpoint.apiKey);
    return undefined;
  };
  return {
    modelAccess: { credentials, attempts, publicUrl: settings.publicUrl },
    createExecutor,
    noteWorkflowRunCompleted(workflowRun) {
      actionsAttempts.findByWorkflowRun(workflowRun.id)?.finish({ conclusion: workflowRun.conclusion, htmlUrl: workflowRun.htmlUrl });
    },
  };
}

async function createOnActions(
  deps: Parameters<typeof wireExecutors>[0],
  shared: { board: JobBoard; attempts: ActionsAttempts },
  run: Run,
  credential: string,
): Promise<Executor> {
  const actions = run.request.settings?.actions;
  return createActionsExecutor({
    ...shared,
    dispatches: deps.dispatches,
    octokit: await deps.getOctokit(run.installationId),
    credential,
    target: {
      repo: { owner: run.request.repo.owner, repo: run.request.repo.name },
      workflowPath: actions?.workflow ?? DEFAULT_WORKFLOW_PATH,
      ref: actions?.ref ?? run.request.repo.defaultBranch,
    },
    // The job may outlive the run's budget by the time the runner needs to send its partial work.
    timeoutMinutes: Math.ceil(resolveWallClockMs(run, deps.settings) / 60_000) + 5,
    queueTimeoutMs: (actions?.queueTimeoutMinutes ?? 30) * 60_000,
    ...(deps.actionsPollMs !== undefined ? { pollMs: deps.actionsPollMs } : {}),
    redactor: deps.redactor,
    log: deps.log,
  });
}

/** The runner bundle's digest, read once; a missing bundle is looked for again next time. */
function cacheRunnerBundle(): () => ReturnType<typeof loadRunnerBundle> {
  let loaded: ReturnType<typeof loadRunnerBundle> | undefined;
  return () => {
    loaded ??= loadRunnerBundle().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}
