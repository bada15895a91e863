/**
 * In-process coordination of the runs that share a mirror. Two kinds of hold:
 *
 * - the lock, exclusive and first come first served: creating, fetching into,
 *   repacking and deleting a mirror each hold it, so two runs of one repository never
 *   fetch into the same mirror at once and a mirror is never deleted mid-fetch;
 * - a lease, shared: a run holds one from before it fetches until its checkout exists
 *   (and borrows the mirror's objects), so pruning does not delete a mirror a run is
 *   about to clone from. Clones themselves run outside the lock, in parallel.
 *
 * One app process owns a data directory, so an in-process lock is enough; two processes
 * on one data directory would need a file lock instead.
 */
export interface KeyedLock {
  /** Runs `task` once every earlier holder of `key` has finished; holders of other keys run in parallel. */
  withLock<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** True while `key` is held or awaited. */
  isLocked(key: string): boolean;
}

export function createKeyedLock(): KeyedLock {
  /** The promise that settles when the last holder (so far) of each key is done. */
  const tails = new Map<string, Promise<void>>();
  return {
    async withLock<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      let release: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (release = resolve));
      const tail = previous.then(() => done);
      tails.set(key, tail);
      await previous;
      try {
        return await task();
      } finally {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
    isLocked: (key) => tails.has(key),
  };
}

export interface LeaseCounter {
  /** Holds a lease on `key` while `task` runs. */
  withLease<T>(key: string, task: () => Promise<T>): Promise<T>;
  isLeased(key: string): boolean;
}

export function createLeaseCounter(): LeaseCounter {
  const counts = new Map<string, number>();
  return {
    async withLease<T>(key: string, task: () => Promise<T>): Promise<T> {
      counts.set(key, (counts.get(key) ?? 0) + 1);
      try {
        return await task();
      } finally {
        const left = (counts.get(key) ?? 1) - 1;
        if (left === 0) counts.delete(key);
        else counts.set(key, left);
      }
    },
    isLeased: (key) => (counts.get(key) ?? 0) > 0,
  };
}

/** The process's one lock and lease counter for mirrors, keyed by the mirror's absolute path. */
export const mirrorLock: KeyedLock = createKeyedLock();
export const mirrorLeases: LeaseCounter = createLeaseCounter();
