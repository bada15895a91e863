import type { ServerResponse } from "node:http";
import { z } from "zod";
import { ACTIONS_EXCHANGE_PATH } from "../domain/actions-workflow.js";
import type { ActionsAttempts, ExpectedWorkflow } from "../executors/actions/actions-attempt.js";
import type { ActionsTokenClaims } from "../executors/actions/actions-token-claims.js";
import { RUNNER_PROTOCOL_PATH } from "../runner/protocol.js";
import { readJsonBody, sendError, sendJson } from "./json-exchange.js";
import type { HttpHandler } from "./route-table.js";

export interface ActionsExchangeOptions {
  readonly attempts: ActionsAttempts;
  /** Verifies the token's signature, issuer, audience and expiry; throws an error with `status` 401 when it fails, any other error when the issuer cannot be reached. */
  verifyToken(token: string): Promise<ActionsTokenClaims>;
  /** Whether the claims name the attempt's repository, workflow, ref and workflow run. */
  checkClaims(claims: ActionsTokenClaims, expected: ExpectedWorkflow & { readonly workflowRunId: number }): { ok: true } | { ok: false; reason: string };
  /** True the first time a token id is seen. */
  claimToken(jti: string, expiresAtSec: number): boolean;
  /** The runner bundle's digest; throws when the app has none. */
  runnerBundle(): Promise<{ readonly sha256: string }>;
  /** The app's public URL, under which the runner fetches the bundle. */
  readonly publicUrl: string;
  readonly now?: () => number;
  readonly log?: { warn(details: object, message: string): void; error(details: object, message: string): void };
}

const ExchangeRequestSchema = z.object({
  run: z.number().int().min(1),
  attempt: z.number().int().min(1),
  token: z.string().min(1).max(16_384),
});

/** Seconds a runner waits before asking again while the app learns which workflow run it dispatched. */
const RETRY_AFTER_S = 2;

/**
 * `POST /api/hamster/actions/v1/exchange`: a runner in a GitHub Actions job trades the job's
 * OIDC token for the attempt's run credential. The token must be GitHub's, for the app, fresh,
 * unused, and say it comes from the dispatched workflow run of the configured workflow on the
 * configured ref of the run's repository; each attempt is handed out once.
 */
export function createActionsExchangeHandler(options: ActionsExchangeOptions): HttpHandler {
  return async (request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (path !== ACTIONS_EXCHANGE_PATH) return false;
    if (request.method !== "POST") {
      response.setHeader("allow", "POST");
      sendError(response, 405, `${request.method} is not allowed here; POST { run, attempt, token }.`);
      return true;
    }
    const body = await readJsonBody(request, response, ExchangeRequestSchema, 64 * 1024);
    if (body === undefined) return true;
    try {
      await exchange(options, body, response);
    } catch (error) {
      options.log?.error({ run: body.run, attempt: body.attempt, err: error }, "actions exchange failed");
      if (!response.headersSent) sendError(response, 500, "The app failed to handle this exchange; try again.");
    }
    return true;
  };
}

async function exchange(
  options: ActionsExchangeOptions,
  body: z.infer<typeof ExchangeRequestSchema>,
  response: ServerResponse,
): Promise<void> {
  const attempt = options.attempts.find(body.run, body.attempt);
  if (attempt === undefined) {
    return sendError(response, 404, `Run ${body.run} attempt ${body.attempt} is not waiting for a runner here: it has ended, or it was not dispatched to GitHub Actions.`);
  }
  let claims: ActionsTokenClaims;
  try {
    claims = await options.verifyToken(body.token);
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) return sendError(response, status, (error as Error).message);
    options.log?.warn({ run: body.run, err: error }, "could not verify an Actions OIDC token");
    return retryLater(response, "The app could not reach the OIDC issuer to check the token; try again with a new token.");
  }
  if (attempt.workflowRunId === null) return retryLater(response, "The app is still learning which workflow run it dispatched; try again with a new token.");
  const check = options.checkClaims(claims, { ...attempt.expected, workflowRunId: attempt.workflowRunId });
  if (!check.ok) return sendError(response, 403, check.reason);
  const bundle = await options.runnerBundle();
  if (!options.claimToken(claims.jti, claims.exp)) return sendError(response, 409, "This token has been used already: request a new one.");
  const credential = attempt.claim((options.now ?? Date.now)());
  if (credential === null) return sendError(response, 409, `A runner has claimed run ${body.run} attempt ${body.attempt} already.`);
  sendJson(response, 200, { credential, runner: { url: `${options.publicUrl}${RUNNER_PROTOCOL_PATH}runner.mjs`, sha256: bundle.sha256 } });
}

function retryLater(response: ServerResponse, message: string): void {
  response.setHeader("retry-after", String(RETRY_AFTER_S));
  sendError(response, 503, message);
}
