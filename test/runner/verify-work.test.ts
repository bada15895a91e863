import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderDeliveredPullRequestBody } from "../../src/reporter/render-pull-request.js";
import type { CriterionResult, RunReport, Verification } from "../../src/domain/run.js";
import { checkEvidence } from "../../src/runner/verify-work.js";
import { decideConclusion } from "../../src/lifecycle/decide-conclusion.js";
import { buildRun } from "../helpers/runs.js";

let workdir: string;

beforeEach(async () => {
  workdir = await mkdtemp(path.join(tmpdir(), "hamster-evidence-"));
  await writeFile(path.join(workdir, "greet.sh"), "echo Hello\n", "utf8");
});

afterEach(() => rm(workdir, { recursive: true, force: true }));

const PASSED: Verification = { command: "npm test", passed: true, exitCode: 0, runs: 1, outputTail: "" };
const FAILED: Verification = { ...PASSED, passed: false, exitCode: 1 };

const byCommand = (command: string, result = "12 tests passed"): CriterionResult => ({
  index: 1,
  criterion: "`greet` prints Hello",
  status: "met",
  evidence: { kind: "command", command, result },
});

const report = (...criteria: CriterionResult[]): RunReport => ({ criteria });

describe("checkEvidence", () => {
  it("credits the test run to Hamster when the agent never ran the command, replacing the result it only repeated", async () => {
    const checked = await checkEvidence(report(byCommand("npm  test")), { workdir, verification: PASSED, agentCommands: ["ls", "cat package.json"] });
    expect(checked.criteria[0]).toEqual({
      ...byCommand("npm  test"),
      evidence: { kind: "command", command: "npm  test", result: "passed" },
      note: "verified by Hamster's test run, not by the agent",
    });
    // Still met: Hamster's own run is evidence, just not the agent's.
    expect(decideConclusion(checked, PASSED)).toBe("success");

    const body = renderDeliveredPullRequestBody({ run: buildRun({ state: "delivering", summary: "Added greet.", report: checked, verification: PASSED }), transitions: [], now: new Date() });
    expect(body).toContain("| 1 | `greet` prints Hello | ✅ met | `npm  test` → passed (verified by Hamster's test run, not by the agent) |");
    expect(body).not.toContain("12 tests passed");
  });

  it("leaves the agent's evidence alone when it ran the command itself, alone or in a longer line", async () => {
    for (const ran of ["npm test", "cd . && npm test 2>&1 | tail -20"]) {
      const checked = await checkEvidence(report(byCommand("npm test")), { workdir, verification: PASSED, agentCommands: [ran] });
      expect(checked.criteria[0]).toEqual(byCommand("npm test"));
    }
  });

  it("says that Hamster's run passed too when the agent does not report what it ran", async () => {
    const checked = await checkEvidence(report(byCommand("npm test")), { workdir, verification: PASSED, agentCommands: null });
    expect(checked.criteria[0]).toEqual({ ...byCommand("npm test"), note: "Hamster's test run passed too; this agent does not report the commands it ran" });
  });

  it("still refuses a claim that Hamster's own run contradicts, and keeps other commands and files as they were", async () => {
    const failed = await checkEvidence(report(byCommand("npm test")), { workdir, verification: FAILED, agentCommands: ["npm test"] });
    expect(failed.criteria[0]).toMatchObject({ status: "unverified", note: "the harness's own run of `npm test` failed" });

    const other = await checkEvidence(report(byCommand("./greet.sh", "Hello")), { workdir, verification: PASSED, agentCommands: [] });
    expect(other.criteria[0]).toEqual(byCommand("./greet.sh", "Hello"));

    const file: CriterionResult = { index: 2, criterion: "c", status: "met", evidence: { kind: "file", path: "greet.sh", line: 1 } };
    expect((await checkEvidence(report(file), { workdir, verification: PASSED, agentCommands: [] })).criteria[0]).toEqual(file);
  });
});
