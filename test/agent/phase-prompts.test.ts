import { describe, expect, it } from "vitest";
import {
  MAX_FIX_OUTPUT_CHARS,
  buildFixPrompt,
  buildImplementPrompt,
  buildPlanPrompt,
  buildReportPrompt,
  parseEvidenceReport,
  parsePlan,
} from "../../src/agent/phase-prompts.js";

const criteria = ["Retries 503 up to 3 times", "Backs off exponentially", "Logs each retry"];

describe("phase prompts", () => {
  it("asks for a 3–10 step checklist plan without edits", () => {
    const prompt = buildPlanPrompt();
    expect(prompt).toMatch(/checklist of 3 to 10 steps/);
    expect(prompt).toMatch(/do not change any file yet/);
  });

  it("hands the plan back as a checklist and says not to commit", () => {
    const prompt = buildImplementPrompt(["Add retry()", "Use it in\nthe client"]);
    expect(prompt).toContain("- [ ] Add retry()\n- [ ] Use it in the client");
    expect(prompt).toMatch(/run the tests/);
    expect(prompt).toMatch(/Do not commit/);
  });

  it("shows the failed command's output, shortened in the middle, in a fence it cannot close", () => {
    const output = `FAIL test/retry.test.ts\n\`\`\`\n${"noise\n".repeat(5_000)}expected 3 retries, got 1`;
    const prompt = buildFixPrompt({ command: "npm test", exitCode: 1, output, attempt: 2, maxAttempts: 3 });
    expect(prompt).toMatch(/^Phase: fix \(attempt 2 of 3\)\./);
    expect(prompt).toContain("`npm test` in the checkout and it failed with exit code 1. Its output (shortened in the middle):");
    expect(prompt).toContain("FAIL test/retry.test.ts");
    expect(prompt).toContain("expected 3 retries, got 1");
    expect(prompt).toMatch(/characters elided/);
    expect(prompt.length).toBeLessThan(MAX_FIX_OUTPUT_CHARS + 1_500);
    expect(prompt).toContain("````\nFAIL");
    expect(prompt).toMatch(/Change a test only if the test itself is wrong/);
  });

  it("says when the verification command did not exit by itself", () => {
    const prompt = buildFixPrompt({ command: "npm test", exitCode: null, output: "", attempt: 1, maxAttempts: 2 });
    expect(prompt).toContain("did not finish (it was killed or timed out). Its output:");
    expect(prompt).toContain("```\n(no output)\n```");
  });

  it("asks for one JSON block with a numbered entry per criterion, and states the app's test run", () => {
    const prompt = buildReportPrompt({ criteria, testRun: { command: "npm test", passed: true } });
    expect(prompt).toContain("1. Retries 503 up to 3 times\n2. Backs off exponentially\n3. Logs each retry");
    expect(prompt).toContain("The app ran `npm test` after your work: it passed.");
    expect(prompt).toMatch(/ONE fenced json block/);
    expect(prompt).toContain('"kind": "command"');
    expect(prompt).toContain('"kind": "file"');
    expect(prompt).toMatch(/"met" only with evidence/);
    expect(buildReportPrompt({ criteria: [] })).toContain('"criteria": []');
    expect(buildReportPrompt({ criteria: [] })).not.toContain("The app ran");
  });
});

describe("parsePlan", () => {
  it("takes the checklist items", () => {
    const text = "Here is my plan:\n\n- [ ] Read `src/client.ts`\n- [x] Add `retry()`  \n  - detail that is not a step\n* [ ] Run `npm test`\n\nThat's it.";
    expect(parsePlan(text)).toEqual(["Read `src/client.ts`", "Add `retry()`", "Run `npm test`"]);
  });

  it("takes the outermost list items when there is no checklist", () => {
    expect(parsePlan("1. First\n   - sub\n2) Second\n- Third")).toEqual(["First", "Second", "Third"]);
  });

  it("falls back to the non-empty lines", () => {
    expect(parsePlan("Read the code.\n\n```\nAdd the retry.\n```\n")).toEqual(["Read the code.", "Add the retry."]);
    expect(parsePlan("   ")).toEqual([]);
  });

  it("keeps at most 20 steps of at most 300 characters", () => {
    const plan = parsePlan(Array.from({ length: 30 }, (_, i) => `- [ ] step ${i} ${"x".repeat(400)}`).join("\n"));
    expect(plan).toHaveLength(20);
    expect(plan[0]).toHaveLength(300);
    expect(plan[0]?.endsWith("…")).toBe(true);
  });
});

