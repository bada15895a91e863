import { DEFAULT_WORKFLOW_PATH, parseRunName } from "../domain/actions-workflow.js";
import type { RunRequest } from "../domain/run.js";
import { WORK_BRANCH_PREFIX } from "../workspace/branch-name.js";

/** Some of a commit's checks finished: the moment to look at how the commit's CI stands. */
export interface CiEvent {
  readonly deliveryId: string;
  readonly installationId: number;
  readonly repo: RunRequest["repo"];
  readonly headSha: string;
  /** The pull requests GitHub links the commit to (same-repository ones). */
  readonly pullNumbers: readonly number[];
  readonly headBranch: string | null;
  /** The app that reported it (check runs and suites); null for a workflow run. */
  readonly appId: number | null;
  /** For logs: which check, suite or workflow finished. */
  readonly source: string;
}

export type ParsedCiEvent = { readonly kind: "ci"; readonly event: CiEvent } | { readonly kind: "ignore"; readonly why: string };

interface PullLink {
  number: number;
}
interface Completed {
  head_sha: string;
  pull_requests?: PullLink[] | null;
}
export interface CiPayload {
  action: string;
  check_run?: Completed & { name: string; app?: { id: number } | null; check_suite?: { head_branch: string | null } | null };
  check_suite?: Completed & { head_branch: string | null; app?: { id: number } | null };
  workflow_run?: Completed & { head_branch: string | null; name?: string | null; display_title?: string | null; path?: string | null };
  repository: { id: number; name: string; owner: { login: string }; clone_url: string; default_branch: string; html_url: string };
  installation?: { id: number };
}

/**
 * `check_run.completed`, `check_suite.completed` and `workflow_run.completed`, whatever their
 * conclusion: the last of a commit's checks to finish may well have passed while an earlier
 * one failed. Hamster's own workflow runs (`executor: actions`) are not the repository's CI.
 * Whether the commit is a Hamster pull request's head is decided later, from the database.
 */
export function parseCiEvent(name: string, deliveryId: string, payload: CiPayload): ParsedCiEvent {
  if (payload.action !== "completed") return { kind: "ignore", why: `${name}.${payload.action}` };
  if (!payload.installation) return { kind: "ignore", why: "event without an installation" };
  let completed: Completed;
  let headBranch: string | null;
  let appId: number | null = null;
  let source: string;
  if (name === "check_run" && payload.check_run) {
    completed = payload.check_run;
    headBranch = payload.check_run.check_suite?.head_branch ?? null;
    appId = payload.check_run.app?.id ?? null;
    source = `check run ${payload.check_run.name}`;
  } else if (name === "check_suite" && payload.check_suite) {
    completed = payload.check_suite;
    headBranch = payload.check_suite.head_branch;
    appId = payload.check_suite.app?.id ?? null;
    source = "check suite";
  } else if (name === "workflow_run" && payload.workflow_run) {
    const run = payload.workflow_run;
    if (isHamsterWorkflowRun(run)) return { kind: "ignore", why: "Hamster's own workflow run" };
    completed = run;
    headBranch = run.head_branch;
    source = `workflow ${run.path ?? run.name ?? "run"}`;
  } else {
    return { kind: "ignore", why: `no ${name} in the event` };
  }
  const pullNumbers = (completed.pull_requests ?? []).map((p) => p.number);
  if (pullNumbers.length === 0 && !headBranch?.startsWith(WORK_BRANCH_PREFIX)) return { kind: "ignore", why: "not on a pull request" };
  const r = payload.repository;
  return {
    kind: "ci",
    event: {
      deliveryId,
      installationId: payload.installation.id,
      repo: { id: r.id, owner: r.owner.login, name: r.name, cloneUrl: r.clone_url, defaultBranch: r.default_branch, htmlUrl: r.html_url },
      headSha: completed.head_sha,
      pullNumbers,
      headBranch,
      appId,
      source,
    },
  };
}

/** A Hamster job on Actions: titled `Hamster run <n> attempt <m>`, or the Hamster workflow's file. */
export function isHamsterWorkflowRun(run: { name?: string | null; display_title?: string | null; path?: string | null }): boolean {
  return parseRunName(run.display_title ?? "") !== null || parseRunName(run.name ?? "") !== null || run.path?.split("@")[0] === DEFAULT_WORKFLOW_PATH;
}
