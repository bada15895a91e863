/**
 * A small promise cache with a time to live: a burst of webhooks for one repository shares
 * one request, and a failed request is forgotten at once so the next one asks again.
 */
export interface TtlCache<V> {
  get(key: string, load: () => Promise<V>): Promise<V>;
}

export function createTtlCache<V>(ttlMs: number, maxEntries = 1_000, now: () => number = Date.now): TtlCache<V> {
  const entries = new Map<string, { value: Promise<V>; expires: number }>();
  return {
    get(key, load) {
      const at = now();
      const hit = entries.get(key);
      if (hit && hit.expires > at) return hit.value;
      if (entries.size >= maxEntries) {
        for (const [k, e] of entries) if (e.expires <= at) entries.delete(k);
        // Still full: drop the oldest (Maps iterate in insertion order).
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      }
      const value = load();
      entries.set(key, { value, expires: at + ttlMs });
      value.catch(() => entries.delete(key));
      return value;
    },
  };
}
