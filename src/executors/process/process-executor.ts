import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentError } from "../../agent/provider.js";
import { RunFailure } from "../../domain/run-failure.js";
import type { Redactor } from "../../security/redactor.js";
import type { RunnerFailure, RunnerOutcome } from "../../runner/protocol-schemas.js";
import { applyWorkBundle, createSourceBundle, readCheckoutHead } from "../../workspace/bundle.js";
import type { Executor, Job, JobIo, JobResult } from "../executor.js";
import type { JobBoard } from "./job-board.js";
import type { LiveJob } from "./live-job.js";
import type { RunCredentials } from "./run-credentials.js";
import { buildRunnerEnv, killRunner, spawnCompiledRunner, waitForExit } from "./spawn-runner.js";
import { superviseRunner } from "./supervise-runner.js";

export interface ProcessExecutorDeps {
  readonly board: JobBoard;
  readonly credentials: Pick<RunCredentials, "issue" | "revoke">;
  /** The app's address as the runner reaches it (the runner protocol is under it). */
  readonly appUrl: string;
  /** Starts the runner with its environment; default: the compiled `hamster runner --url appUrl`. */
  spawnRunner?(env: Record<string, string>): ChildProcess;
  /** What the runner's environment is built from (see buildRunnerEnv); default process.env. */
  readonly runnerEnv?: NodeJS.ProcessEnv;
  /** Silence after which a runner is presumed dead. Default 60 s. */
  readonly heartbeatTimeoutMs?: number;
  /** After a cancel, timeout or shutdown, how long the runner has to send its partial work. Default 20 s. */
  readonly stopGraceMs?: number;
  /** How long a runner that has reported gets to exit by itself before it is killed. Default 5 s. */
  readonly exitGraceMs?: number;
  readonly log?: { warn(details: object, message: string): void };
  /** Learns each credential as it is issued, so that no log or stored text shows it. */
  readonly redactor?: Pick<Redactor, "addSecret">;
}

const LOG_TAIL_CHARS = 4_000;

/**
 * Runs each job in a runner process that talks to the app only over the runner protocol.
 * The runner gets a run credential in its environment, clones the source bundle, runs the
 * stages, and sends back its work as a bundle; that bundle, once it is found to build on the
 * start commit, moves the job's checkout, where the lifecycle finds the work as always.
 */
export function createProcessExecutor(deps: ProcessExecutorDeps): Executor {
  return { name: "process", run: (job, io) => runInProcess(deps, job, io) };
}

async function runInProcess(deps: ProcessExecutorDeps, job: Job, io: JobIo): Promise<JobResult> {
  const start = await readCheckoutHead(job.checkoutDir);
  const scratchDir = await mkdtemp(join(tmpdir(), `hamster-job-${job.runId}-`));
  let live: LiveJob | undefined;
  let child: ChildProcess | undefined;
  try {
    const sourceBundle = join(scratchDir, "source.bundle");
    await createSourceBundle(job.checkoutDir, sourceBundle);
    live = deps.board.register({ job, io, startSha: start.sha, workBranch: start.branch, sourceBundle, scratchDir });
    const credential = deps.credentials.issue(job.runId, job.attempt);
    deps.redactor?.addSecret(credential, { temporary: true });
    const env = buildRunnerEnv(deps.runnerEnv ?? process.env, credential);
    child = deps.spawnRunner ? deps.spawnRunner(env) : spawnCompiledRunner(deps.appUrl, env);
    const logTail = keepLogTail(child);
    let outcome: RunnerOutcome;
    try {
      outcome = await superviseRunner({
        live,
        child,
        signal: io.signal,
        heartbeatTimeoutMs: deps.heartbeatTimeoutMs ?? 60_000,
        stopGraceMs: deps.stopGraceMs ?? 20_000,
      });
    } catch (error) {
      // Its log is for the admin; the run's reason says only what happened.
      deps.log?.warn({ runId: job.runId, attempt: job.attempt, err: error, runnerLog: logTail() }, "the runner ended without a result");
      throw error;
    }
    await takeWork(live, job.checkoutDir);
    return concludeOutcome(live, outcome);
  } finally {
    if (live) deps.board.unregister(live);
    deps.credentials.revoke(job.runId);
    // A runner that reported exits by itself; one that did not, or lingers, is stopped.
    if (child && !(live?.outcome && (await waitForExit(child, deps.exitGraceMs ?? 5_000)))) await killRunner(child);
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

/** The last lines the runner logged, for when it is lost. */
function keepLogTail(child: ChildProcess): () => string {
  let tail = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    tail = (tail + chunk).slice(-LOG_TAIL_CHARS);
  });
  return () => tail;
}
