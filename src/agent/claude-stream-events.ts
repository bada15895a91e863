import type { RunEvent } from "../domain/run-event.js";
import type { TokenUsage } from "../domain/usage.js";
import { buildToolCallEvent, emitRunEvent } from "./agent-events.js";
import { parseUsage, type ClaudeStreamObserver } from "./claude-stream.js";
import { computeCostUsd } from "./prices.js";

/*
 * Claude Code's stream-json output as run events. Each model call is an `assistant`
 * message, printed as one line per content block, every line with the message's id and its
 * usage so far (the output count grows; the last line's is the real one). Tool results come
 * back in `user` lines. A subagent's lines carry the id of the tool call that started it
 * (`parent_tool_use_id`): each such thread has its own messages, interleaved with the others.
 */

export interface ClaudeStreamEventsOptions {
  readonly onEvent: (event: RunEvent) => void;
  /** Model calls of the session before this run of the CLI: turns go on from there. */
  readonly turnsBefore: number;
  /** The run's model, for a message that does not name its own. */
  readonly model: string;
}

export interface ClaudeStreamEvents extends ClaudeStreamObserver {
  /** Model calls seen so far in this run of the CLI. */
  modelCalls(): number;
}

interface OpenMessage {
  readonly turn: number;
  readonly thread: string;
  model: string;
  usage: TokenUsage | null;
  stopReason?: string;
}

interface PendingCall {
  readonly turn: number;
  readonly name: string;
  readonly input: unknown;
}

type Json = Readonly<Record<string, unknown>>;

/**
 * A model call is told once it is complete: when its thread goes on (tool results, the next
 * message) or the output ends. A tool call is told with its result; one whose result never
 * came (the CLI was stopped, or the line was too long to read) is told at the end as "unknown".
 */
export function createClaudeStreamEvents(options: ClaudeStreamEventsOptions): ClaudeStreamEvents {
  const open = new Map<string, OpenMessage>();
  const pending = new Map<string, PendingCall>();
  let count = 0;
  let anonymous = 0;
  const emit = (event: RunEvent): void => emitRunEvent(options.onEvent, event);

  const close = (thread?: string): void => {
    for (const [id, message] of open) {
      if (thread !== undefined && message.thread !== thread) continue;
      open.delete(id);
      const costUsd = message.usage === null ? null : computeCostUsd(message.model, message.usage);
      emit({ kind: "model_call", turn: message.turn, model: message.model, usage: message.usage, costUsd, ...(message.stopReason ? { stopReason: message.stopReason } : {}) });
    }
  };

  const readAssistant = (event: Json, message: Json): void => {
    const thread = threadOf(event);
    // A line without an id is a message of its own.
    const id = typeof message["id"] === "string" ? message["id"] : `anonymous-${++anonymous}`;
    let current = open.get(id);
    if (current === undefined) {
      close(thread);
      current = { turn: options.turnsBefore + ++count, thread, model: options.model, usage: null };
      open.set(id, current);
    }
    if (typeof message["model"] === "string" && message["model"] !== "") current.model = message["model"];
    if (typeof message["stop_reason"] === "string") current.stopReason = message["stop_reason"];
    const usage = readUsage(message["usage"]);
    if (usage !== null && (current.usage === null || usage.outputTokens >= current.usage.outputTokens)) current.usage = usage;
    for (const block of blocksOf(message)) {
      if (block["type"] !== "tool_use" || typeof block["name"] !== "string") continue;
      const callId = typeof block["id"] === "string" ? block["id"] : `anonymous-call-${++anonymous}`;
      if (!pending.has(callId)) pending.set(callId, { turn: current.turn, name: block["name"], input: block["input"] });
    }
  };

  const readUser = (event: Json, message: Json): void => {
    close(threadOf(event));
    for (const block of blocksOf(message)) {
      if (block["type"] !== "tool_result" || typeof block["tool_use_id"] !== "string") continue;
      // A subagent's thread ends with the result of the call that started it.
      close(block["tool_use_id"]);
      const call = pending.get(block["tool_use_id"]);
      if (call === undefined) continue;
      pending.delete(block["tool_use_id"]);
      emit(buildToolCallEvent(call.turn, call.name, call.input, { isError: block["is_error"] === true, content: textOf(block["content"]) }));
    }
  };

  return {
    read(event) {
      const message = event["message"];
      if (event["type"] === "assistant" && isObject(message)) readAssistant(event, message);
      else if (event["type"] === "user" && isObject(message)) readUser(event, message);
      else if (event["type"] === "result") close();
    },
    finish() {
      close();
      for (const call of pending.values()) {
        emit(buildToolCallEvent(call.turn, call.name, call.input, { isError: "unknown", content: "" }));
      }
      pending.clear();
    },
    modelCalls: () => count,
  };
}

/** The message's usage; all zeros (some versions print no real counts per message) is not reported. */
function readUsage(value: unknown): TokenUsage | null {
  const usage = parseUsage(value);
  if (usage === undefined) return null;
  const total = usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  return total === 0 ? null : usage;
}

function threadOf(event: Json): string {
  return typeof event["parent_tool_use_id"] === "string" ? event["parent_tool_use_id"] : "";
}

function blocksOf(message: Json): Json[] {
  const content = message["content"];
  return Array.isArray(content) ? content.filter(isObject) : [];
}

/** A tool result's text: a string, or the text parts of a list. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.flatMap((part: unknown) => (isObject(part) && typeof part["text"] === "string" ? [part["text"]] : [])).join("\n");
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
