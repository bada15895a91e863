import { ZERO_USAGE, type TokenUsage } from "../domain/usage.js";
import { mergeApiUsage } from "./api-usage.js";
import { createSseUsageReader } from "./read-sse-usage.js";

/** Watches an answer's bytes go by and tells its usage at the end; it never holds the answer back. */
export interface UsageTap {
  readonly streamed: boolean;
  push(chunk: Buffer): void;
  end(): void;
  usage(): TokenUsage;
  /** The answer arrived whole: a stream up to `message_stop`, a JSON body to its end. */
  complete(): boolean;
  /** Why the model stopped, as the answer says; null when it does not. */
  stopReason(): string | null;
}

/** A JSON answer is parsed for its usage only up to this size; a Messages answer is far smaller. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;

/** The tap for an answer with this status and content type: events, JSON, or (an error) nothing to count. */
export function createUsageTap(status: number, contentType: string | undefined): UsageTap {
  const ok = status >= 200 && status < 300;
  if (ok && /^\s*text\/event-stream/i.test(contentType ?? "")) {
    const reader = createSseUsageReader();
    return { streamed: true, push: reader.push, end: reader.end, usage: reader.usage, complete: reader.stopped, stopReason: reader.stopReason };
  }
  let chunks: Buffer[] = [];
  let bytes = 0;
  let usage = ZERO_USAGE;
  let stopReason: string | null = null;
  let ended = false;
  return {
    streamed: false,
    push: (chunk) => {
      if (!ok || bytes > MAX_JSON_BYTES) return;
      bytes += chunk.length;
      if (bytes > MAX_JSON_BYTES) chunks = [];
      else chunks.push(chunk);
    },
    end: () => {
      ended = true;
      if (!ok || chunks.length === 0) return;
      try {
        const message = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { usage?: unknown; stop_reason?: unknown };
        usage = mergeApiUsage(ZERO_USAGE, message.usage);
        if (typeof message.stop_reason === "string") stopReason = message.stop_reason;
      } catch {
        // Not JSON after all: nothing to count.
      }
      chunks = [];
    },
    usage: () => usage,
    complete: () => ended,
    stopReason: () => stopReason,
  };
}
