import { createHash } from "node:crypto";
import type { CheckAnnotation, CommitCheckRun } from "../github/repo-checks.js";

/** Conclusions that mean the check found something to fix (not `cancelled`, `skipped`, `neutral`, `action_required`). */
export const FAILING_CONCLUSIONS: readonly string[] = ["failure", "timed_out", "startup_failure"];

/** Failing checks a follow-up is told about in full; more are named only. */
export const MAX_FAILING_CHECKS = 5;
export const MAX_ANNOTATIONS = 20;
export const LOG_TAIL_LINES = 80;
export const LOG_TAIL_CHARS = 6_000;

/** A failing check with what the follow-up reads about it. */
export interface FailingCheck {
  readonly name: string;
  readonly conclusion: string;
  readonly htmlUrl: string | null;
  readonly title: string | null;
  readonly summary: string | null;
  readonly annotations: readonly CheckAnnotation[];
  /** The end of its log (GitHub Actions jobs), timestamps removed; null when there is none to read. */
  readonly logTail: string | null;
}

export type ChecksState =
  | { readonly state: "pending"; readonly pending: readonly string[] }
  | { readonly state: "passing" }
  | { readonly state: "failing"; readonly failing: readonly CommitCheckRun[] };

/** Pure: how a commit's CI stands once every check has finished; until then it is pending. */
export function summarizeChecks(checks: readonly CommitCheckRun[]): ChecksState {
  const pending = checks.filter((c) => c.status !== "completed").map((c) => c.name);
  if (pending.length > 0) return { state: "pending", pending };
  const failing = checks.filter((c) => c.conclusion !== null && FAILING_CONCLUSIONS.includes(c.conclusion));
  return failing.length === 0 ? { state: "passing" } : { state: "failing", failing: [...failing].sort((a, b) => a.name.localeCompare(b.name)) };
}

// GitHub Actions starts every log line with its time: `2024-05-01T12:00:00.1234567Z `.
const LOG_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/;

/** The end of a job's log: the failure is usually in its last lines. */
export function tailLog(log: string, maxLines = LOG_TAIL_LINES, maxChars = LOG_TAIL_CHARS): string {
  const lines = log
    .replace(/\r\n?/g, "\n")
    .replace(/\n+$/, "")
    .split("\n")
    .map((line) => line.replace(LOG_TIMESTAMP, ""));
  const tail = lines.slice(-maxLines).join("\n");
  return tail.length <= maxChars ? tail : tail.slice(tail.length - maxChars);
}

/**
 * How the checks fail, as a hash: the same checks with the same conclusions, annotations and
 * log tails give the same signature. Durations, times and ids in the logs differ from one CI
 * run to the next and are left out, so an unchanged failure is recognised as unchanged.
 */
export function buildFailureSignature(failing: readonly FailingCheck[]): string {
  const normalized = [...failing]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((check) => ({
      name: check.name,
      conclusion: check.conclusion,
      annotations: check.annotations.map((a) => `${a.path}:${a.startLine}:${a.message}`).sort(),
      log: normalizeLogForComparison(check.logTail ?? ""),
    }));
  return createHash("sha256").update(JSON.stringify(normalized)).digest("hex");
}

function normalizeLogForComparison(tail: string): string {
  return tail
    .split("\n")
    .slice(-30)
    .map((line) =>
      line
        .replace(/\b\d+(?:\.\d+)?\s?(?:ms|s|sec|seconds|m|min|minutes)\b/g, "<time>")
        .replace(/\b\d\d:\d\d:\d\d(?:\.\d+)?\b/g, "<clock>")
        .replace(/\b[0-9a-f]{7,40}\b/g, "<id>")
        .trim(),
    )
    .join("\n");
}
