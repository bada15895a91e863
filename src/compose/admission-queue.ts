import Bottleneck from "bottleneck";
import type { Context } from "probot";
import { createQuietGate } from "../intake/quiet-gate.js";

/** A burst of deliveries has ended when none arrived for this long. */
const ADMISSION_QUIET_MS = 5;
/** Admissions wait for a burst to end at most this long, so feedback stays well under a second. */
const ADMISSION_MAX_WAIT_MS = 250;

export interface AdmissionQueue {
  /** A delivery arrived, relevant or not: answering it competes with admissions all the same. */
  noteActivity(): void;
  /** Runs `work` once the current burst of deliveries has been answered, a few at a time; a failure is logged. */
  admitAfterBurst(context: Context, failure: string, work: () => Promise<unknown>): void;
}

/**
 * Admissions run after the webhook is answered; a few at a time, so a burst of deliveries
 * does not crowd the event loop that answers the next ones. And during a burst they wait
 * until it has been answered (for a quarter second at most).
 */
export function createAdmissionQueue(track: (work: Promise<unknown>) => void): AdmissionQueue {
  const limiter = new Bottleneck({ maxConcurrent: 4 });
  const gate = createQuietGate({ quietMs: ADMISSION_QUIET_MS, maxWaitMs: ADMISSION_MAX_WAIT_MS });
  return {
    noteActivity: () => gate.noteActivity(),
    admitAfterBurst: (context, failure, work) =>
      track(
        gate
          .whenQuiet()
          .then(() => limiter.schedule(work))
          .catch((error: unknown) => context.log.error({ err: error, delivery: context.id }, failure)),
      ),
  };
}
