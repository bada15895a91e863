import { ZERO_USAGE, type TokenUsage } from "../domain/usage.js";
import { mergeApiUsage } from "./api-usage.js";

/**
 * Reads the token usage out of a Messages API event stream as it passes by, chunk by chunk,
 * wherever the chunks happen to split it (inside a line, a UTF-8 character, or a CRLF).
 * Usage comes in `message_start` (input and cache counts, output so far) and `message_delta`
 * (running totals); `message_stop` says the answer is whole. Pure: it only looks at bytes.
 * Lines of other events are not decoded, and a line longer than any usage event would be is
 * dropped, so memory stays bounded whatever the stream holds.
 */

export interface SseUsageReader {
  push(chunk: Uint8Array): void;
  /** The stream ended: a last event without its blank line still counts. */
  end(): void;
  usage(): TokenUsage;
  /** `message_stop` was seen: the answer is complete. */
  stopped(): boolean;
  /** Why the model stopped, from `message_delta`; null until it says. */
  stopReason(): string | null;
}

const LF = 0x0a;
const CR = 0x0d;
const WANTED = new Set(["message_start", "message_delta", "message_stop"]);
/** No usage event comes near this; longer lines are text or tool input, and dropped. */
const MAX_LINE_BYTES = 256 * 1024;
const DATA_PREFIX = Buffer.from("data:");

export function createSseUsageReader(): SseUsageReader {
  return new SseUsageScanner();
}

type UsageEvent = { type?: unknown; message?: { usage?: unknown }; usage?: unknown; delta?: { stop_reason?: unknown } };

class SseUsageScanner implements SseUsageReader {
  private currentUsage = ZERO_USAGE;
  private sawStop = false;
  private reason: string | null = null;
  // The event being read.
  private eventType = "";
  private data: string[] = [];
  private dataBytes = 0;
  // The line being read, when a chunk ended inside it.
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private overflow = false;
  // The last chunk ended with CR: a LF starting the next one belongs to it.
  private skipLf = false;

  usage = (): TokenUsage => this.currentUsage;
  stopped = (): boolean => this.sawStop;
  stopReason = (): string | null => this.reason;

  push = (bytes: Uint8Array): void => {
    const chunk = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let start = 0;
    if (this.skipLf && chunk.length > 0) {
      if (chunk[0] === LF) start = 1;
      this.skipLf = false;
    }
    // Each terminator is searched for once per chunk, not once per line: long chunks of short lines stay linear.
    let nextLf = chunk.indexOf(LF, start);
    let nextCr = chunk.indexOf(CR, start);
    while (start < chunk.length) {
      if (nextLf >= 0 && nextLf < start) nextLf = chunk.indexOf(LF, start);
      if (nextCr >= 0 && nextCr < start) nextCr = chunk.indexOf(CR, start);
      const end = nextLf < 0 ? nextCr : nextCr < 0 ? nextLf : Math.min(nextLf, nextCr);
      if (end < 0) {
        this.keep(chunk.subarray(start));
        return;
      }
      this.keep(chunk.subarray(start, end));
      this.finishLine();
      start = end + 1;
      if (chunk[end] === CR) {
        if (start === chunk.length) this.skipLf = true;
        else if (chunk[start] === LF) start += 1;
      }
    }
  };

  end = (): void => {
    if (this.partialBytes > 0 || this.overflow) this.finishLine();
    this.dispatch();
  };

  private keep(piece: Buffer): void {
    if (this.overflow || piece.length === 0) return;
    this.partialBytes += piece.length;
    if (this.partialBytes > MAX_LINE_BYTES) {
      this.overflow = true;
      this.partial = [];
    } else this.partial.push(piece);
  }

  private finishLine(): void {
    const { partial, partialBytes, overflow } = this;
    this.partial = [];
    this.partialBytes = 0;
    this.overflow = false;
    if (!overflow) this.readLine(partial.length === 1 ? partial[0]! : Buffer.concat(partial, partialBytes));
  }

  private readLine(line: Buffer): void {
    if (line.length === 0) return this.dispatch();
    // Another event's data (text, tool input) is never decoded.
    if (this.eventType !== "" && !WANTED.has(this.eventType) && startsWith(line, DATA_PREFIX)) return;
    const text = line.toString("utf8");
    const colon = text.indexOf(":");
    if (colon === 0) return; // a comment
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? "" : text.slice(text[colon + 1] === " " ? colon + 2 : colon + 1);
    if (field === "event") this.eventType = value;
    else if (field === "data" && this.dataBytes + value.length <= MAX_LINE_BYTES) {
      this.data.push(value);
      this.dataBytes += value.length;
    }
  }

  private dispatch(): void {
    const text = this.data.join("\n");
    const named = this.eventType;
    this.eventType = "";
    this.data = [];
    this.dataBytes = 0;
    if (text === "" || (named !== "" && !WANTED.has(named))) return;
    const event = parseEvent(text);
    if (event === null) return;
    const type = named !== "" ? named : event.type;
    if (type === "message_start") this.currentUsage = mergeApiUsage(ZERO_USAGE, event.message?.usage);
    else if (type === "message_delta") {
      this.currentUsage = mergeApiUsage(this.currentUsage, event.usage);
      if (typeof event.delta?.stop_reason === "string") this.reason = event.delta.stop_reason;
    } else if (type === "message_stop") this.sawStop = true;
  }
}

function parseEvent(text: string): UsageEvent | null {
  try {
    const event = JSON.parse(text) as unknown;
    return typeof event === "object" && event !== null ? (event as UsageEvent) : null;
  } catch {
    return null;
  }
}

function startsWith(line: Buffer, prefix: Buffer): boolean {
  return line.length >= prefix.length && line.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}
