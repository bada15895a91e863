import type { Budgets } from "../agent/provider.js";
import type { RunEvent } from "../domain/run-event.js";

/** A run's attempt that is executing in this process: what the gateway and the runner protocol serve. */
export interface ActiveAttempt {
  readonly runId: number;
  readonly attempt: number;
  readonly installationId: number;
  readonly budgets: Budgets;
  /** Records an event of the attempt in its log and applies it to the run, in the attempt's order. */
  emit(event: RunEvent): Promise<void>;
}

export interface ActiveAttempts {
  /** Makes the attempt the run's live one; the returned function ends that. */
  register(attempt: ActiveAttempt): () => void;
  /** The run's live attempt, if one executes here. */
  find(runId: number): ActiveAttempt | undefined;
}

/**
 * The attempts executing in this process. A credential is honoured only while its attempt is
 * here: a run that ended, was cancelled, or moved on to a new attempt refuses the old one.
 */
export function createActiveAttempts(): ActiveAttempts {
  const attempts = new Map<number, ActiveAttempt>();
  return {
    register(attempt) {
      attempts.set(attempt.runId, attempt);
      return () => {
        if (attempts.get(attempt.runId) === attempt) attempts.delete(attempt.runId);
      };
    },
    find: (runId) => attempts.get(runId),
  };
}
