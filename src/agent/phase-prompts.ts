import { z } from "zod";
import type { CriterionStatus, Evidence } from "../domain/evidence.js";
import { capOutput } from "./tools/cap-output.js";

/**
 * What the pipeline says to the agent in each phase, and how it reads the answers back.
 * Pure: the prompts are data in, text out; the parsers never throw.
 */

export type { CriterionStatus, Evidence } from "../domain/evidence.js";

export interface CriterionReport {
  /** 1-based, as in the task's list. */
  readonly index: number;
  readonly criterion: string;
  readonly status: CriterionStatus;
  readonly evidence: Evidence | null;
}

export interface EvidenceReport {
  /** Markdown: what changed and why. */
  readonly summary: string;
  /** One entry per acceptance criterion, in the task's order. */
  readonly criteria: CriterionReport[];
  /** Set when the answer was not the JSON asked for (or parts of it were invalid). */
  readonly formatError?: string;
}

export interface FixPromptInput {
  readonly command: string;
  /** null when the command did not exit by itself (killed, timed out). */
  readonly exitCode: number | null;
  readonly output: string;
  readonly attempt: number;
  readonly maxAttempts: number;
}

export interface ReportPromptInput {
  readonly criteria: readonly string[];
  /** The app's own last run of the verification command, when it ran one. */
  readonly testRun?: { readonly command: string; readonly passed: boolean };
}

/** Output of a failed verification shown to the model: enough for the failing tests, bounded for the context. */
export const MAX_FIX_OUTPUT_CHARS = 12_000;
export const MAX_PLAN_STEPS = 20;
export const MAX_PLAN_STEP_CHARS = 300;
const MAX_SUMMARY_CHARS = 20_000;
const MAX_EVIDENCE_CHARS = 2_000;

export function buildPlanPrompt(): string {
  return [
    "Phase: plan.",
    "Read the code you need with your tools (view files, search with grep, look at the tests and the build setup), but do not change any file yet.",
    "Then reply with a short plan: a markdown checklist of 3 to 10 steps (`- [ ] step`), one line each, saying what you will change and where. Make the last steps how you will check the work (which tests you add or run).",
    "Reply with the checklist only.",
  ].join("\n\n");
}

export function buildImplementPrompt(plan: readonly string[]): string {
  const steps = plan.length > 0 ? plan.map((step) => `- [ ] ${oneLine(step)}`).join("\n") : "- [ ] Carry out the task as described.";
  return [
    "Phase: implement.",
    `Carry out your plan:\n\n${steps}`,
    "Make the changes in the checkout, add or update tests where the project has them, and run the tests (and the type checker or linter, if the project has one) until they pass. Adjust the plan if the code shows you a better way.",
    "Do not commit: the app commits and pushes your work. When you are done, reply with two or three sentences on what you changed, without calling a tool.",
  ].join("\n\n");
}

export function buildFixPrompt(input: FixPromptInput): string {
  const how = input.exitCode === null ? "did not finish (it was killed or timed out)" : `failed with exit code ${input.exitCode}`;
  const output = capOutput(input.output.trimEnd(), MAX_FIX_OUTPUT_CHARS);
  const fenceMark = codeFence(output);
  return [
    `Phase: fix (attempt ${input.attempt} of ${input.maxAttempts}).`,
    `The app ran the verification command \`${oneLine(input.command)}\` in the checkout and it ${how}. Its output${output.length < input.output.trimEnd().length ? " (shortened in the middle)" : ""}:`,
    `${fenceMark}\n${output === "" ? "(no output)" : output}\n${fenceMark}`,
    "Find the cause and fix the code so that the command passes. Change a test only if the test itself is wrong, and then say why. Run the command yourself to check. Do not commit. When it passes, reply with one or two sentences on what was wrong, without calling a tool.",
  ].join("\n\n");
}

export function buildReportPrompt(input: ReportPromptInput): string {
  const criteria = input.criteria.map((c) => c.trim()).filter((c) => c !== "");
  const list =
    criteria.length > 0
      ? `The acceptance criteria:\n\n${criteria.map((c, i) => `${i + 1}. ${oneLine(c)}`).join("\n")}`
      : 'The task lists no acceptance criteria: give "criteria": [].';
  const testRun =
    input.testRun === undefined
      ? undefined
      : `The app ran \`${oneLine(input.testRun.command)}\` after your work: it ${input.testRun.passed ? "passed" : "failed"}.`;
  const shape = `\`\`\`json
{
  "summary": "markdown: what changed and why, naming the files that matter",
  "criteria": [
    { "index": 1, "status": "met", "evidence": { "kind": "command", "command": "npm test -- retry", "result": "12 tests passed" } },
    { "index": 2, "status": "met", "evidence": { "kind": "file", "path": "src/client.ts", "line": 42 } },
    { "index": 3, "status": "not_met", "evidence": null }
  ]
}
\`\`\``;
  return [
    "Phase: report. Do not change any file now.",
    list,
    ...(testRun === undefined ? [] : [testRun]),
    `Reply with ONE fenced json block and nothing else, in this shape:\n\n${shape}`,
    [
      "Rules:",
      '- One entry per criterion, "index" as numbered above.',
      '- "status" is "met" only with evidence: a command you ran in this session and what it printed ("kind": "command"), or the file and line that does it ("kind": "file"). Use "not_met" when it is not done (say why in the summary) and "unverified" when you could not check it.',
      '- "summary" becomes the pull request description: a few lines of markdown, including anything a reviewer should look at or that is left to do.',
    ].join("\n"),
  ].join("\n\n");
}

const LIST_ITEM = /^(\s*)(?:[-*+]|\d{1,3}[.)])\s+(\[[ xX]\]\s+)?(.*\S)\s*$/;

