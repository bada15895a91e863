import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { answerThenClose } from "../http/answer-then-close.js";
import { readRequestBody } from "../http/read-request-body.js";

/** Answers with a JSON body. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), "cache-control": "no-store" }).end(text);
}

/** Answers with `{ error }`. */
export function sendError(response: ServerResponse, status: number, error: string): void {
  sendJson(response, status, { error });
}

/**
 * Reads a JSON body and parses it with `schema`. When that fails the answer is sent here
 * (413 over `maxBytes`, 400 when it is not JSON or not the expected shape, naming each
 * problem) and the result is undefined.
 */
export async function readJsonBody<T>(request: IncomingMessage, response: ServerResponse, schema: z.ZodType<T>, maxBytes: number): Promise<T | undefined> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    answerThenClose(request, response, 413, JSON.stringify({ error: `The request body is larger than ${maxBytes} bytes.` }));
    return undefined;
  }
  const body = await readRequestBody(request, maxBytes);
  if (body.kind === "aborted") return undefined;
  if (body.kind === "too_large") {
    answerThenClose(request, response, 413, JSON.stringify({ error: `The request body is larger than ${maxBytes} bytes.` }));
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(body.bytes.toString("utf8"));
  } catch (error) {
    sendError(response, 400, `The request body is not valid JSON: ${(error as Error).message}`);
    return undefined;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 10).map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`);
    sendError(response, 400, `The request body is malformed: ${problems.join("; ")}`);
    return undefined;
  }
  return parsed.data;
}
