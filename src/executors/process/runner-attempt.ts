import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentError } from "../../agent/provider.js";
import { RunFailure } from "../../domain/run-failure.js";
import type { RunnerFailure, RunnerOutcome } from "../../runner/protocol-schemas.js";
import { applyWorkBundle, createSourceBundle, readCheckoutHead } from "../../workspace/bundle.js";
import type { Job, JobIo, JobResult } from "../executor.js";
import type { JobBoard } from "./job-board.js";
import type { LiveJob } from "./live-job.js";

/** A runner started for one attempt: its outcome as the protocol delivers it, and how to let it go. */
export interface RunnerLaunch {
  /** The runner's outcome; rejects when the runner is lost (RunFailure or ExecutorLost). */
  readonly outcome: Promise<RunnerOutcome>;
  /** Called once the attempt has left the board, whatever happened: stop what is left of the runner. */
  release(): Promise<void>;
}

/**
 * One attempt of a job on a runner that works over the runner protocol, wherever it runs (a
 * child process, a GitHub Actions job): the source bundle is written and the attempt is put on
 * the board for the protocol to serve; `launch` starts the runner. Its work bundle, once it is
 * found to build on the start commit, moves the job's checkout, where the lifecycle finds the
 * work as always.
 */
export async function runRunnerAttempt(board: JobBoard, job: Job, io: JobIo, launch: (live: LiveJob) => Promise<RunnerLaunch>): Promise<JobResult> {
  const start = await readCheckoutHead(job.checkoutDir);
  const scratchDir = await mkdtemp(join(tmpdir(), `hamster-job-${job.runId}-`));
  let live: LiveJob | undefined;
  let runner: RunnerLaunch | undefined;
  try {
    const sourceBundle = join(scratchDir, "source.bundle");
    await createSourceBundle(job.checkoutDir, sourceBundle);
    live = board.register({ job, io, startSha: start.sha, workBranch: start.branch, sourceBundle, scratchDir });
    runner = await launch(live);
    const outcome = await runner.outcome;
    await takeWork(live, job.checkoutDir);
    return concludeOutcome(live, outcome);
  } finally {
    if (live) board.unregister(live);
    await runner?.release();
    await rm(scratchDir, { recursive: true, force: true });
  }
}

/** Moves the checkout to the runner's work, after checking it; a refused bundle ends the run with the reason. */
async function takeWork(live: LiveJob, checkoutDir: string): Promise<void> {
  if (live.bundleRefusal !== null) throw new RunFailure(live.bundleRefusal);
  if (live.workBundle === null) return;
  const check = await applyWorkBundle(checkoutDir, live.workBundle, { branch: live.workBranch, startSha: live.startSha });
  if (!check.ok) throw new RunFailure(`Hamster refused the runner's work: ${check.reason}. Nothing of it was kept.`);
}

function concludeOutcome(live: LiveJob, outcome: RunnerOutcome): JobResult {
  // A stage the control plane refused (a shutdown, a stop) ends the job as it would locally.
  if (live.stopError !== undefined) throw live.stopError;
  if (outcome.outcome === "completed") return outcome.result;
  throw buildRunnerError(outcome.error);
}

/** The runner's failure as the error the lifecycle knows: an AgentError keeps its code (a budget, a cancel). */
export function buildRunnerError(failure: RunnerFailure): Error {
  if (failure.code === undefined) return new RunFailure(failure.message);
  return new AgentError(failure.message, failure.code, undefined, failure.budget === undefined ? undefined : { budget: failure.budget });
}
