import { describe, expect, it } from "vitest";
import { checkTokenClaims, resolveWorkflowRef } from "../../../src/executors/actions/check-token-claims.js";

const expected = { repository: "octo-org/octo-repo", workflowRunId: 9001, workflowPath: ".github/workflows/hamster.yml", ref: "refs/heads/main" };
const WORKFLOW = "octo-org/octo-repo/.github/workflows/hamster.yml@refs/heads/main";
const claims = (overrides: Partial<{ repository: string; run_id: string; workflow_ref: string; job_workflow_ref: string }> = {}) => ({
  repository: "octo-org/octo-repo",
  run_id: "9001",
  workflow_ref: WORKFLOW,
  job_workflow_ref: WORKFLOW,
  ...overrides,
});

const reasonOf = (check: ReturnType<typeof checkTokenClaims>) => (check.ok ? undefined : check.reason);

describe("checkTokenClaims", () => {
  it("accepts the dispatched run of the Hamster workflow on the configured ref", () => {
    expect(checkTokenClaims(claims(), expected)).toEqual({ ok: true });
  });

  it("compares the repository without regard to case, in the repository claim and in the workflow refs", () => {
    const upper = "Octo-Org/Octo-Repo/.github/workflows/hamster.yml@refs/heads/main";
    expect(checkTokenClaims(claims({ repository: "Octo-Org/Octo-Repo", workflow_ref: upper, job_workflow_ref: upper }), expected)).toEqual({ ok: true });
  });

  it("compares the workflow path and the ref exactly", () => {
    const otherCase = "octo-org/octo-repo/.github/workflows/Hamster.yml@refs/heads/main";
    expect(checkTokenClaims(claims({ workflow_ref: otherCase, job_workflow_ref: otherCase }), expected).ok).toBe(false);
    const otherRefCase = "octo-org/octo-repo/.github/workflows/hamster.yml@refs/heads/Main";
    expect(checkTokenClaims(claims({ workflow_ref: otherRefCase, job_workflow_ref: otherRefCase }), expected).ok).toBe(false);
  });

  it("refuses a token of another repository", () => {
    const other = "mallory/octo-repo/.github/workflows/hamster.yml@refs/heads/main";
    expect(reasonOf(checkTokenClaims(claims({ repository: "mallory/octo-repo", workflow_ref: other, job_workflow_ref: other }), expected))).toBe(
      "The token is for repository mallory/octo-repo, not octo-org/octo-repo.",
    );
  });

  it("refuses a copy of the workflow on another branch", () => {
    const onBranch = "octo-org/octo-repo/.github/workflows/hamster.yml@refs/heads/x";
    expect(reasonOf(checkTokenClaims(claims({ workflow_ref: onBranch, job_workflow_ref: onBranch }), expected))).toBe(
      "The token is for workflow .github/workflows/hamster.yml on refs/heads/x, not .github/workflows/hamster.yml on refs/heads/main (workflow_ref): " +
        "a copy of the workflow on another branch cannot claim a run.",
    );
  });

  it("refuses another workflow of the repository", () => {
    const other = "octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main";
    expect(reasonOf(checkTokenClaims(claims({ workflow_ref: other, job_workflow_ref: other }), expected))).toBe(
      "The token is for workflow .github/workflows/ci.yml on refs/heads/main, not .github/workflows/hamster.yml on refs/heads/main (workflow_ref): " +
        "only the Hamster workflow can claim a run.",
    );
  });

  it("refuses a job of a reusable workflow called by the Hamster workflow", () => {
    const reusable = "mallory/tools/.github/workflows/steal.yml@refs/heads/main";
    const reason = reasonOf(checkTokenClaims(claims({ job_workflow_ref: reusable }), expected));
    expect(reason).toContain(`comes from ${reusable} (job_workflow_ref), not from ${WORKFLOW}`);
    expect(reason).toMatch(/not in a reusable workflow/);
  });

  it("refuses a token of another workflow run", () => {
    expect(reasonOf(checkTokenClaims(claims({ run_id: "9002" }), expected))).toBe(
      "The token is from workflow run 9002 (run_id), not from run 9001 that Hamster dispatched for this attempt.",
    );
    expect(checkTokenClaims(claims({ run_id: "09001" }), expected).ok).toBe(false);
  });

  it("matches a ref that holds an @ exactly, and names it whole", () => {
    const atRef = { ...expected, ref: "refs/heads/me@work" };
    const workflow = "octo-org/octo-repo/.github/workflows/hamster.yml@refs/heads/me@work";
    expect(checkTokenClaims(claims({ workflow_ref: workflow, job_workflow_ref: workflow }), atRef)).toEqual({ ok: true });
    expect(reasonOf(checkTokenClaims(claims(), atRef))).toMatch(/on refs\/heads\/main, not .* on refs\/heads\/me@work/);
    expect(reasonOf(checkTokenClaims(claims({ workflow_ref: workflow, job_workflow_ref: workflow }), expected))).toMatch(
      /^The token is for workflow \.github\/workflows\/hamster\.yml on refs\/heads\/me@work, not .*another branch/,
    );
  });
});

describe("resolveWorkflowRef", () => {
  it("makes a bare branch name a branch ref and keeps full refs", () => {
    expect(resolveWorkflowRef("main")).toBe("refs/heads/main");
    expect(resolveWorkflowRef("release/1.x")).toBe("refs/heads/release/1.x");
    expect(resolveWorkflowRef("refs/heads/main")).toBe("refs/heads/main");
    expect(resolveWorkflowRef("refs/tags/v1")).toBe("refs/tags/v1");
  });
});
