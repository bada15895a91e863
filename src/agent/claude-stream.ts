import type { TokenUsage } from "../domain/usage.js";

/**
 * Reads what `claude -p --output-format stream-json --verbose` prints: one JSON event per
 * line (the session's start, each assistant message with its tool calls, each tool result,
 * and a final result with the answer and the run's token usage). Read as it arrives, so
 * output of any length costs bounded memory and no event is lost to a capped buffer.
 */

/** The final event of one run of the CLI. */
export interface ClaudeResult {
  /** The final message: the answer, or the CLI's own account of an error. */
  readonly text: string;
  readonly isError: boolean;
  /** "success", "error_max_turns", "error_during_execution", … */
  readonly subtype: string;
  /** Tokens this run of the CLI used; absent when the event did not carry them. */
  readonly usage?: TokenUsage;
}

export interface ClaudeStreamReport {
  /** Lines that were events; 0 means the CLI printed something else, to be read as plain text. */
  readonly events: number;
  /** Absent when the run ended without its result event (killed, crashed, cut off). */
  readonly result?: ClaudeResult;
  /** The Bash commands it ran, in order: every Bash call less those its permission rules refused. */
  readonly commands: readonly string[];
}

export interface ClaudeStreamReader {
  /** Takes stdout text as it arrives, in any pieces. */
  push(text: string): void;
  /** Reads what is left (a last line without a newline) and says what the run reported. */
  finish(): ClaudeStreamReport;
}

/**
 * Longer lines are skipped, not buffered: only a tool result (a whole file read, a test
 * log) gets that long, and none of what is read here is in one.
 */
export const MAX_EVENT_CHARS = 1_000_000;

/** Sees every event the reader reads, in order, and then the end of the output. */
export interface ClaudeStreamObserver {
  read(event: Readonly<Record<string, unknown>>): void;
  finish(): void;
}

/**
 * `onToolCall` gets a short line per tool call, e.g. "Bash — npm test", for the live status;
 * `observer` every event (claude-stream-events.ts turns them into the run's events).
 */
export function createClaudeStreamReader(onToolCall?: (description: string) => void, observer?: ClaudeStreamObserver): ClaudeStreamReader {
  let pending = "";
  let skipping = false;
  let events = 0;
  let result: ClaudeResult | undefined;
  const bashCalls: { id: string; command: string }[] = [];
  const refused = new Set<string>();

  const readLine = (line: string): void => {
    const event = parseEvent(line);
    if (event === undefined) return;
    events += 1;
    observer?.read(event);
    if (event["type"] === "assistant") {
      for (const call of findToolCalls(event)) {
        const command = call.name === "Bash" ? findString(call.input, "command") : undefined;
        if (command !== undefined) bashCalls.push({ id: call.id, command });
        onToolCall?.(describeToolCall(call.name, call.input));
      }
    } else if (event["type"] === "result") {
      result = parseResult(event);
      for (const id of findRefusedCalls(event)) refused.add(id);
    }
  };

  return {
    push(text) {
      let rest = text;
      for (let newline = rest.indexOf("\n"); newline >= 0; newline = rest.indexOf("\n")) {
        if (!skipping) readLine(pending + rest.slice(0, newline));
        pending = "";
        skipping = false;
        rest = rest.slice(newline + 1);
      }
      if (skipping) return;
      pending += rest;
      if (pending.length > MAX_EVENT_CHARS) {
        pending = "";
        skipping = true;
      }
    },
    finish() {
      if (!skipping && pending !== "") readLine(pending);
      pending = "";
      observer?.finish();
      return {
        events,
        ...(result !== undefined ? { result } : {}),
        commands: bashCalls.filter((call) => !refused.has(call.id)).map((call) => call.command),
      };
    },
  };
}

type Json = Record<string, unknown>;

function parseEvent(line: string): Json | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return isObject(value) && typeof value["type"] === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

function findToolCalls(event: Json): { id: string; name: string; input: unknown }[] {
  const message = event["message"];
  const content = isObject(message) ? message["content"] : undefined;
  if (!Array.isArray(content)) return [];
  return content.flatMap((block: unknown) => {
    if (!isObject(block) || block["type"] !== "tool_use" || typeof block["name"] !== "string") return [];
    return [{ id: typeof block["id"] === "string" ? block["id"] : "", name: block["name"], input: block["input"] }];
  });
}

function parseResult(event: Json): ClaudeResult {
  const usage = parseUsage(event["usage"]);
  return {
    text: typeof event["result"] === "string" ? event["result"] : "",
    isError: event["is_error"] === true,
    subtype: typeof event["subtype"] === "string" ? event["subtype"] : "unknown",
    ...(usage !== undefined ? { usage } : {}),
  };
}

/** The Messages API's usage fields; without the two main counts the usage is not reported. */
export function parseUsage(value: unknown): TokenUsage | undefined {
  if (!isObject(value)) return undefined;
  const count = (key: string): number | undefined => {
    const n = value[key];
    return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : undefined;
  };
  const inputTokens = count("input_tokens");
  const outputTokens = count("output_tokens");
  if (inputTokens === undefined || outputTokens === undefined) return undefined;
  return {
    inputTokens,
    outputTokens,
    cacheReadTokens: count("cache_read_input_tokens") ?? 0,
    cacheWriteTokens: count("cache_creation_input_tokens") ?? 0,
  };
}

/** The tool calls the CLI's permission rules refused: they never ran. */
function findRefusedCalls(event: Json): string[] {
  const denials = event["permission_denials"];
  if (!Array.isArray(denials)) return [];
  return denials.flatMap((denial: unknown) => (isObject(denial) && typeof denial["tool_use_id"] === "string" ? [denial["tool_use_id"]] : []));
}

function describeToolCall(name: string, input: unknown): string {
  const detail = findString(input, "command") ?? findString(input, "file_path") ?? findString(input, "pattern") ?? "";
  const firstLine = detail.split("\n", 1)[0]?.trim() ?? "";
  const shown = firstLine.length > 80 ? `${firstLine.slice(0, 79)}…` : firstLine;
  return shown === "" ? name.slice(0, 60) : `${name.slice(0, 60)} — ${shown}`;
}

function findString(value: unknown, key: string): string | undefined {
  const found = isObject(value) ? value[key] : undefined;
  return typeof found === "string" ? found : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
