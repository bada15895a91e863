import { LiveJob, type LiveJobSpec } from "./live-job.js";

/**
 * The jobs runners are working on in this process, by run and attempt: what the runner
 * protocol serves. A credential whose attempt is not here (ended, or never started in this
 * process) gets nothing.
 */
export interface JobBoard {
  /** Registers an attempt; throws when the same attempt is live already. */
  register(spec: LiveJobSpec): LiveJob;
  find(runId: number, attempt: number): LiveJob | undefined;
  /** Removes the attempt and wakes its runner's long-poll, so it learns at once that it is done. */
  unregister(live: LiveJob): void;
  readonly size: number;
}

export function createJobBoard(): JobBoard {
  const jobs = new Map<string, LiveJob>();
  const keyOf = (runId: number, attempt: number) => `${runId}:${attempt}`;
  return {
    register(spec) {
      const key = keyOf(spec.job.runId, spec.job.attempt);
      if (jobs.has(key)) throw new Error(`Run ${spec.job.runId} attempt ${spec.job.attempt} is already executing here.`);
      const live = new LiveJob(spec);
      jobs.set(key, live);
      return live;
    },
    find: (runId, attempt) => jobs.get(keyOf(runId, attempt)),
    unregister(live) {
      const key = keyOf(live.job.runId, live.job.attempt);
      if (jobs.get(key) === live) jobs.delete(key);
      live.requestStop("The job has ended.");
    },
    get size() {
      return jobs.size;
    },
  };
}
