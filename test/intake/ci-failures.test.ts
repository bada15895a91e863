import { describe, expect, it } from "vitest";
import { parseRunName, renderRunName } from "../../src/domain/actions-workflow.js";
import type { CommitCheckRun } from "../../src/github/repo-checks.js";
import { isHamsterWorkflowRun, parseCiEvent, type CiPayload } from "../../src/intake/ci-event.js";
import { buildFailureSignature, summarizeChecks, tailLog, type FailingCheck } from "../../src/intake/ci-failures.js";
import { loadExample } from "../helpers/app.js";

const check = (name: string, status: string, conclusion: string | null): CommitCheckRun => ({
  id: 1,
  name,
  status,
  conclusion,
  appId: 15368,
  appSlug: "github-actions",
  htmlUrl: null,
  title: null,
  summary: null,
  text: null,
  annotationsCount: 0,
});

describe("summarizeChecks", () => {
  it("is pending while any check runs, failing on failure, timeout or startup failure, else passing", () => {
    expect(summarizeChecks([check("a", "completed", "failure"), check("b", "in_progress", null)])).toEqual({ state: "pending", pending: ["b"] });
    expect(summarizeChecks([check("b", "completed", "timed_out"), check("a", "completed", "failure"), check("c", "completed", "success")])).toMatchObject({
      state: "failing",
      failing: [{ name: "a" }, { name: "b" }],
    });
    for (const harmless of ["success", "skipped", "neutral", "cancelled", "action_required"]) {
      expect(summarizeChecks([check("a", "completed", harmless)])).toEqual({ state: "passing" });
    }
    expect(summarizeChecks([])).toEqual({ state: "passing" });
  });
});

describe("tailLog", () => {
  it("keeps the last lines, without GitHub Actions' timestamps, bounded in characters", () => {
    const log = Array.from({ length: 200 }, (_, i) => `2025-01-01T12:00:00.1234567Z line ${i}`).join("\r\n") + "\r\n";
    const tail = tailLog(log, 3, 1000);
    expect(tail).toBe("line 197\nline 198\nline 199");
    expect(tailLog("x".repeat(50), 10, 20)).toBe("x".repeat(20));
  });
});

describe("buildFailureSignature", () => {
  const failing = (log: string, message = "boom"): FailingCheck => ({
    name: "test",
    conclusion: "failure",
    htmlUrl: null,
    title: null,
    summary: null,
    annotations: [{ path: "a.ts", startLine: 3, level: "failure", title: null, message }],
    logTail: log,
  });

  it("is the same for the same failure told at another time, and differs when the failure does", () => {
    const a = buildFailureSignature([failing("Tests: 2 failed (took 1.2s) at 12:00:01\nsha abc1234def")]);
    expect(buildFailureSignature([failing("Tests: 2 failed (took 3.9 s) at 13:45:10\nsha 9f8e7d6c5b")])).toBe(a);
    expect(buildFailureSignature([failing("Tests: 1 failed (took 1.2s) at 12:00:01\nsha abc1234def")])).not.toBe(a);
    expect(buildFailureSignature([failing("Tests: 2 failed (took 1.2s) at 12:00:01\nsha abc1234def", "other")])).not.toBe(a);
    expect(buildFailureSignature([])).not.toBe(a);
  });
});

describe("parseCiEvent", () => {
  it("tells Hamster's own workflow runs from the repository's CI", () => {
    expect(parseRunName(renderRunName(12, 2))).toEqual({ runId: 12, attempt: 2 });
    expect(isHamsterWorkflowRun({ display_title: "Hamster run 12 attempt 1", name: "Hamster", path: ".github/workflows/deliver.yml" })).toBe(true);
    expect(isHamsterWorkflowRun({ display_title: "Fix the parser", name: "CI", path: ".github/workflows/hamster.yml@refs/heads/main" })).toBe(true);
    expect(isHamsterWorkflowRun({ display_title: "Hamster run twelve", name: "CI", path: ".github/workflows/ci.yml" })).toBe(false);
  });

  it("takes any conclusion of a completed check run linked to a pull request, and nothing else", () => {
    const payload = loadExample("check_run", "completed") as unknown as CiPayload & Record<string, any>;
    payload.installation = { id: 1 };
    expect(parseCiEvent("check_run", "d", payload)).toMatchObject({ kind: "ci", event: { pullNumbers: [2], headBranch: "changes", appId: 29310 } });
    const created = { ...payload, action: "created" };
    expect(parseCiEvent("check_run", "d", created)).toMatchObject({ kind: "ignore" });
    const unlinked = structuredClone(payload);
    unlinked.check_run!.pull_requests = [];
    expect(parseCiEvent("check_run", "d", unlinked)).toMatchObject({ kind: "ignore", why: "not on a pull request" });
    unlinked.check_run!.check_suite!.head_branch = "hamster/3-fix-it";
    expect(parseCiEvent("check_run", "d", unlinked)).toMatchObject({ kind: "ci", event: { pullNumbers: [], headBranch: "hamster/3-fix-it" } });
  });
});
