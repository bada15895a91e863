import { constants } from "node:fs";
import { open } from "node:fs/promises";

export type TextFileRead =
  | { ok: true; text: string; truncated: boolean }
  | { ok: false; problem: "missing" | "not_file" | "symlink" | "binary" | "unreadable"; code?: string };

export interface ReadTextFileOptions {
  /** At most this many bytes are read; a bigger file comes back truncated, never whole in memory. */
  readonly maxBytes: number;
  /** Refuse a symbolic link as the last path component (for paths already resolved by the path guard). */
  readonly noFollow?: boolean;
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever,
// holding one of libuv's few threads. Absent on Windows, where these are undefined.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Reads the start of a regular UTF-8 text file from a checkout. Problems are values:
 * a checkout is user content, and a missing or odd file must not fail a run.
 */
export async function readTextFile(filePath: string, options: ReadTextFileOptions): Promise<TextFileRead> {
  const flags = OPEN_FLAGS | (options.noFollow ? (constants.O_NOFOLLOW ?? 0) : 0);
  let handle;
  try {
    handle = await open(filePath, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { ok: false, problem: "missing" };
    if (code === "ELOOP") return { ok: false, problem: "symlink" };
    if (code === "EISDIR") return { ok: false, problem: "not_file" };
    return { ok: false, problem: "unreadable", ...(code === undefined ? {} : { code }) };
  }
  try {
    // The check is on the opened file, so it cannot be swapped between check and read.
    if (!(await handle.stat()).isFile()) return { ok: false, problem: "not_file" };
    // One byte more than allowed tells whether there was more, without trusting stat's size.
    const buffer = Buffer.alloc(options.maxBytes + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const truncated = filled > options.maxBytes;
    const bytes = buffer.subarray(0, Math.min(filled, options.maxBytes));
    if (bytes.includes(0)) return { ok: false, problem: "binary" };
    // Streaming mode holds back a character cut in half at the byte limit instead of decoding it as U+FFFD.
    return { ok: true, text: new TextDecoder("utf-8").decode(bytes, { stream: truncated }), truncated };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, problem: "unreadable", ...(code === undefined ? {} : { code }) };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * The text cut to `maxChars` (never inside a surrogate pair) with `note` appended, when it
 * is longer or `alreadyTruncated` says the source was cut before.
 */
export function capText(text: string, maxChars: number, note: string, alreadyTruncated = false): string {
  if (text.length <= maxChars && !alreadyTruncated) return text;
  let end = Math.min(text.length, maxChars);
  const last = text.charCodeAt(end - 1);
  if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end).trimEnd()}\n\n${note}`;
}

/** Bytes to read for `maxChars` UTF-16 units of text: a code unit takes at most 3 UTF-8 bytes. */
export function bytesForChars(maxChars: number): number {
  // +4 so a sequence cut at the byte limit falls beyond the character limit.
  return maxChars * 3 + 4;
}
