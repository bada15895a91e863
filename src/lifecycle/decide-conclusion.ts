import type { RunConclusion, RunReport, Verification } from "../domain/run.js";

/**
 * Success needs evidence: every acceptance criterion met and checked, and the test command
 * (when there is one) passing. Anything less is neutral: the work is delivered, unproven.
 */
export function decideConclusion(report: RunReport, verification: Verification | null): RunConclusion {
  if (verification && !verification.passed) return "neutral";
  if (report.criteria.length === 0) return verification?.passed ? "success" : "neutral";
  return report.criteria.every((c) => c.status === "met") ? "success" : "neutral";
}
