import { LRUCache } from "lru-cache";

/**
 * A small promise cache with a time to live: a burst of webhooks for one repository shares
 * one request, and a failed request is forgotten at once so the next one asks again.
 * lru-cache's `fetch` does the work: concurrent calls for a key share the one in flight,
 * a value lives `ttlMs` from when it arrived, and a rejection deletes the entry.
 */
export interface TtlCache<V> {
  get(key: string, load: () => Promise<V>): Promise<V>;
}

export function createTtlCache<V extends {}>(ttlMs: number, maxEntries = 1_000, now: () => number = Date.now): TtlCache<V> {
  const cache = new LRUCache<string, V, () => Promise<V>>({
    max: maxEntries,
    ttl: ttlMs,
    perf: { now },
    // Read the clock on every check: no cached timestamp, no timer behind it.
    ttlResolution: 0,
    // A load evicted while in flight (the cache is full) still answers its callers.
    ignoreFetchAbort: true,
    fetchMethod: (_key, _stale, { context: load }) => load(),
  });
  return {
    async get(key, load) {
      // Undefined only when a load resolves undefined, which V excludes.
      return (await cache.fetch(key, { context: load })) as V;
    },
  };
}
