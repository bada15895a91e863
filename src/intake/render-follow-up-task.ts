import type { ReviewThread } from "../github/review-threads.js";
import type { FailingCheck } from "./ci-failures.js";
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

export interface CiTaskInput {
  readonly pullNumber: number;
  readonly headSha: string;
  /** Checks told about in full (at most MAX_FAILING_CHECKS). */
  readonly failing: readonly FailingCheck[];
  /** Failing checks beyond those, by name. */
  readonly moreFailing: readonly string[];
  /** 1 for the pull request's first fix. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly originalInstructions: string;
}

/** The task of a follow-up that fixes the repository's failing checks. */
export function renderCiTask(input: CiTaskInput): string {
  const names = [...input.failing.map((c) => c.name), ...input.moreFailing];
  const parts = [
    `The repository's own CI fails on commit ${input.headSha.slice(0, 7)}, the head of pull request #${input.pullNumber}: ${names.map((n) => inlineCode(n)).join(", ")}. Find the cause and fix it, so that these checks pass; the original task above still applies, so keep what it asks for working. Fix the code rather than the checks: change a test or the CI configuration only when it is itself wrong, and then say why. Run the same commands locally where you can. (Fix ${input.attempt} of at most ${input.maxAttempts} on this pull request.)`,
  ];
  for (const check of input.failing) parts.push(renderFailingCheck(check));
  if (input.moreFailing.length > 0) parts.push(`Also failing, not shown: ${input.moreFailing.map((n) => inlineCode(n)).join(", ")}.`);
  if (input.originalInstructions.trim() !== "") parts.push(`The instructions the first run was given:\n\n${input.originalInstructions.trim()}`);
  return parts.join("\n\n");
}

function renderFailingCheck(check: FailingCheck): string {
  const lines = [`### ${inlineCode(check.name)}: ${check.conclusion}`];
  const said = [check.title, check.summary].filter((t): t is string => t !== null && t.trim() !== "").map((t) => cap(t.trim(), 1_500));
  if (said.length > 0) lines.push(said.join("\n\n"));
  if (check.annotations.length > 0) {
    lines.push(
      `Annotations:\n${check.annotations
        .map((a) => `- ${inlineCode(`${a.path}:${a.startLine}`)} (${a.level})${a.title ? ` ${a.title}:` : ""} ${cap(a.message.replace(/\s*\n\s*/g, " "), 500)}`)
        .join("\n")}`,
    );
  }
  if (check.logTail !== null && check.logTail.trim() !== "") {
    const fence = codeFence(check.logTail);
    lines.push(`The end of its log:\n\n${fence}\n${check.logTail}\n${fence}`);
  }
  return lines.join("\n\n");
}

/** On the pull request, when Hamster stops fixing its checks. */
export function renderCiFixStopped(input: { why: "exhausted" | "no_progress"; attempts: number; lastRunId: number | null; failing: readonly string[] }): string {
  const names = input.failing.map((n) => inlineCode(n)).join(", ");
  const lead =
    input.why === "no_progress"
      ? `🐹 Hamster stops fixing the checks on this pull request: after its fix${input.lastRunId !== null ? ` (run #${input.lastRunId})` : ""}, the same checks fail the same way (${names}), so another attempt would not do better.`
      : `🐹 Hamster has made ${input.attempts} attempt${input.attempts === 1 ? "" : "s"} to fix the checks on this pull request (\`ci_fix.attempts\` in .github/hamster.yml), and ${names} still fail${input.failing.length === 1 ? "s" : ""}. It stops here.`;
  return `${lead}\n\nThey need a person's look. To have Hamster try again with more to go on, comment \`/deliver\` with instructions.`;
}