describe("parseEvidenceReport", () => {
  const wellFormed = `Here is the report.

\`\`\`json
{
  "summary": "Added \`retry()\` to the client.\\n\\n- src/retry.ts",
  "criteria": [
    { "index": 1, "status": "met", "evidence": { "kind": "command", "command": "npm test -- retry", "result": "3 passed" } },
    { "index": 2, "status": "met", "evidence": { "kind": "file", "path": "src/retry.ts", "line": 12 } },
    { "index": 3, "status": "not_met", "evidence": null }
  ]
}
\`\`\``;

  it("reads a well-formed report", () => {
    expect(parseEvidenceReport(wellFormed, criteria)).toEqual({
      summary: "Added `retry()` to the client.\n\n- src/retry.ts",
      criteria: [
        { index: 1, criterion: criteria[0], status: "met", evidence: { kind: "command", command: "npm test -- retry", result: "3 passed" } },
        { index: 2, criterion: criteria[1], status: "met", evidence: { kind: "file", path: "src/retry.ts", line: 12 } },
        { index: 3, criterion: criteria[2], status: "not_met", evidence: null },
      ],
    });
  });

  it("downgrades met without evidence, and criteria the model skipped, to unverified", () => {
    const text = '```json\n{"summary":"s","criteria":[{"index":2,"status":"met","evidence":null},{"index":3,"status":"met"}]}\n```';
    const report = parseEvidenceReport(text, criteria);
    expect(report.criteria.map((c) => [c.index, c.status, c.evidence])).toEqual([
      [1, "unverified", null],
      [2, "unverified", null],
      [3, "unverified", null],
    ]);
    expect(report.formatError).toBeUndefined();
  });

  it("ignores entries for criteria that do not exist, repeated entries and invalid evidence, and says so", () => {
    const text = JSON.stringify({
      summary: "s",
      criteria: [
        { index: 1, status: "not_met", evidence: null },
        { index: 1, status: "met", evidence: { kind: "command", command: "true", result: "ok" } },
        { index: 9, status: "met", evidence: null },
        { index: 2, status: "met", evidence: { kind: "file", path: "src/x.ts" } },
        { index: 3, status: "done" },
      ],
    });
    const report = parseEvidenceReport(`Report: ${text}`, criteria);
    expect(report.summary).toBe("s");
    expect(report.criteria.map((c) => c.status)).toEqual(["not_met", "unverified", "unverified"]);
    expect(report.formatError).toMatch(/criteria\[2\]: there is no criterion 9/);
    expect(report.formatError).toMatch(/criteria\[3\]\.evidence: line/);
    expect(report.formatError).toMatch(/criteria\[4\]: status/);
  });

  it.each([
    ["no JSON at all", "I changed the client and the tests pass.", /no JSON block/],
    ["JSON that does not parse", '```json\n{"summary": "s", "criteria": [\n```', /does not parse/],
    ["JSON of the wrong shape", '```json\n{"criteria": "all good"}\n```', /expected shape: summary/],
  ])("leaves every criterion unverified for %s, keeping the text as the summary", (_name, text, error) => {
    const report = parseEvidenceReport(text, criteria);
    expect(report.summary).toBe(text);
    expect(report.criteria).toEqual(criteria.map((criterion, i) => ({ index: i + 1, criterion, status: "unverified", evidence: null })));
    expect(report.formatError).toMatch(error);
  });

  it("caps a huge malformed answer", () => {
    const report = parseEvidenceReport("x".repeat(50_000), []);
    expect(report.summary.length).toBe(20_000);
    expect(report.criteria).toEqual([]);
  });
});
