import type { ReviewThread } from "../github/review-threads.js";
import { inlineCode } from "../reporter/format.js";

/**
 * The instructions of the follow-ups that reviews and failing checks start: pure renderers.
 * The agent reads them as untrusted data (inside <instructions>), beside the original task.
 */

/** Threads a follow-up takes in; more are named but not quoted. */
export const MAX_THREADS = 30;
const MAX_COMMENT_CHARS = 4_000;
/** A comment is made on the last line of its hunk: the lines before it are context, the newest the most useful. */
const MAX_HUNK_LINES = 30;

export interface ReviewTaskInput {
  readonly pullNumber: number;
  readonly reviewer: string;
  /** The review's own body, when it has one (a review comment's event has none). */
  readonly review: { readonly state: string | null; readonly body: string } | null;
  /** Unresolved threads, with only the comments that may reach the agent. */
  readonly threads: readonly ReviewThread[];
  /** Text after `/deliver` in the review. */
  readonly instructions: string;
  /** The instructions the pull request's first run was given. */
  readonly originalInstructions: string;
}

export function renderReviewTask(input: ReviewTaskInput): string {
  const state = input.review?.state === "changes_requested" ? " (changes requested)" : "";
  const parts = [`Address the review of pull request #${input.pullNumber} by @${input.reviewer}${state}. The original task above still applies: keep what it asks for working.`];
  const body = input.review?.body.trim() ?? "";
  if (body !== "") parts.push(`The review says:\n\n${quote(cap(body, MAX_COMMENT_CHARS))}`);
  if (input.threads.length > 0) {
    parts.push(
      `Unresolved review threads (${input.threads.length}). Change the code so that each one is settled; where a thread asks a question rather than for a change, answer it in your summary. Each thread's first line names its file and line; its diff hunk ends at that line.`,
    );
    input.threads.slice(0, MAX_THREADS).forEach((thread, i) => parts.push(renderThread(thread, i + 1)));
    if (input.threads.length > MAX_THREADS) parts.push(`(${input.threads.length - MAX_THREADS} more threads are not shown; address those above first.)`);
  }
  if (input.instructions.trim() !== "") parts.push(`The reviewer's instructions:\n\n${input.instructions.trim()}`);
  if (input.originalInstructions.trim() !== "") parts.push(`The instructions the first run was given:\n\n${input.originalInstructions.trim()}`);
  return parts.join("\n\n");
}

function renderThread(thread: ReviewThread, index: number): string {
  const where = `${inlineCode(thread.path)}${thread.line !== null ? `, line ${thread.line}` : ""}${thread.isOutdated ? " (outdated: the code has changed since)" : ""}`;
  const hunk = thread.comments[0]?.diffHunk.split("\n").slice(-MAX_HUNK_LINES).join("\n") ?? "";
  const fence = codeFence(hunk);
  const comments = thread.comments.map((c) => `- @${c.author ?? "ghost"}:\n${indent(cap(c.body.trim(), MAX_COMMENT_CHARS))}`);
  return [`### Thread ${index}: ${where}`, ...(hunk !== "" ? [`${fence}diff\n${hunk}\n${fence}`] : []), ...comments].join("\n\n");
}

export function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[… ${text.length - max} more characters left out]`;
}

function quote(text: string): string {
  return text
    .split("\n")
    .map((line) => `> ${line}`)
    .join("\n");
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

/** A backtick fence longer than any backtick run in `text`, so the text cannot close it. */
export function codeFence(text: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  return "`".repeat(longest + 1);
}
