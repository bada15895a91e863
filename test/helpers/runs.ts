import type { NewRun } from "../../src/store/run-writes.js";
import type { Run, RunRequest } from "../../src/domain/run.js";

/** A run request as intake would record it; override what a test cares about. */
export function buildRunRequest(overrides: Partial<RunRequest> = {}): RunRequest {
  return {
    repo: {
      id: 42,
      owner: "acme",
      name: "widgets",
      cloneUrl: "https://github.com/acme/widgets.git",
      defaultBranch: "main",
      htmlUrl: "https://github.com/acme/widgets",
    },
    issue: { number: 7, title: "Add retries", body: "Retry failed calls.", author: "alice", htmlUrl: "https://github.com/acme/widgets/issues/7" },
    baseBranch: "main",
    targetBranch: "main",
    agent: "claude",
    model: "claude-sonnet-5-5",
    instructions: "",
    ...overrides,
  };
}

export function buildNewRun(overrides: Partial<NewRun> = {}): NewRun {
  return { installationId: 1, trigger: "label", requestedBy: "alice", deliveryId: "d-1", request: buildRunRequest(), ...overrides };
}

/** When buildRun's run was created: 2026-11-24T10:00:00.000Z. */
export const RUN_CREATED_AT = "2026-11-24T10:00:00.000Z";

/** A stored run as the reporter sees it, queued with some usage; override what a test cares about. */
export function buildRun(overrides: Partial<Run> = {}): Run {
  return {
    id: 5,
    installationId: 1,
    repoId: 42,
    repoOwner: "acme",
    repoName: "widgets",
    issueNumber: 7,
    state: "queued",
    trigger: "label",
    requestedBy: "alice",
    deliveryId: "d",
    request: buildRunRequest(),
    workBranch: null,
    prNumber: null,
    prNodeId: null,
    checkRunId: null,
    statusCommentId: null,
    headSha: null,
    reason: null,
    summary: null,
    usage: { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 9000, cacheWriteTokens: 800 },
    costUsd: 0.0123,
    turns: 4,
    plan: null,
    verification: null,
    report: null,
    briefSource: null,
    notes: [],
    conclusion: null,
    progress: null,
    heartbeatAt: null,
    resumeCount: 0,
    followUpOf: null,
    cancelledBy: null,
    createdAt: RUN_CREATED_AT,
    updatedAt: RUN_CREATED_AT,
    finishedAt: null,
    ...overrides,
  };
}
