import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import https from "node:https";
import { ZERO_USAGE, type TokenUsage } from "../domain/usage.js";
import { sendGatewayError } from "./gateway-errors.js";
import { createUsageTap, type UsageTap } from "./usage-tap.js";

/**
 * Forwards one Messages API request to the model API and pipes the answer back byte for
 * byte, whatever it is (a stream, JSON, an error), while a tap reads its usage. The body is
 * never held: the client's pace sets the upstream's (pipe's backpressure), and a client that
 * leaves aborts the upstream request. No retries here: the client's SDK retries.
 */

export interface ForwardInput {
  /** The model API's URL for this call, query string included. */
  readonly url: URL;
  readonly clientHeaders: IncomingHttpHeaders;
  readonly providerKey: string;
  /** The request body exactly as the client sent it: prompt caching depends on every byte. */
  readonly body: Buffer;
  readonly agents: { readonly http: http.Agent; readonly https: https.Agent };
}

export interface ForwardResult {
  /** The model API's status; 502 when it could not be reached. */
  readonly status: number;
  readonly usage: TokenUsage;
  readonly streamed: boolean;
  /** The whole answer reached the client. */
  readonly complete: boolean;
  readonly stopReason: string | null;
}

/** Request headers the model API needs from the client; its credential is never among them. */
const FORWARDED_REQUEST_HEADERS = ["anthropic-version", "anthropic-beta", "content-type", "accept", "user-agent"];

/** Response headers that belong to one hop, or to the provider account rather than the run. */
const DROPPED_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "set-cookie",
  "anthropic-organization-id",
]);

export function buildUpstreamHeaders(clientHeaders: IncomingHttpHeaders, providerKey: string, bodyBytes: number): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = clientHeaders[name];
    if (value !== undefined) headers[name] = value;
  }
  headers["content-type"] ??= "application/json";
  headers["content-length"] = String(bodyBytes);
  // Uncompressed, so the bytes passed on are the bytes the tap reads.
  headers["accept-encoding"] = "identity";
  headers["x-api-key"] = providerKey;
  return headers;
}

export function buildClientHeaders(upstreamHeaders: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = new Set(
    String(upstreamHeaders.connection ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase()),
  );
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstreamHeaders)) {
    if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name) && !listed.has(name)) headers[name] = value;
  }
  return headers;
}

function buildResult(status: number, tap: UsageTap | undefined, whole: boolean): ForwardResult {
  tap?.end();
  return {
    status,
    usage: tap?.usage() ?? ZERO_USAGE,
    streamed: tap?.streamed ?? false,
    complete: whole && (tap?.complete() ?? false),
    stopReason: tap?.stopReason() ?? null,
  };
}

function sendUpstreamRequest(input: ForwardInput): http.ClientRequest {
  const secure = input.url.protocol === "https:";
  return (secure ? https : http).request(input.url, {
    method: "POST",
    headers: buildUpstreamHeaders(input.clientHeaders, input.providerKey, input.body.length),
    agent: secure ? input.agents.https : input.agents.http,
  });
}

export function forwardMessages(res: ServerResponse, input: ForwardInput): Promise<ForwardResult> {
  return new Promise((resolve) => {
    let tap: UsageTap | undefined;
    let status = 502;
    let settled = false;
    const settle = (whole: boolean): void => {
      if (settled) return;
      settled = true;
      res.off("close", onClientClose);
      resolve(buildResult(status, tap, whole));
    };
    const upstream = sendUpstreamRequest(input);

    upstream.on("response", (answer) => {
      status = answer.statusCode ?? 502;
      const answerTap = createUsageTap(status, answer.headers["content-type"]);
      tap = answerTap;
      res.writeHead(status, buildClientHeaders(answer.headers));
      answer.on("data", (chunk: Buffer) => answerTap.push(chunk));
      // The model API broke off: the client must see a cut answer, not a short one that looks whole.
      answer.on("error", () => undefined);
      answer.on("close", () => {
        if (answer.complete) return;
        res.destroy();
        settle(false);
      });
      res.on("finish", () => settle(true));
      answer.pipe(res);
    });

    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (settled) return;
      if (!res.headersSent && !res.destroyed) {
        const reason = error.code ?? "connection failed";
        sendGatewayError(res, { status: 502, type: "api_error", message: `Hamster: the model API could not be reached (${reason}).` });
      } else {
        res.destroy();
      }
      settle(false);
    });

    // The client left (cancelled, timed out, or its process died): nobody reads the answer any more.
    const onClientClose = (): void => {
      if (res.writableFinished) return;
      upstream.destroy();
      settle(false);
    };
    res.on("close", onClientClose);

    upstream.end(input.body);
  });
}
