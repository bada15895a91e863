import { lingerThenClose } from "../http/answer-then-close.js";
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

/**
 * Answers a request whose body will not be read (unauthenticated, too large), then closes
 * the connection once the client stops sending (see lingerThenClose).
 */
export function refuseUnreadRequest(req: IncomingMessage, res: ServerResponse, error: GatewayError): void {
  const body = renderErrorBody(error.type, error.message);
  writeErrorHead(res, error, body, true);
  res.write(body);
  lingerThenClose(req, res);
}
