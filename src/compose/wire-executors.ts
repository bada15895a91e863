import type { Logger } from "probot";
import type { AppSettings } from "../config/env.js";
import type { Run } from "../domain/run.js";
import type { Executor } from "../executors/executor.js";
import { createJobBoard } from "../executors/process/job-board.js";
import { createProcessExecutor } from "../executors/process/process-executor.js";
import { createModelGateway } from "../gateway/model-gateway.js";
import type { ModelEndpoint } from "../agent/provider.js";
import { createActiveAttempts } from "../lifecycle/active-attempts.js";
import type { RunDependencies } from "../lifecycle/execute-run.js";
import { createGatewayAccess } from "../lifecycle/gateway-access.js";
import type { Redactor } from "../security/redactor.js";
import type { RouteTable } from "../server/route-table.js";
import { createRunnerProtocolHandler } from "../server/runner-protocol.js";
import type { RunCredentialStore } from "../store/run-credentials.js";
import type { RunEventStore } from "../store/run-event-store.js";

/**
 * Where runs execute and how they reach the model: the model gateway and the runner protocol
 * on the app's own server, and what the lifecycle needs to use them (a credential per
 * attempt; the `process` executor when the run or the app asks for it).
 */
export function wireExecutors(deps: {
  routes: RouteTable;
  settings: AppSettings;
  credentials: RunCredentialStore;
  events: RunEventStore;
  /** The installation's Anthropic key, else the app's; undefined when there is none. */
  getAnthropicKey(installationId: number): string | undefined;
  redactor: Redactor;
  log: Logger;
  /** What a runner's environment is built from; default process.env. */
  runnerEnv?: NodeJS.ProcessEnv;
}): Pick<RunDependencies, "modelAccess" | "createExecutor"> {
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
  // Jobs of the `process` executor, served to their runners over the runner protocol.
  const board = createJobBoard();
  deps.routes.add(createRunnerProtocolHandler({ board, credentials: { verify: (token) => credentials.verifyRunCredential(token) }, log }));
  const createExecutor = (run: Run, _started: unknown, endpoint: ModelEndpoint | undefined): Executor | undefined =>
    (run.request.settings?.executor ?? settings.executor) === "process" && endpoint
      ? createProcessExecutor({
          board,
          // The lifecycle issued the attempt's credential (the gateway's too) and revokes it.
          credentials: { issue: () => endpoint.apiKey, revoke: () => undefined },
          appUrl: settings.publicUrl,
          ...(deps.runnerEnv ? { runnerEnv: deps.runnerEnv } : {}),
          log,
          redactor: deps.redactor,
        })
      : undefined;
  return { modelAccess: { credentials, attempts, publicUrl: settings.publicUrl }, createExecutor };
}
