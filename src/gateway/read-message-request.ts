import type { IncomingMessage } from "node:http";
import { readRequestBody } from "../http/read-request-body.js";

/** A Messages API request, read whole, or why it was not. */
export type MessageRequest =
  | { readonly kind: "ok"; readonly bytes: Buffer; readonly model: string }
  | { readonly kind: "too_large" }
  | { readonly kind: "malformed"; readonly message: string }
  | { readonly kind: "aborted" };

/** What the gateway needs from a body it otherwise passes on untouched: that it is JSON, and the model it names. */
export function parseMessageRequest(bytes: Buffer): MessageRequest {
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    return { kind: "malformed", message: `The request body is not valid JSON: ${(error as Error).message}` };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { kind: "malformed", message: "The request body must be a JSON object." };
  }
  const model = (body as Record<string, unknown>)["model"];
  if (typeof model !== "string" || model.trim() === "") {
    return { kind: "malformed", message: "model: a model name is required." };
  }
  return { kind: "ok", bytes, model };
}

/** Reads a request body up to `maxBytes` (see readRequestBody) and parses it. */
export async function readMessageRequest(req: IncomingMessage, maxBytes: number): Promise<MessageRequest> {
  const body = await readRequestBody(req, maxBytes);
  if (body.kind === "too_large") return { kind: "too_large" };
  if (body.kind === "aborted") return { kind: "aborted" };
  return parseMessageRequest(body.bytes);
}
