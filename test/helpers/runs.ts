import type { NewRun } from "../../src/store/run-store.js";
import type { RunRequest } from "../../src/store/run.js";

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
