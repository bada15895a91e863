import type { RecordedRunEvent, RunEvent } from "../domain/run-event.js";
import { ZERO_USAGE, type TokenUsage } from "../domain/usage.js";
import { formatCost, formatCount, formatDuration, inlineCode, NOT_REPORTED } from "./format.js";

/** The model calls in one line: how many, and what they used (the run's totals when known). */
export interface ModelCallTotals {
  readonly modelCalls: number;
  readonly usage: TokenUsage | null;
  readonly costUsd: number | null;
}

export interface EventLogInput {
  /** Oldest first (as the log lists them); the newest are kept when they do not all fit. */
  readonly events: readonly RecordedRunEvent[];
  /** The run's totals; absent: those of the model calls among `events`. */
  readonly totals?: ModelCallTotals;
  /** Longest text returned. Default 16,000: the check run's details hold more than this (GitHub takes 65,535). */
  readonly maxChars?: number;
  /** Most event lines shown. Default 40. */
  readonly maxEvents?: number;
}

const DEFAULT_MAX_CHARS = 16_000;
const DEFAULT_MAX_EVENTS = 40;
/** Longest piece of user text (a command, a detail, a note) on one line. */
const MAX_TEXT_CHARS = 200;
const HEADING = "### Activity";

/**
 * A run's recent events as a compact Markdown list for the check run: one line per tool
 * call, command, stage, verification and note, model calls folded into one usage line.
 * Text from the run (commands, details, notes) is shown as code or escaped; "" when there
 * is nothing to show.
 */
export function renderEventLog(input: EventLogInput): string {
  const maxChars = input.maxChars ?? DEFAULT_MAX_CHARS;
  const lines: string[] = [];
  let attempt: number | undefined;
  for (const recorded of input.events) {
    const line = renderEventLine(recorded.event);
    if (line === null) continue;
    if (attempt !== undefined && recorded.attempt !== attempt) lines.push(`- *attempt ${recorded.attempt}*`);
    attempt = recorded.attempt;
    lines.push(`- ${line}`);
  }
  const totals = input.totals ?? foldModelCalls(input.events);
  const head = [HEADING, ...(totals.modelCalls > 0 ? [renderModelCallsLine(totals)] : [])].join("\n\n");
  if (lines.length === 0 && totals.modelCalls === 0) return "";

  // The newest lines that fit, counting the note about the ones left out.
  const kept: string[] = [];
  let size = head.length + 2 + 60;
  for (let i = lines.length - 1; i >= 0 && kept.length < (input.maxEvents ?? DEFAULT_MAX_EVENTS); i--) {
    const line = lines[i]!;
    if (size + line.length + 1 > maxChars) break;
    kept.unshift(line);
    size += line.length + 1;
  }
  const left = lines.length - kept.length;
  const list = [...(left > 0 ? [`- … ${left} earlier line${left === 1 ? "" : "s"} not shown`] : []), ...kept].join("\n");
  const text = list === "" ? head : `${head}\n\n${list}`;
  // Only a head longer than the limit gets here; never more than asked for.
  return text.length <= maxChars ? text : text.slice(0, maxChars);
}

/**
 * One event as one line; null for those not listed: model calls are folded, progress lines
 * are the live status, context and totals are shown elsewhere in the check run.
 */
export function renderEventLine(event: RunEvent): string | null {
  switch (event.kind) {
    case "tool_call": {
      const what = event.summary === "" ? inlineCode(event.tool) : `${escapeText(event.tool)} ${code(event.summary)}`;
      const outcome = event.outcome === "unknown" ? "outcome unknown" : event.outcome;
      return join(`turn ${event.turn}`, what, event.detail ? `${outcome}: ${escapeText(event.detail)}` : outcome, duration(event.durationMs));
    }
    case "command":
      return join(`${event.purpose} ${code(event.command)}`, renderEnding(event), duration(event.durationMs));
    case "stage":
      return join(`**${event.state.replace(/_/g, " ")}**`, event.detail ? escapeText(event.detail) : undefined);
    case "verification": {
      const v = event.verification;
      const result = v.passed ? "passed" : `failed (${v.exitCode === null ? "killed" : `exit ${v.exitCode}`})`;
      return join(`verification ${code(v.command)}`, result, v.runs > 1 ? `${v.runs} runs` : undefined);
    }
    case "plan":
      return `plan · ${event.steps.length} step${event.steps.length === 1 ? "" : "s"}`;
    case "note":
      return `note · ${escapeText(event.text)}`;
    case "model_call":
    case "progress":
    case "context":
    case "totals":
      return null;
  }
}

/** How a command the run ran ended, in words: "exit 1", "timed out", "killed"… */
export function renderEnding(event: Extract<RunEvent, { kind: "command" }>): string {
  switch (event.ending) {
    case "timeout":
      return "timed out";
    case "cancelled":
      return "cancelled";
    case "spawn_error":
      return "could not start";
    default:
      return event.exitCode === null ? "killed" : `exit ${event.exitCode}`;
  }
}

function renderModelCallsLine(totals: ModelCallTotals): string {
  const calls = `${formatCount(totals.modelCalls)} model call${totals.modelCalls === 1 ? "" : "s"}`;
  const u = totals.usage;
  if (u === null) return `${calls} · tokens ${NOT_REPORTED}`;
  return join(
    calls,
    `${formatCount(u.inputTokens)} input, ${formatCount(u.cacheReadTokens)} cache read, ${formatCount(u.cacheWriteTokens)} cache write, ${formatCount(u.outputTokens)} output tokens`,
    formatCost(totals.costUsd),
  );
}

/** The model calls among `events`: usage and cost summed over those that reported them. */
function foldModelCalls(events: readonly RecordedRunEvent[]): ModelCallTotals {
  let modelCalls = 0;
  let usage: TokenUsage | null = null;
  let costUsd: number | null = null;
  for (const { event } of events) {
    if (event.kind !== "model_call") continue;
    modelCalls += 1;
    if (event.usage !== null) {
      const sum: TokenUsage = usage ?? ZERO_USAGE;
      usage = {
        inputTokens: sum.inputTokens + event.usage.inputTokens,
        outputTokens: sum.outputTokens + event.usage.outputTokens,
        cacheReadTokens: sum.cacheReadTokens + event.usage.cacheReadTokens,
        cacheWriteTokens: sum.cacheWriteTokens + event.usage.cacheWriteTokens,
      };
    }
    if (event.costUsd !== null) costUsd = (costUsd ?? 0) + event.costUsd;
  }
  return { modelCalls, usage, costUsd };
}

function join(...parts: (string | undefined)[]): string {
  return parts.filter((part): part is string => part !== undefined && part !== "").join(" · ");
}

function duration(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : formatDuration(ms);
}

/** One line of text, shortened: a list item cannot span lines. */
function oneLine(text: string): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, " ").trim();
  return line.length <= MAX_TEXT_CHARS ? line : `${line.slice(0, MAX_TEXT_CHARS - 1)}…`;
}

/** A command or a path as inline code, on one line. */
function code(text: string): string {
  const line = oneLine(text);
  return line === "" ? "" : inlineCode(line);
}

/** Text as itself: no Markdown emphasis, links, HTML or mentions made from it. */
function escapeText(text: string): string {
  return oneLine(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]|~#!()]/g, "\\$&")
    .replace(/@/g, "@\u200b");
}
