import { ExecutorLost } from "../executor.js";
import type { ChildProcess } from "node:child_process";
import { RunFailure } from "../../domain/run-failure.js";
import type { RunnerOutcome } from "../../runner/protocol-schemas.js";
import type { LiveJob } from "./live-job.js";
import { killRunner } from "./spawn-runner.js";

/**
 * The runner went away without a result: its process exited, stopped heartbeating, or did
 * not stop when told to. The lifecycle may resume the run as a new attempt. A RunFailure,
 * so that its message is the run's reason when it is not resumed.
 */
export class RunnerLost extends ExecutorLost {}

export interface SuperviseOptions {
  readonly live: LiveJob;
  readonly child: ChildProcess;
  /** The job's signal: a cancel, the time budget, a shutdown. */
  readonly signal: AbortSignal;
  /** Silence after which the runner is presumed dead. */
  readonly heartbeatTimeoutMs: number;
  /** After a stop, how long the runner has to send its partial work and result. */
  readonly stopGraceMs: number;
}

/**
 * Waits for the runner's outcome. Rejects with RunnerLost when its process exits without
 * one, or is silent for `heartbeatTimeoutMs` (it is killed then). When the signal fires the
 * runner is told to stop, and gets `stopGraceMs` to deliver before it is killed.
 */
export function superviseRunner(options: SuperviseOptions): Promise<RunnerOutcome> {
  const { live, child, signal } = options;
  return new Promise<RunnerOutcome>((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    let over = false;
    const done = () => {
      over = true;
      for (const timer of timers) clearTimeout(timer);
      clearInterval(watch);
      signal.removeEventListener("abort", onAbort);
      child.off("exit", onExit);
      child.off("error", onError);
    };
    const lost = (why: string, kill: boolean) => {
      if (over) return;
      done();
      const error = new RunnerLost(`The runner of this run ${why}.`);
      if (kill) void killRunner(child).then(() => reject(error));
      else reject(error);
    };
    const onExit = (code: number | null, exitSignal: NodeJS.Signals | null) => {
      // The result comes before the runner exits; one already recorded is what counts.
      if (live.outcome !== null) return finish(live.outcome);
      lost(`exited without a result (${exitSignal ? `killed by ${exitSignal}` : `exit code ${code}`})`, false);
    };
    const onError = (error: Error) => lost(`could not be started (${error.message})`, true);
    const finish = (outcome: RunnerOutcome) => {
      if (over) return;
      done();
      resolve(outcome);
    };
    const onAbort = () => {
      live.requestStop(describeStop(signal.reason));
      const grace = setTimeout(() => lost(`did not stop within ${Math.round(options.stopGraceMs / 1000)} s of being told to`, true), options.stopGraceMs);
      timers.push(grace);
    };
    // Checked often enough that a dead runner is found within a quarter of the timeout more.
    const watch = setInterval(() => {
      if (Date.now() - live.lastSeenAt > options.heartbeatTimeoutMs) lost(`stopped answering for ${Math.round(options.heartbeatTimeoutMs / 1000)} s and was presumed dead`, true);
    }, Math.max(50, Math.min(5_000, options.heartbeatTimeoutMs / 4)));

    child.on("exit", onExit);
    child.on("error", onError);
    void live.settled.then((outcome) => {
      if (live.outcome === outcome) finish(outcome);
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * What the runner is told when the job's signal fires (it says so in its partial work's
 * commit); the lifecycle words the run's own reason. A cancel names who asked, as a local run's
 * partial work does.
 */
export function describeStop(reason: unknown): string {
  const { kind, by, why } = typeof reason === "object" && reason !== null ? (reason as { kind?: unknown; by?: unknown; why?: unknown }) : {};
  if (kind === "cancel") return typeof why === "string" ? why : typeof by === "string" ? `Cancelled by @${by}.` : "The run was cancelled.";
  if (kind === "timeout") return "The run's time budget ran out.";
  if (kind === "shutdown") return "The app is shutting down; the run will resume later.";
  return "The run was stopped.";
}
