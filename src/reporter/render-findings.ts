import type { CriterionResult, Run } from "../domain/run.js";
import { inlineCode } from "./format.js";

/** The plan as a checklist; steps are ticked once the run is past implementing. */
export function renderPlan(run: Run, done: boolean): string | null {
  if (!run.plan || run.plan.length === 0) return null;
  return `### Plan\n\n${run.plan.map((step) => `- [${done ? "x" : " "}] ${step}`).join("\n")}`;
}

export function renderVerification(run: Run): string | null {
  const v = run.verification;
  if (!v) return null;
  const result = v.passed ? "✅ passed" : `❌ failed (${v.exitCode === null ? "killed" : `exit code ${v.exitCode}`})`;
  const fixes = v.runs > 1 ? ` after ${v.runs - 1} fix attempt${v.runs > 2 ? "s" : ""}` : "";
  const lines = [`### Verification\n\n${inlineCode(v.command)} ${result}${fixes}.`];
  if (!v.passed && v.outputTail) lines.push(`\n<details><summary>Output (end)</summary>\n\n\`\`\`\n${v.outputTail.replace(/```/g, "ˋˋˋ")}\n\`\`\`\n</details>`);
  return lines.join("\n");
}

const STATUS_LABELS: Record<CriterionResult["status"], string> = {
  met: "✅ met",
  not_met: "❌ not met",
  unverified: "⚠️ unverified",
};

function renderEvidence(c: CriterionResult): string {
  const e = c.evidence;
  let text = "—";
  if (e?.kind === "command") text = `${inlineCode(e.command)} → ${e.result.replace(/\s+/g, " ").slice(0, 200)}`;
  if (e?.kind === "file") text = `${inlineCode(`${e.path}:${e.line}`)}`;
  return c.note ? `${text} (${c.note})` : text;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Each acceptance criterion with its status and the evidence for it. */
export function renderCriteria(run: Run): string | null {
  const report = run.report;
  if (!report) return null;
  if (report.criteria.length === 0) return "### Acceptance criteria\n\nThe task lists no acceptance criteria.";
  const rows = report.criteria.map((c) => `| ${c.index} | ${escapeCell(c.criterion)} | ${STATUS_LABELS[c.status]} | ${escapeCell(renderEvidence(c))} |`);
  const parts = ["### Acceptance criteria", "", "| # | Criterion | Status | Evidence |", "| --- | --- | --- | --- |", ...rows];
  if (report.formatError) parts.push("", `The agent's report could not be read (${report.formatError}), so no criterion counts as verified.`);
  return parts.join("\n");
}

export function renderContextLine(run: Run): string | null {
  const parts: string[] = [];
  if (run.briefSource) parts.push(`Brief: ${run.briefSource}`);
  for (const note of run.notes) parts.push(note);
  return parts.length > 0 ? parts.map((p) => `> ${p}`).join("\n") : null;
}
