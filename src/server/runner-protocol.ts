import type { IncomingMessage } from "node:http";
import type { JobBoard } from "../executors/process/job-board.js";
import type { LiveJob } from "../executors/process/live-job.js";
import type { RunCredentials } from "../executors/process/run-credentials.js";
import { RUNNER_PROTOCOL_PATH } from "../runner/protocol.js";
import type { RunnerBundle } from "../runner/runner-bundle.js";
import { sendError } from "./json-exchange.js";
import type { HttpHandler } from "./route-table.js";
import { RUNNER_ROUTES, type RouteLimits } from "./runner-protocol-routes.js";

export interface RunnerProtocolOptions {
  readonly board: JobBoard;
  readonly credentials: Pick<RunCredentials, "verify">;
  /** Largest work bundle a runner may upload. Default 200 MiB. */
  readonly maxWorkBundleBytes?: number;
  /** Largest JSON body (an event batch, a result). Default 8 MiB. */
  readonly maxJsonBytes?: number;
  readonly log?: { error(details: object, message: string): void };
  /**
   * The runner as one file, served at `runner.mjs` (loadRunnerBundle); without it, or when it
   * throws RunnerBundleMissing, `runner.mjs` answers 404.
   */
  readonly runnerBundle?: () => Promise<RunnerBundle>;
}

const MiB = 1024 * 1024;

/**
 * The runner protocol's HTTP handler: true when it answered the request (every path under
 * RUNNER_PROTOCOL_PATH), false for any other path. Each request is authenticated by its
 * run credential and bound to that credential's run and attempt, which must be executing
 * here; every answer is JSON (or a bundle), every refusal a 4xx with `{ error }`.
 */
export function createRunnerProtocolHandler(options: RunnerProtocolOptions): HttpHandler {
  const limits: RouteLimits = { maxWorkBundleBytes: options.maxWorkBundleBytes ?? 200 * MiB, maxJsonBytes: options.maxJsonBytes ?? 8 * MiB };
  return async (request, response) => {
    const url = parseUrl(request.url);
    if (url === null || !url.pathname.startsWith(RUNNER_PROTOCOL_PATH)) return false;
    const live = authenticate(options, request);
    if (live === null) {
      sendError(response, 401, "The run credential is missing, unknown, expired, or its attempt is not running here.");
      return true;
    }
    live.touch();
    const path = url.pathname.slice(RUNNER_PROTOCOL_PATH.length);
    const route = RUNNER_ROUTES.find((candidate) => candidate.pattern.test(path));
    if (route === undefined) {
      sendError(response, 404, `There is no ${path} in version 1 of the runner protocol.`);
      return true;
    }
    const handle = route.methods[request.method ?? ""];
    if (handle === undefined) {
      response.setHeader("allow", Object.keys(route.methods).join(", "));
      sendError(response, 405, `${request.method} is not allowed on ${path}.`);
      return true;
    }
    try {
      await handle({ request, response, live, url, path, limits, runnerBundle: options.runnerBundle });
    } catch (error) {
      options.log?.error({ runId: live.job.runId, attempt: live.job.attempt, err: error }, `runner protocol: ${request.method} ${path} failed`);
      if (!response.headersSent) sendError(response, 500, "The app failed to handle this request; try again.");
      else response.destroy();
    }
    return true;
  };
}

function parseUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? "/", "http://localhost");
  } catch {
    return null;
  }
}

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

function authenticate(options: RunnerProtocolOptions, request: IncomingMessage): LiveJob | null {
  const token = BEARER.exec(request.headers.authorization ?? "")?.[1];
  if (token === undefined) return null;
  const claim = options.credentials.verify(token);
  if (claim === null) return null;
  return options.board.find(claim.runId, claim.attempt) ?? null;
}
