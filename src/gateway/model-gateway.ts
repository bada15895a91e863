import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import { findBudgetOverrun } from "../agent/budget.js";
import { BUDGET_REFUSAL_HEADER, renderBudgetRefusal } from "../agent/budget-refusal.js";
import { computeCostUsd } from "../agent/prices.js";
import { readRequestCredential } from "./authenticate-request.js";
import { forwardMessages, type ForwardInput } from "./forward-messages.js";
import { refuseUnreadRequest, sendGatewayError, type GatewayError } from "./gateway-errors.js";
import type { GatewayGrant, ModelGatewayDeps } from "./gateway-types.js";
import { readMessageRequest } from "./read-message-request.js";

/**
 * The model gateway: the Anthropic Messages API on the app's own server, for agents that run
 * anywhere. A run credential comes in, the provider key goes out; the run's budgets are
 * checked before each call and each call's usage is recorded after it. Agents point their
 * SDK's base URL at `<public url>/api/hamster/model`.
 */

/** A handler for the app's HTTP server: true when it answered the request. */
export type GatewayHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export const DEFAULT_GATEWAY_PATH = "/api/hamster/model";
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

type Route = "messages" | "count_tokens";
const ROUTES: Readonly<Record<string, Route>> = { "/v1/messages": "messages", "/v1/messages/count_tokens": "count_tokens" };

const UNAUTHENTICATED: GatewayError = {
  status: 401,
  type: "authentication_error",
  message: "Hamster: the run credential is missing, unknown, expired or revoked, or its run has ended.",
};

/** What every request of one gateway shares. */
interface Gateway {
  readonly deps: ModelGatewayDeps;
  readonly basePath: string;
  readonly maxBodyBytes: number;
  readonly upstreamBase: URL;
  readonly agents: ForwardInput["agents"];
}

export function createModelGateway(deps: ModelGatewayDeps): GatewayHandler {
  const gateway: Gateway = {
    deps,
    basePath: (deps.basePath ?? DEFAULT_GATEWAY_PATH).replace(/\/+$/u, ""),
    maxBodyBytes: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    upstreamBase: new URL(deps.upstreamBaseUrl),
    // Kept-alive connections to the model API: a new TLS handshake per call would cost more than the gateway itself.
    agents: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) },
  };
  return async (req, res) => {
    const url = parseRequestUrl(req);
    if (url === null || (url.pathname !== gateway.basePath && !url.pathname.startsWith(`${gateway.basePath}/`))) return false;
    try {
      await serveRequest(gateway, req, res, url);
    } catch (error) {
      deps.onError?.(error);
      if (!res.headersSent && !res.destroyed) sendGatewayError(res, { status: 500, type: "api_error", message: "Hamster: the model gateway failed; see the app's log." });
      else if (!res.writableFinished) res.destroy();
    }
    return true;
  };
}

async function serveRequest(gateway: Gateway, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { deps, maxBodyBytes } = gateway;
  const route = ROUTES[url.pathname.slice(gateway.basePath.length).replace(/\/+$/u, "")];
  if (route === undefined) return refuseUnreadRequest(req, res, { status: 404, type: "not_found_error", message: `Hamster: ${url.pathname} is not served here.` });
  if (req.method !== "POST") {
    return refuseUnreadRequest(req, res, { status: 405, type: "invalid_request_error", message: `Hamster: ${url.pathname} takes POST only.`, headers: { allow: "POST" } });
  }
  const token = readRequestCredential(req.headers);
  const grant = token === null ? null : await deps.authenticate(token);
  if (grant === null) return refuseUnreadRequest(req, res, UNAUTHENTICATED);
  if (Number(req.headers["content-length"]) > maxBodyBytes) return refuseUnreadRequest(req, res, tooLarge(maxBodyBytes));

  const request = await readMessageRequest(req, maxBodyBytes);
  if (request.kind === "aborted") return;
  if (request.kind === "too_large") return refuseUnreadRequest(req, res, tooLarge(maxBodyBytes));
  if (request.kind === "malformed") return sendGatewayError(res, { status: 400, type: "invalid_request_error", message: request.message });
  const refusal = await findRefusal(deps, grant, route, request.model);
  if (refusal !== undefined) return sendGatewayError(res, refusal);
  const providerKey = await deps.getProviderKey(grant.installationId);
  if (providerKey === undefined || providerKey === "") {
    const message = "Hamster: no model API key is configured for this run's installation. Store one with the app's secrets command, or set ANTHROPIC_API_KEY.";
    return sendGatewayError(res, { status: 500, type: "api_error", message, headers: { "x-should-retry": "false" } });
  }

  const input: ForwardInput = { url: buildUpstreamUrl(gateway.upstreamBase, route, url.search), clientHeaders: req.headers, providerKey, body: request.bytes, agents: gateway.agents };
  const started = performance.now();
  const { usage, status, streamed, complete, stopReason } = await forwardMessages(res, input);
  if (route !== "messages") return;
  const durationMs = performance.now() - started;
  await deps.recordCall(grant, { model: request.model, usage, costUsd: computeCostUsd(request.model, usage), status, durationMs, streamed, complete, stopReason });
}

/** Why the grant does not cover this call, or undefined: a model it may not use, or a spent budget. */
async function findRefusal(deps: ModelGatewayDeps, grant: GatewayGrant, route: Route, model: string): Promise<GatewayError | undefined> {
  if (grant.allowedModels !== undefined && !grant.allowedModels.includes(model)) {
    return { status: 403, type: "permission_error", message: `Hamster: this run may not call the model "${model}".` };
  }
  // Counting tokens is free and is not a turn: only a messages call is held to the budgets.
  if (route !== "messages") return undefined;
  const spend = await deps.getSpend(grant.runId);
  // A call in flight is not counted yet: like the agent's own check, a call may cross a budget, and the next one stops.
  const overrun = findBudgetOverrun(grant.budgets, { ...spend, elapsedMs: 0 });
  if (overrun === undefined) return undefined;
  const refusal = renderBudgetRefusal(overrun);
  return { status: 403, type: "permission_error", message: refusal.message, headers: { [BUDGET_REFUSAL_HEADER]: refusal.headerValue } };
}

function parseRequestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? "/", "http://gateway.invalid");
  } catch {
    return null;
  }
}

function buildUpstreamUrl(base: URL, route: Route, search: string): URL {
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/u, "")}/v1/messages${route === "count_tokens" ? "/count_tokens" : ""}`;
  url.search = search;
  return url;
}

function tooLarge(maxBytes: number): GatewayError {
  return { status: 413, type: "request_too_large", message: `Hamster: the request body is larger than ${maxBytes} bytes.` };
}
