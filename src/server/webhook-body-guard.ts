import type { IncomingMessage, ServerResponse } from "node:http";
import type { Probot } from "probot";
import { answerThenClose } from "../http/answer-then-close.js";
import { readRequestBody } from "../http/read-request-body.js";

/** GitHub caps a webhook payload at 25 MB; anything larger is not from GitHub. */
export const MAX_WEBHOOK_BODY_BYTES = 25 * 1024 * 1024;

/** The same test @octokit/webhooks applies before it reads a body (it answers 415 otherwise). */
const JSON_CONTENT_TYPE = /^\s*application\/json\s*(?:;|$)/u;

type NodeMiddleware = Awaited<ReturnType<Probot["getNodeMiddleware"]>>;
type Next = Parameters<NodeMiddleware>[2];

export type WebhookBody = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: string };

// Decodes as @octokit/webhooks does, so the signature is checked over the same text.
const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Checks what a signature cannot: that there is a body, and that it is JSON. */
export function parseWebhookBody(bytes: Uint8Array): WebhookBody {
  if (bytes.length === 0) return { ok: false, error: "The request body is empty: a webhook delivery carries its event as JSON." };
  const text = utf8.decode(bytes);
  try {
    JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `The request body is not valid JSON: ${(error as Error).message}` };
  }
  return { ok: true, text };
}

function answer(response: ServerResponse, status: number, error: string): true {
  const body = JSON.stringify({ error });
  response.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }).end(body);
  return true;
}

function refuseTooLarge(request: IncomingMessage, response: ServerResponse, maxBytes: number): true {
  const body = JSON.stringify({ error: `The request body is larger than ${maxBytes} bytes, more than GitHub ever sends.` });
  return answerThenClose(request, response, 413, body);
}

function isWebhookPost(request: IncomingMessage, path: string): boolean {
  if (request.method !== "POST") return false;
  try {
    return new URL(request.url ?? "/", "http://localhost").pathname.replace(/\/+$/u, "") === path.replace(/\/+$/u, "");
  } catch {
    return false; // @octokit/webhooks answers an unparseable URL itself.
  }
}

/**
 * Puts a size limit and body checks in front of @octokit/webhooks' node middleware, which
 * would otherwise buffer a body of any size before it checks the signature. A body within
 * the limit is handed on as `request.body`, which that middleware uses instead of the stream.
 */
export function guardWebhookBodies(middleware: NodeMiddleware, options: { readonly path: string; readonly maxBytes?: number }): NodeMiddleware {
  const maxBytes = options.maxBytes ?? MAX_WEBHOOK_BODY_BYTES;
  return async (request: IncomingMessage, response: ServerResponse, next?: Next) => {
    if (!isWebhookPost(request, options.path)) return middleware(request, response, next);
    if (Number(request.headers["content-length"]) > maxBytes) return refuseTooLarge(request, response, maxBytes);
    // Not JSON: the middleware refuses it with 415 and never reads the body.
    if (!JSON_CONTENT_TYPE.test(request.headers["content-type"] ?? "")) return middleware(request, response, next);
    const read = await readRequestBody(request, maxBytes);
    if (read.kind === "aborted") return true;
    if (read.kind === "too_large") return refuseTooLarge(request, response, maxBytes);
    const body = parseWebhookBody(read.bytes);
    if (!body.ok) return answer(response, 400, body.error);
    (request as IncomingMessage & { body?: string }).body = body.text;
    return middleware(request, response, next);
  };
}

/**
 * Makes every webhook middleware this Probot creates a guarded one. Probot's server asks for
 * the middleware after loading the app function (so does its `createNodeMiddleware`) and
 * runs it before any handler an app can add: wrapping it is the one way in front of it.
 */
export function installWebhookBodyGuard(app: Probot, maxBytes = MAX_WEBHOOK_BODY_BYTES): void {
  const createMiddleware = app.getNodeMiddleware.bind(app);
  app.getNodeMiddleware = async (options = {}) => {
    return guardWebhookBodies(await createMiddleware(options), { path: options.path ?? app.webhookPath, maxBytes });
  };
}
