import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The gateway's own refusals, shaped as the Messages API shapes its errors, so every client
 * (the SDK, a CLI agent) maps them as it maps the API's. Messages never carry a credential
 * or a provider key.
 */

/** The `error.type` values the gateway answers with (a subset of the API's). */
export type GatewayErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "api_error";

export interface GatewayError {
  readonly status: number;
  readonly type: GatewayErrorType;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export function renderErrorBody(type: GatewayErrorType, message: string): string {
  return JSON.stringify({ type: "error", error: { type, message } });
}

function writeErrorHead(res: ServerResponse, error: GatewayError, body: string, close: boolean): void {
  res.writeHead(error.status, {
    ...error.headers,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    ...(close ? { connection: "close" } : {}),
  });
}

/** Answers a request whose body has been read. */
export function sendGatewayError(res: ServerResponse, error: GatewayError): void {
  const body = renderErrorBody(error.type, error.message);
  writeErrorHead(res, error, body, false);
  res.end(body);
}

/** How much of an unread body is drained, and for how long, before the connection is cut. */
const LINGER_MAX_BYTES = 8 * 1024 * 1024;
const LINGER_MAX_MS = 2_000;

/**
 * Answers a request whose body will not be read (unauthenticated, too large), then closes
 * the connection. Closing at once would reset a client still sending before it reads the
 * answer, so the rest is read and dropped until the client stops, or for a bounded amount
 * and time; nothing of it is kept.
 */
export function refuseUnreadRequest(req: IncomingMessage, res: ServerResponse, error: GatewayError): void {
  const body = renderErrorBody(error.type, error.message);
  writeErrorHead(res, error, body, true);
  res.write(body);
  let dropped = 0;
  const close = (): void => {
    clearTimeout(timer);
    req.off("data", onData);
    req.off("end", close);
    req.off("close", close);
    res.end();
  };
  const onData = (chunk: Buffer): void => {
    dropped += chunk.length;
    if (dropped > LINGER_MAX_BYTES) close();
  };
  const timer = setTimeout(close, LINGER_MAX_MS);
  req.on("data", onData);
  req.once("end", close);
  req.once("close", close);
  req.resume();
}