/**
 * The steps of a plan: the checklist items if there are any, else the list items of the
 * outermost list, else the non-empty lines. At most 20 steps of at most 300 characters.
 */
export function parsePlan(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const items = lines.flatMap((line) => {
    const match = LIST_ITEM.exec(line);
    return match ? [{ indent: (match[1] ?? "").length, checkbox: match[2] !== undefined, text: match[3] ?? "" }] : [];
  });
  let steps: string[];
  const checklist = items.filter((item) => item.checkbox);
  if (checklist.length > 0) {
    steps = checklist.map((item) => item.text);
  } else if (items.length > 0) {
    const outer = Math.min(...items.map((item) => item.indent));
    steps = items.filter((item) => item.indent === outer).map((item) => item.text);
  } else {
    steps = lines.map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("```"));
  }
  return steps
    .map((step) => step.trim())
    .filter((step) => step !== "")
    .slice(0, MAX_PLAN_STEPS)
    .map((step) => capEnd(step, MAX_PLAN_STEP_CHARS));
}

const evidenceSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("command"), command: z.string().trim().min(1), result: z.string() }),
  z.object({
    kind: z.literal("file"),
    path: z.string().trim().min(1),
    line: z.number({ error: "line must be a line number" }).int().positive(),
  }),
]);

const criterionSchema = z.object({
  index: z.number().int(),
  status: z.enum(["met", "not_met", "unverified"]),
  // Checked on its own: bad evidence costs the claim, not the whole entry.
  evidence: z.unknown().optional(),
});

const reportSchema = z.object({
  summary: z.string(),
  criteria: z.array(z.unknown()),
});

/**
 * Reads the report the model gave in answer to `buildReportPrompt`, checked against the
 * task's criteria: "met" without evidence becomes "unverified", as do criteria the model
 * skipped; entries for criteria that do not exist are ignored. An answer that is not the
 * JSON asked for leaves every criterion "unverified", keeps the text as the summary, and
 * says what was wrong in `formatError`.
 */
export function parseEvidenceReport(text: string, criteria: readonly string[]): EvidenceReport {
  const unverified = (): CriterionReport[] => criteria.map((criterion, i) => ({ index: i + 1, criterion, status: "unverified", evidence: null }));
  const fallback = (formatError: string): EvidenceReport => ({
    summary: capEnd(text.trim(), MAX_SUMMARY_CHARS),
    criteria: unverified(),
    formatError,
  });

  const json = extractJson(text);
  if (json === undefined) return fallback("The report has no JSON block.");
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return fallback(`The report's JSON does not parse: ${error instanceof Error ? error.message : String(error)}`);
  }
  const report = reportSchema.safeParse(value);
  if (!report.success) return fallback(`The report's JSON does not have the expected shape: ${describeIssues(report.error)}`);

  const problems: string[] = [];
  const byIndex = new Map<number, { status: CriterionStatus; evidence: Evidence | null }>();
  report.data.criteria.forEach((entry, position) => {
    const parsed = criterionSchema.safeParse(entry);
    if (!parsed.success) {
      problems.push(`criteria[${position}]: ${describeIssues(parsed.error)}`);
      return;
    }
    const { index } = parsed.data;
    if (index < 1 || index > criteria.length) {
      problems.push(`criteria[${position}]: there is no criterion ${index}`);
      return;
    }
    // The first entry for a criterion counts; a model repeating itself does not get two votes.
    if (byIndex.has(index)) return;
    let evidence: Evidence | null = null;
    if (parsed.data.evidence != null) {
      const checked = evidenceSchema.safeParse(parsed.data.evidence);
      if (checked.success) evidence = normalizeEvidence(checked.data);
      else problems.push(`criteria[${position}].evidence: ${describeIssues(checked.error)}`);
    }
    byIndex.set(index, { status: parsed.data.status, evidence });
  });

  const results = criteria.map((criterion, i): CriterionReport => {
    const entry = byIndex.get(i + 1);
    if (entry === undefined) return { index: i + 1, criterion, status: "unverified", evidence: null };
    // A claim without evidence is not a verified criterion.
    const status = entry.status === "met" && entry.evidence === null ? "unverified" : entry.status;
    return { index: i + 1, criterion, status, evidence: entry.evidence };
  });
  return {
    summary: capEnd(report.data.summary.trim(), MAX_SUMMARY_CHARS),
    criteria: results,
    ...(problems.length > 0 ? { formatError: `Parts of the report were ignored: ${problems.join("; ")}` } : {}),
  };
}

function normalizeEvidence(evidence: z.infer<typeof evidenceSchema>): Evidence {
  if (evidence.kind === "command") {
    return { kind: "command", command: capEnd(evidence.command, 500), result: capEnd(evidence.result.trim(), MAX_EVIDENCE_CHARS) };
  }
  return { kind: "file", path: capEnd(evidence.path, 500), line: evidence.line };
}

/** The JSON of a report: the first ```json block, else the first fenced block, else the outermost braces. */
function extractJson(text: string): string | undefined {
  const fenced = [...text.matchAll(/(`{3,}|~{3,})[ \t]*([\w-]*)[^\n]*\n([\s\S]*?)\n[ \t]*\1/g)];
  const json = fenced.find((m) => (m[2] ?? "").toLowerCase() === "json") ?? fenced[0];
  if (json !== undefined) return json[3];
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  return start !== -1 && end > start ? text.slice(start, end + 1) : undefined;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

function capEnd(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A backtick fence longer than any backtick run in `text`, so the output cannot close it. */
function codeFence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return "`".repeat(longest + 1);
}
