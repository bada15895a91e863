import { Mutex } from "async-mutex";

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
  /** Each key's mutex (async-mutex queues its waiters in order), and how many hold or await it: the entry goes with the last. */
  const locks = new Map<string, { readonly mutex: Mutex; users: number }>();
  return {
    async withLock<T>(key: string, task: () => Promise<T>): Promise<T> {
      let entry = locks.get(key);
      if (entry === undefined) {
        entry = { mutex: new Mutex(), users: 0 };
        locks.set(key, entry);
      }
      entry.users += 1;
      try {
        return await entry.mutex.runExclusive(task);
      } finally {
        entry.users -= 1;
        if (entry.users === 0) locks.delete(key);
      }
    },
    isLocked: (key) => locks.has(key),
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
