import type { IncomingMessage } from "node:http";

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

/**
 * Reads a request body up to `maxBytes` and parses it. Past the limit it stops listening at
 * once and drops what it holds, so a body of any size costs at most `maxBytes` of memory;
 * the rest of the stream is left to the caller to refuse.
 */
export function readMessageRequest(req: IncomingMessage, maxBytes: number): Promise<MessageRequest> {
  return new Promise((resolve) => {
    let chunks: Buffer[] = [];
    let received = 0;
    const finish = (result: MessageRequest): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAbort);
      req.off("close", onAbort);
      chunks = [];
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > maxBytes) finish({ kind: "too_large" });
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(parseMessageRequest(Buffer.concat(chunks, received)));
    // The client went away before its body ended: nobody to answer.
    const onAbort = (): void => finish({ kind: "aborted" });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onAbort);
    req.on("close", onAbort);
  });
}
