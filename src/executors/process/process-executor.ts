import type { ChildProcess } from "node:child_process";
import type { Redactor } from "../../security/redactor.js";
import type { Executor, Job, JobIo, JobResult } from "../executor.js";
import type { JobBoard } from "./job-board.js";
import type { LiveJob } from "./live-job.js";
import type { RunCredentials } from "./run-credentials.js";
import { runRunnerAttempt, type RunnerLaunch } from "./runner-attempt.js";
import { buildRunnerEnv, killRunner, spawnCompiledRunner, waitForExit } from "./spawn-runner.js";
import { superviseRunner } from "./supervise-runner.js";

export { buildRunnerError } from "./runner-attempt.js";

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
 * stages, and sends back its work as a bundle.
 */
export function createProcessExecutor(deps: ProcessExecutorDeps): Executor {
  return { name: "process", run: (job, io) => runInProcess(deps, job, io) };
}

function runInProcess(deps: ProcessExecutorDeps, job: Job, io: JobIo): Promise<JobResult> {
  return runRunnerAttempt(deps.board, job, io, async (live) => spawnSupervised(deps, live, io.signal));
}

function spawnSupervised(deps: ProcessExecutorDeps, live: LiveJob, signal: AbortSignal): RunnerLaunch {
  const { job } = live;
  const credential = deps.credentials.issue(job.runId, job.attempt);
  deps.redactor?.addSecret(credential, { temporary: true });
  const env = buildRunnerEnv(deps.runnerEnv ?? process.env, credential);
  const child = deps.spawnRunner ? deps.spawnRunner(env) : spawnCompiledRunner(deps.appUrl, env);
  const logTail = keepLogTail(child);
  const outcome = superviseRunner({
    live,
    child,
    signal,
    heartbeatTimeoutMs: deps.heartbeatTimeoutMs ?? 60_000,
    stopGraceMs: deps.stopGraceMs ?? 20_000,
  }).catch((error: unknown) => {
    // Its log is for the admin; the run's reason says only what happened.
    deps.log?.warn({ runId: job.runId, attempt: job.attempt, err: error, runnerLog: logTail() }, "the runner ended without a result");
    throw error;
  });
  return {
    outcome,
    async release() {
      deps.credentials.revoke(job.runId);
      // A runner that reported exits by itself; one that did not, or lingers, is stopped.
      if (!(live.outcome && (await waitForExit(child, deps.exitGraceMs ?? 5_000)))) await killRunner(child);
    },
  };
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
