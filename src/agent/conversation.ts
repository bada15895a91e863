import type { ContentBlockParam, MessageParam } from "@anthropic-ai/sdk/resources/messages/messages";

/**
 * The conversation's shape between model calls: where the prompt-cache breakpoints go, how
 * big it has grown, and how old tool output is trimmed when it grows too big.
 */

export const EPHEMERAL = { type: "ephemeral" } as const;

/**
 * Moves the conversation's cache breakpoints to the last block of the two newest user
 * messages, and removes any others.
 *
 * The newest one writes this call's whole prefix to the cache, so the next call reads it.
 * The one before sits exactly where the previous call wrote, so this call's read does not
 * depend on the API's look-back (about 20 blocks) finding it: a turn with many parallel
 * tool calls adds more blocks than that. With the system prompt's breakpoint that is three,
 * within the API's limit of four. With `enabled` false no breakpoint is left at all.
 */
export function markCacheBreakpoints(messages: MessageParam[], enabled: boolean): void {
  for (const message of messages) {
    if (typeof message.content === "string") continue;
    for (const block of message.content) {
      if ("cache_control" in block) delete (block as { cache_control?: unknown }).cache_control;
    }
  }
  if (!enabled) return;
  let marked = 0;
  for (let i = messages.length - 1; i >= 0 && marked < 2; i--) {
    const message = messages[i];
    if (message === undefined || message.role !== "user") continue;
    if (typeof message.content === "string") message.content = [{ type: "text", text: message.content }];
    const last = message.content[message.content.length - 1];
    if (last === undefined) continue;
    (last as { cache_control?: unknown }).cache_control = EPHEMERAL;
    marked++;
  }
}

/** A rough token count (characters / 4) of what a request sends; good enough to decide when to trim. */
export function estimateTokens(request: unknown): number {
  return Math.ceil(JSON.stringify(request).length / 4);
}

export interface TrimOptions {
  /** The newest messages are left whole: the model is working with them. */
  readonly keepRecentMessages: number;
  /** Characters kept of each trimmed text (half head, half tail). */
  readonly keepChars: number;
  /** A trim that would save less than this is not worth invalidating the cache for. */
  readonly minSavingChars: number;
}

export interface TrimResult {
  readonly trimmedBlocks: number;
  readonly savedChars: number;
}

/** Tool input fields that carry file contents: the bulk of what the model itself sent. */
const BULKY_INPUT_FIELDS = ["file_text", "old_str", "new_str", "insert_text", "command"] as const;

/**
 * Shortens the tool output (and the file contents the model sent in tool calls) of all but
 * the newest messages to a short head and tail with a note, in one batch.
 *
 * The tradeoff: rewriting early messages invalidates the prompt cache from the first
 * rewritten block on, so the next call writes nearly the whole conversation to the cache
 * again (at 1.25 × the input price) instead of reading it (0.1 ×). Trimming only when the
 * conversation passes a threshold, and then everything old at once, makes that happen once
 * per threshold's worth of growth; a sliding window trimming a little each turn would
 * invalidate the cache on every call. Text the app wrote (the task, the phase prompts) is
 * never trimmed.
 */
export function trimOldToolResults(messages: MessageParam[], options: TrimOptions): TrimResult {
  const edits: (() => void)[] = [];
  let savedChars = 0;
  const minLength = options.keepChars + 200;

  const old = messages.slice(0, Math.max(0, messages.length - options.keepRecentMessages));
  for (const message of old) {
    if (typeof message.content === "string") continue;
    for (const block of message.content) {
      if (block.type === "tool_result") {
        const text = toolResultText(block.content);
        if (text === undefined || text.length <= minLength) continue;
        const shortened = shorten(text, options.keepChars, "of this earlier tool result were removed to keep the conversation short; run the tool again if you need them");
        savedChars += text.length - shortened.length;
        edits.push(() => {
          block.content = shortened;
        });
      } else if (block.type === "tool_use") {
        const input = block.input;
        if (typeof input !== "object" || input === null) continue;
        const record = input as Record<string, unknown>;
        for (const field of BULKY_INPUT_FIELDS) {
          const value = record[field];
          if (typeof value !== "string" || value.length <= minLength) continue;
          const shortened = shorten(value, options.keepChars, "were removed from this earlier tool call to keep the conversation short (the call itself ran in full)");
          savedChars += value.length - shortened.length;
          edits.push(() => {
            block.input = { ...(block.input as Record<string, unknown>), [field]: shortened };
          });
        }
      }
    }
  }
  if (edits.length === 0 || savedChars < options.minSavingChars) return { trimmedBlocks: 0, savedChars: 0 };
  for (const edit of edits) edit();
  return { trimmedBlocks: edits.length, savedChars };
}

function toolResultText(content: Extract<ContentBlockParam, { type: "tool_result" }>["content"]): string | undefined {
  if (typeof content === "string") return content;
  if (content === undefined) return undefined;
  // Images and documents cannot be shortened as text: such a result is left as it is.
  if (!content.every((part) => part.type === "text")) return undefined;
  return content.map((part) => (part as { text: string }).text).join("\n");
}

function shorten(text: string, keepChars: number, what: string): string {
  const head = Math.ceil(keepChars / 2);
  const tail = Math.floor(keepChars / 2);
  const removed = text.length - head - tail;
  return `${text.slice(0, head)}\n[... ${removed} characters ${what} ...]\n${text.slice(text.length - tail)}`;
}
