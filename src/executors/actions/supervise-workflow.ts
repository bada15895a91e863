import { RunFailure } from "../../domain/run-failure.js";
import type { RunnerOutcome } from "../../runner/protocol-schemas.js";
import { describeStop } from "../process/supervise-runner.js";
import type { ActionsAttempt, WorkflowEnd } from "./actions-attempt.js";

export interface WorkflowSupervision {
  readonly attempt: ActionsAttempt;
  /** The job's signal: a cancel, the time budget, a shutdown. */
  readonly signal: AbortSignal;
  /** How long the job may wait for a runner to claim it. */
  readonly queueTimeoutMs: number;
  /** Silence, once claimed, after which the runner is presumed dead. */
  readonly heartbeatTimeoutMs: number;
  /** After a stop, how long the runner has to send its partial work and result. */
  readonly stopGraceMs: number;
  /** Asks GitHub how the workflow run stands: its end, or null while it runs. For a lost webhook. */
  pollWorkflow(): Promise<WorkflowEnd | null>;
  /** How often the workflow run is polled while no runner has claimed the job. Default 60 s. */
  readonly pollMs?: number;
  readonly now?: () => number;
}

/**
 * Waits for the outcome of a job dispatched to GitHub Actions. Rejects with a RunFailure
 * that says what happened, with the link to the workflow run, when the job never got a runner
 * (queued past the timeout), the workflow run ended without a result (it died, or was cancelled
 * in the Actions UI), or the runner went silent. When the signal fires the runner is told to
 * stop, and gets `stopGraceMs` to deliver.
 */
export function superviseWorkflow(options: WorkflowSupervision): Promise<RunnerOutcome> {
  const { attempt, signal } = options;
  const { live } = attempt;
  const now = options.now ?? Date.now;
  const startedAt = now();
  return new Promise<RunnerOutcome>((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    let over = false;
    let polling = false;
    const done = () => {
      over = true;
      for (const timer of timers) clearTimeout(timer);
      clearInterval(watch);
      signal.removeEventListener("abort", onAbort);
      stopListening();
    };
    const fail = (why: string) => {
      if (over) return;
      done();
      reject(new RunFailure(`${why}${attempt.htmlUrl ? ` Workflow run: ${attempt.htmlUrl}` : ""}`));
    };
    const finish = (outcome: RunnerOutcome) => {
      if (over) return;
      done();
      resolve(outcome);
    };
    const onEnd = (end: WorkflowEnd) => {
      // A runner's result is taken before its answer lets the runner exit and its job end: one that is not here now never comes.
      if (live.outcome !== null) finish(live.outcome);
      else fail(describeEnd(end, attempt.claimedAt !== null));
    };
    const onAbort = () => {
      live.requestStop(describeStop(signal.reason));
      // No runner has the job yet: nothing to wait for (the executor cancels the workflow run).
      if (attempt.claimedAt === null) return fail("The run was stopped before a GitHub Actions runner took the job.");
      const grace = setTimeout(() => fail(`The runner on GitHub Actions did not stop within ${Math.round(options.stopGraceMs / 1000)} s of being told to.`), options.stopGraceMs);
      timers.push(grace);
    };
    const poll = () => {
      if (polling || over) return;
      polling = true;
      void options
        .pollWorkflow()
        .then((end) => end && attempt.finish(end))
        .catch(() => undefined)
        .finally(() => (polling = false));
    };
    let lastPoll = startedAt;
    const check = () => {
      const at = now();
      if (attempt.claimedAt === null) {
        if (at - startedAt > options.queueTimeoutMs) {
          return fail(
            `No GitHub Actions runner took the job within ${Math.round(options.queueTimeoutMs / 60_000)} minutes. Check that a runner has the labels the workflow's \`runs-on\` asks for, or raise \`actions.queue_timeout_minutes\` in .github/hamster.yml.`,
          );
        }
        if (at - lastPoll >= (options.pollMs ?? 60_000)) {
          lastPoll = at;
          poll();
        }
      } else if (at - live.lastSeenAt > options.heartbeatTimeoutMs) {
        fail(`The runner on GitHub Actions stopped answering for ${Math.round(options.heartbeatTimeoutMs / 1000)} s and was presumed dead.`);
      }
    };
    const watch = setInterval(check, Math.max(50, Math.min(5_000, options.heartbeatTimeoutMs / 4)));
    const stopListening = attempt.onEnd(onEnd);
    void live.settled.then((outcome) => {
      if (live.outcome === outcome) finish(outcome);
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Why a workflow run that ended without a result ended, in the user's words. */
export function describeEnd(end: WorkflowEnd, claimed: boolean): string {
  if (end.conclusion === "cancelled") return "The workflow run was cancelled in GitHub Actions before its runner reported a result.";
  const how = end.conclusion ? ` (${end.conclusion})` : "";
  return claimed
    ? `The GitHub Actions job ended${how} without a result from its runner: it died, or a step after the runner's failed.`
    : `The GitHub Actions job ended${how} before its runner started: its log says why (often a setup step failed).`;
}
