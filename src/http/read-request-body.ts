import type { IncomingMessage } from "node:http";

/** A request body read whole, or why it was not. */
export type RequestBody =
  | { readonly kind: "complete"; readonly bytes: Buffer }
  | { readonly kind: "too_large"; readonly receivedBytes: number }
  | { readonly kind: "aborted" };

/**
 * Reads a request body into memory, up to `maxBytes`. Past that it stops listening at once
 * and drops what it holds, so a body of any size costs at most `maxBytes` of memory; the
 * rest of the stream is left to the caller (to answer, and close the connection).
 */
export function readRequestBody(request: IncomingMessage, maxBytes: number): Promise<RequestBody> {
  return new Promise((resolve) => {
    let chunks: Buffer[] = [];
    let received = 0;
    const finish = (body: RequestBody) => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onAbort);
      request.off("close", onAbort);
      chunks = [];
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) finish({ kind: "too_large", receivedBytes: received });
      else chunks.push(chunk);
    };
    const onEnd = () => finish({ kind: "complete", bytes: Buffer.concat(chunks, received) });
    // The client went away (or the socket failed) before the body ended: nobody to answer.
    const onAbort = () => finish({ kind: "aborted" });
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onAbort);
    request.on("close", onAbort);
  });
}
