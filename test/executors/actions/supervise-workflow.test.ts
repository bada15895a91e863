import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RunFailure } from "../../../src/domain/run-failure.js";
import { ActionsAttempt, type WorkflowEnd } from "../../../src/executors/actions/actions-attempt.js";
import { superviseWorkflow, type WorkflowSupervision } from "../../../src/executors/actions/supervise-workflow.js";
import { createJobBoard } from "../../../src/executors/process/job-board.js";
import type { RunnerOutcome } from "../../../src/runner/protocol-schemas.js";
import { buildJob, createRecordingIo } from "../../helpers/jobs.js";

const URL_OF_RUN = "https://github.com/o/r/actions/runs/77";
const EXPECTED = { repository: "o/r", workflowPath: ".github/workflows/hamster.yml", ref: "refs/heads/main" };
const FAILED: RunnerOutcome = { outcome: "failed", error: { message: "boom" } };

function setUp(overrides: Partial<WorkflowSupervision> = {}, controller = new AbortController()) {
  const live = createJobBoard().register({ job: buildJob(), io: createRecordingIo(), startSha: "a".repeat(40), workBranch: "hamster/5-x", sourceBundle: "/tmp/s", scratchDir: "/tmp" });
  const attempt = new ActionsAttempt(live, "hmr_1_secret", EXPECTED);
  attempt.bindWorkflowRun(77, URL_OF_RUN);
  const polls: number[] = [];
  let pollAnswer: WorkflowEnd | null = null;
  const outcome = superviseWorkflow({
    attempt,
    signal: controller.signal,
    queueTimeoutMs: 30 * 60_000,
    heartbeatTimeoutMs: 60_000,
    stopGraceMs: 20_000,
    pollMs: 60_000,
    pollWorkflow: async () => {
      polls.push(Date.now());
      return pollAnswer;
    },
    ...overrides,
  });
  // Rejections are checked by the tests; keep an early one from being reported as unhandled.
  outcome.catch(() => undefined);
  return { live, attempt, outcome, polls, controller, answerPoll: (end: WorkflowEnd | null) => (pollAnswer = end) };
}

describe("superviseWorkflow", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("resolves with the runner's outcome", async () => {
    const { live, attempt, outcome } = setUp();
    attempt.claim(Date.now());
    live.settle(FAILED);
    await expect(outcome).resolves.toEqual(FAILED);
  });

  it("fails a job no runner takes within the queue timeout, with the link", async () => {
    const { outcome } = setUp();
    await vi.advanceTimersByTimeAsync(30 * 60_000 + 5_000);
    await expect(outcome).rejects.toThrow(new RunFailure(`No GitHub Actions runner took the job within 30 minutes. Check that a runner has the labels the workflow's \`runs-on\` asks for, or raise \`actions.queue_timeout_minutes\` in .github/hamster.yml. Workflow run: ${URL_OF_RUN}`));
  });

  it("polls the workflow run while it is queued, and ends when GitHub says it ended", async () => {
    const { outcome, polls, answerPoll } = setUp();
    await vi.advanceTimersByTimeAsync(61_000);
    expect(polls).toHaveLength(1);
    answerPoll({ conclusion: "failure", htmlUrl: URL_OF_RUN });
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(outcome).rejects.toThrow(/ended \(failure\) before its runner started: its log says why/);
  });

  it("fails a claimed job whose runner goes silent", async () => {
    const { attempt, outcome, polls } = setUp();
    attempt.claim(Date.now());
    await vi.advanceTimersByTimeAsync(60_000 + 20_000);
    await expect(outcome).rejects.toThrow(/stopped answering for 60 s/);
    // A claimed job is followed by its heartbeats, not by polling GitHub.
    expect(polls).toHaveLength(0);
  });

  it("names a cancel from the Actions UI", async () => {
    const { attempt, outcome } = setUp();
    attempt.claim(Date.now());
    attempt.finish({ conclusion: "cancelled", htmlUrl: URL_OF_RUN });
    await expect(outcome).rejects.toThrow(`The workflow run was cancelled in GitHub Actions before its runner reported a result. Workflow run: ${URL_OF_RUN}`);
  });

  it("takes the runner's result when the workflow run's end is reported before the outcome is handed on", async () => {
    const { live, attempt, outcome } = setUp();
    attempt.claim(Date.now());
    live.settle(FAILED);
    attempt.finish({ conclusion: "success", htmlUrl: URL_OF_RUN });
    await expect(outcome).resolves.toEqual(FAILED);
  });

  it("tells a working runner to stop when the run is cancelled, and waits for its result", async () => {
    const { live, attempt, outcome, controller } = setUp();
    attempt.claim(Date.now());
    controller.abort({ kind: "cancel", by: "octocat" });
    expect(live.stop).toBe("Cancelled by @octocat.");
    await vi.advanceTimersByTimeAsync(10_000);
    live.settle(FAILED);
    await expect(outcome).resolves.toEqual(FAILED);
  });

  it("ends at once when the run is cancelled before a runner took the job", async () => {
    const { outcome, controller } = setUp();
    controller.abort({ kind: "cancel", by: "octocat" });
    await expect(outcome).rejects.toThrow(/stopped before a GitHub Actions runner took the job/);
  });
});
