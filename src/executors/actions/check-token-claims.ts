import type { ActionsTokenClaims } from "./actions-token-claims.js";

/**
 * Whether a verified OIDC token's job may claim a run: it must be the run Hamster dispatched,
 * of the Hamster workflow as it lies on the configured ref of the run's repository. Anyone
 * who can push a branch can run a copy of the workflow there, and any repository can get a
 * token for the app's audience, so each of these is checked, and the reasons say which failed.
 */
export interface ExpectedTokenClaims {
  /** `owner/name`, compared without regard to case as GitHub does. */
  readonly repository: string;
  /** The workflow run the dispatch started. */
  readonly workflowRunId: number;
  /** e.g. `.github/workflows/hamster.yml` */
  readonly workflowPath: string;
  /** A full ref, e.g. `refs/heads/main` (see resolveWorkflowRef). */
  readonly ref: string;
}

export type TokenClaimsCheck = { ok: true } | { ok: false; reason: string };

type CheckedClaims = Pick<ActionsTokenClaims, "repository" | "run_id" | "workflow_ref" | "job_workflow_ref">;

export function checkTokenClaims(claims: CheckedClaims, expected: ExpectedTokenClaims): TokenClaimsCheck {
  if (claims.repository.toLowerCase() !== expected.repository.toLowerCase()) {
    return refuse(`The token is for repository ${claims.repository}, not ${expected.repository}.`);
  }
  const workflow = checkWorkflowRef("workflow_ref", claims.workflow_ref, expected);
  if (!workflow.ok) return workflow;
  // workflow_ref right and job_workflow_ref wrong: the job comes from a reusable workflow.
  if (!matchesWorkflowRef(claims.job_workflow_ref, expected)) {
    return refuse(
      `The token's job comes from ${claims.job_workflow_ref} (job_workflow_ref), not from ${renderWorkflowRef(expected)}: ` +
        "the Hamster step must be in the Hamster workflow itself, not in a reusable workflow.",
    );
  }
  if (claims.run_id !== String(expected.workflowRunId)) {
    return refuse(`The token is from workflow run ${claims.run_id} (run_id), not from run ${expected.workflowRunId} that Hamster dispatched for this attempt.`);
  }
  return { ok: true };
}

/** A ref from the configuration as a full ref: a bare branch name is a branch. */
export function resolveWorkflowRef(ref: string): string {
  return ref.startsWith("refs/") ? ref : `refs/heads/${ref}`;
}

function refuse(reason: string): TokenClaimsCheck {
  return { ok: false, reason };
}

function renderWorkflowRef(expected: ExpectedTokenClaims): string {
  return `${expected.repository}/${expected.workflowPath}@${expected.ref}`;
}

/** `owner/name/<path>@<ref>`: the repository part without regard to case, the rest exactly. */
function matchesWorkflowRef(claimed: string, expected: ExpectedTokenClaims): boolean {
  const prefix = `${expected.repository}/`;
  return (
    claimed.slice(0, prefix.length).toLowerCase() === prefix.toLowerCase() && claimed.slice(prefix.length) === `${expected.workflowPath}@${expected.ref}`
  );
}

function checkWorkflowRef(claim: string, claimed: string, expected: ExpectedTokenClaims): TokenClaimsCheck {
  if (matchesWorkflowRef(claimed, expected)) return { ok: true };
  const prefix = `${expected.repository}/`;
  if (claimed.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) {
    return refuse(`The token's ${claim} is ${claimed}, not ${renderWorkflowRef(expected)}.`);
  }
  const { path, ref } = splitWorkflowRef(claimed.slice(prefix.length));
  if (path === expected.workflowPath) {
    return refuse(
      `The token is for workflow ${path} on ${ref}, not ${expected.workflowPath} on ${expected.ref} (${claim}): ` +
        "a copy of the workflow on another branch cannot claim a run.",
    );
  }
  return refuse(
    `The token is for workflow ${path} on ${ref}, not ${expected.workflowPath} on ${expected.ref} (${claim}): ` +
      "only the Hamster workflow can claim a run.",
  );
}

/** For messages only: `<path>@<ref>`, where the ref starts at `@refs/` (a path or ref may hold another `@`). */
function splitWorkflowRef(pathAndRef: string): { path: string; ref: string } {
  const at = pathAndRef.includes("@refs/") ? pathAndRef.indexOf("@refs/") : pathAndRef.lastIndexOf("@");
  if (at < 0) return { path: pathAndRef, ref: "no ref" };
  return { path: pathAndRef.slice(0, at), ref: pathAndRef.slice(at + 1) };
}
