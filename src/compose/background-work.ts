/** Work the app started without waiting for it (admissions, label creation, brief moves). */
export interface BackgroundWork {
  /** Keeps `work` counted until it settles; it must handle its own failure. */
  track(work: Promise<unknown>): void;
  /** Resolves when everything tracked so far has settled (later work is not waited for). */
  settle(): Promise<void>;
  /** How many tracked pieces of work have not settled yet. */
  readonly pending: number;
}

/** Counts background work, so `idle()` and a drain can wait for it instead of racing it. */
export function createBackgroundWork(): BackgroundWork {
  const pending = new Set<Promise<unknown>>();
  return {
    track(work) {
      const tracked = work.finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
    async settle() {
      await Promise.allSettled([...pending]);
    },
    get pending() {
      return pending.size;
    },
  };
}
