import type { LiveJob } from "../process/live-job.js";

/** How GitHub says a workflow run ended (its `conclusion`), with its page. */
export interface WorkflowEnd {
  readonly conclusion: string | null;
  readonly htmlUrl: string;
}

/** What a runner's OIDC token must say to claim the attempt. */
export interface ExpectedWorkflow {
  /** owner/name */
  readonly repository: string;
  /** `.github/workflows/hamster.yml` */
  readonly workflowPath: string;
  /** `refs/heads/main` */
  readonly ref: string;
}

/**
 * One attempt of a run waiting for, or worked on by, a GitHub Actions job: the run credential
 * it hands out once, to the first runner that proves (with an OIDC token) to be the job of
 * the dispatched workflow run; and what GitHub says of that workflow run.
 */
export class ActionsAttempt {
  workflowRunId: number | null = null;
  htmlUrl: string | null = null;
  /** When a runner traded its token for the credential; null while the job is queued. */
  claimedAt: number | null = null;
  /** Set when GitHub reports the workflow run completed (a webhook, or a poll). */
  end: WorkflowEnd | null = null;
  private readonly endWaiters = new Set<(end: WorkflowEnd) => void>();

  constructor(
    readonly live: LiveJob,
    readonly credential: string,
    readonly expected: ExpectedWorkflow,
  ) {}

  get runId(): number {
    return this.live.job.runId;
  }

  get attempt(): number {
    return this.live.job.attempt;
  }

  bindWorkflowRun(workflowRunId: number, htmlUrl: string): void {
    this.workflowRunId = workflowRunId;
    this.htmlUrl = htmlUrl;
  }

  /** Hands out the credential once; null when a runner claimed the attempt already. */
  claim(now: number): string | null {
    if (this.claimedAt !== null) return null;
    this.claimedAt = now;
    this.live.touch();
    return this.credential;
  }

  /** Records how the workflow run ended; the first report counts. */
  finish(end: WorkflowEnd): void {
    if (this.end !== null) return;
    this.end = end;
    for (const wake of this.endWaiters) wake(end);
    this.endWaiters.clear();
  }

  /** Calls `listener` when the workflow run ends (at once if it has); returns how to stop listening. */
  onEnd(listener: (end: WorkflowEnd) => void): () => void {
    if (this.end !== null) {
      listener(this.end);
      return () => undefined;
    }
    this.endWaiters.add(listener);
    return () => this.endWaiters.delete(listener);
  }
}

/** The attempts on Actions this process is supervising, by run and attempt and by workflow run. */
export interface ActionsAttempts {
  add(attempt: ActionsAttempt): void;
  remove(attempt: ActionsAttempt): void;
  find(runId: number, attempt: number): ActionsAttempt | undefined;
  findByWorkflowRun(workflowRunId: number): ActionsAttempt | undefined;
  readonly size: number;
}

export function createActionsAttempts(): ActionsAttempts {
  const attempts = new Map<string, ActionsAttempt>();
  const keyOf = (runId: number, attempt: number) => `${runId}:${attempt}`;
  return {
    add: (attempt) => void attempts.set(keyOf(attempt.runId, attempt.attempt), attempt),
    remove(attempt) {
      const key = keyOf(attempt.runId, attempt.attempt);
      if (attempts.get(key) === attempt) attempts.delete(key);
    },
    find: (runId, attempt) => attempts.get(keyOf(runId, attempt)),
    findByWorkflowRun: (workflowRunId) => [...attempts.values()].find((attempt) => attempt.workflowRunId === workflowRunId),
    get size() {
      return attempts.size;
    },
  };
}
