import type { RunEvent } from "../domain/run-event.js";

/*
 * What agents say about their model and tool calls in the run's event log: short, one line,
 * never a file's contents. The store redacts what is stored; these only keep it short.
 */

/** Longest summary of a tool call's input, and longest error detail. */
export const MAX_SUMMARY_CHARS = 200;

/** Input fields that say what a tool call is about, most telling first (built-in and Claude Code tools). */
const TARGET_FIELDS = ["command", "file_path", "path", "notebook_path", "pattern", "url", "query", "description"] as const;

/**
 * A short summary of a tool call's input: a shell command's first line (`npm test`), an
 * editor command with its path (`str_replace src/a.ts`), or the field that names the target
 * (a path, a pattern, a URL). Never the text a call writes.
 */
export function summarizeToolInput(tool: string, input: unknown): string {
  const fields = typeof input === "object" && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const field = (key: string): string | undefined => (typeof fields[key] === "string" ? (fields[key] as string) : undefined);
  if (tool === "bash" && fields["restart"] === true) return "restart";
  // The built-in editor's `command` is its subcommand, not a shell command.
  if (tool === "str_replace_based_edit_tool") return shortenLine(`${field("command") ?? "?"} ${field("path") ?? "?"}`);
  for (const key of TARGET_FIELDS) {
    const value = field(key);
    if (value !== undefined && value.trim() !== "") return shortenLine(value);
  }
  return "";
}

/** A short detail of a failed tool call: the first line of what it said that is not blank. */
export function summarizeToolError(text: string): string {
  return shortenLine(text.split("\n").find((line) => line.trim() !== "") ?? "");
}

/** The first line of `text`, trimmed, cut to MAX_SUMMARY_CHARS with an ellipsis. */
export function shortenLine(text: string): string {
  const line = (text.trim().split("\n", 1)[0] ?? "").trim();
  return line.length <= MAX_SUMMARY_CHARS ? line : `${line.slice(0, MAX_SUMMARY_CHARS - 1)}…`;
}

/** Hands an event to the session's listener; a broken listener must not end the agent's work. */
export function emitRunEvent(onEvent: ((event: RunEvent) => void) | undefined, event: RunEvent): void {
  try {
    onEvent?.(event);
  } catch {
    // Like a broken status display: the work goes on without it.
  }
}

/** How a tool call went, as far as the event log needs it (a ToolOutcome fits). */
export interface ToolCallResult {
  /** "unknown": the agent never said how it went. */
  readonly isError: boolean | "unknown";
  readonly content: string;
  readonly detail?: string;
}

/** The `tool_call` event of one call of `tool` with `input`, asked for by model call `turn`. */
export function buildToolCallEvent(turn: number, tool: string, input: unknown, result: ToolCallResult, durationMs?: number): RunEvent {
  const detail = result.detail ?? (result.isError === true ? summarizeToolError(result.content) : undefined);
  return {
    kind: "tool_call",
    turn,
    tool: shortenLine(tool),
    summary: summarizeToolInput(tool, input),
    outcome: result.isError === "unknown" ? "unknown" : result.isError ? "error" : "ok",
    ...(detail !== undefined && detail !== "" ? { detail } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
  };
}
