import type { RunnerOutcome } from "../../runner/protocol-schemas.js";
import type { SequencedEvent } from "../../runner/protocol.js";
import type { Job, JobIo } from "../executor.js";

/** What the executor hands the job board for one attempt. */
export interface LiveJobSpec {
  readonly job: Job;
  readonly io: JobIo;
  readonly startSha: string;
  readonly workBranch: string;
  /** The source bundle the runner clones from. */
  readonly sourceBundle: string;
  /** Where the runner's work bundle is written; the executor removes it at the end. */
  readonly scratchDir: string;
  readonly now?: () => number;
}

/** A batch whose first new event is not the next one: an earlier batch is missing. */
export class EventGap extends Error {
  override readonly name = "EventGap";
  constructor(readonly expected: number, got: number) {
    super(`Expected event ${expected} next, got ${got}; send the missing events first.`);
  }
}

/**
 * One attempt of a job while a runner works on it: what the protocol server answers from
 * and the executor waits on. Events are applied in order, each once; the first reason to
 * stop is kept and handed to the runner; the runner's outcome settles it once.
 */
export class LiveJob {
  readonly job: Job;
  readonly io: JobIo;
  readonly startSha: string;
  readonly workBranch: string;
  readonly sourceBundle: string;
  readonly scratchDir: string;
  /** When the runner was last heard from (any authenticated request). */
  lastSeenAt: number;
  /** The error a refused event was refused with (DrainStop, RunFailure…), rethrown by the executor. */
  stopError: unknown = undefined;
  /** The runner's last complete work bundle. */
  workBundle: string | null = null;
  /** Why a work bundle was refused on arrival (too large), for the run's reason. */
  bundleRefusal: string | null = null;
  outcome: RunnerOutcome | null = null;
  readonly settled: Promise<RunnerOutcome>;

  private appliedSeq = 0;
  private stopReason: string | null = null;
  private readonly stopWaiters = new Set<() => void>();
  private applying: Promise<unknown> = Promise.resolve();
  private resolveSettled!: (outcome: RunnerOutcome) => void;
  private readonly now: () => number;

  constructor(spec: LiveJobSpec) {
    this.job = spec.job;
    this.io = spec.io;
    this.startSha = spec.startSha;
    this.workBranch = spec.workBranch;
    this.sourceBundle = spec.sourceBundle;
    this.scratchDir = spec.scratchDir;
    this.now = spec.now ?? Date.now;
    this.lastSeenAt = this.now();
    this.settled = new Promise((resolve) => (this.resolveSettled = resolve));
  }

  touch(): void {
    this.lastSeenAt = this.now();
  }

  get stop(): string | null {
    return this.stopReason;
  }

  /** The highest event seq applied so far. */
  get applied(): number {
    return this.appliedSeq;
  }

  /** Asks the runner to stop; the first reason wins. */
  requestStop(reason: string, error?: unknown): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    if (error !== undefined) this.stopError = error;
    for (const wake of this.stopWaiters) wake();
    this.stopWaiters.clear();
  }

  /** Resolves with the stop reason as soon as there is one, or with null after `ms`. */
  waitForStop(ms: number): Promise<string | null> {
    if (this.stopReason !== null || ms <= 0) return Promise.resolve(this.stopReason);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.stopWaiters.delete(wake);
        resolve(this.stopReason);
      };
      const timer = setTimeout(wake, ms);
      this.stopWaiters.add(wake);
    });
  }

  /**
   * Applies a batch in seq order, one batch at a time: events already applied (a batch sent
   * again after a lost answer) are skipped. An event the control plane refuses (a stage
   * boundary during a shutdown or after a cancel) becomes the stop the runner is told.
   */
  applyEvents(events: readonly SequencedEvent[]): Promise<{ applied: number; stop: string | null }> {
    const run = async () => {
      const fresh = events.filter((e) => e.seq > this.appliedSeq);
      const first = fresh[0];
      if (first !== undefined && first.seq !== this.appliedSeq + 1) throw new EventGap(this.appliedSeq + 1, first.seq);
      for (const { seq, event } of fresh) {
        try {
          await this.io.emit(event);
        } catch (error) {
          this.requestStop(error instanceof Error ? error.message : String(error), error);
        }
        this.appliedSeq = seq;
      }
      return { applied: this.appliedSeq, stop: this.stopReason };
    };
    const result = this.applying.then(run, run);
    this.applying = result.catch(() => undefined);
    return result;
  }

  /** Records the runner's outcome; false when one was recorded already. */
  settle(outcome: RunnerOutcome): boolean {
    if (this.outcome !== null) return false;
    this.outcome = outcome;
    this.resolveSettled(outcome);
    return true;
  }
}
