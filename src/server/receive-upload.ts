import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";

export type Upload = { readonly kind: "complete"; readonly bytes: number } | { readonly kind: "too_large" } | { readonly kind: "aborted" };

/**
 * Streams a request body into `file`, through a temporary file beside it, so `file` only
 * ever holds a whole body. Past `maxBytes` it stops writing and removes what it wrote; the
 * rest of the stream is left to the caller to answer (and close the connection).
 */
export async function receiveUpload(request: IncomingMessage, file: string, maxBytes: number): Promise<Upload> {
  // Unique, so two uploads at once never write into one file.
  const partial = `${file}.${randomUUID()}.part`;
  const out = createWriteStream(partial, { mode: 0o600 });
  const outcome = await new Promise<Upload>((resolve) => {
    let received = 0;
    const finish = (result: Upload) => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onAbort);
      request.off("close", onAbort);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) return finish({ kind: "too_large" });
      // Back-pressure: a slow disk pauses the socket rather than filling memory.
      if (!out.write(chunk)) {
        request.pause();
        out.once("drain", () => request.resume());
      }
    };
    const onEnd = () => finish({ kind: "complete", bytes: received });
    const onAbort = () => finish({ kind: "aborted" });
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onAbort);
    request.on("close", onAbort);
    out.on("error", onAbort);
  });
  await new Promise<void>((resolve) => out.end(() => resolve()));
  if (outcome.kind !== "complete" || out.errored) {
    await rm(partial, { force: true });
    return outcome.kind === "complete" ? { kind: "aborted" } : outcome;
  }
  await rename(partial, file);
  return outcome;
}
