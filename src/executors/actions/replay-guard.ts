import { LRUCache } from "lru-cache";

/**
 * Each OIDC token is good for one exchange: its id (jti) is remembered until the token could
 * no longer be verified anyway, then forgotten. The memory is bounded, and when it is full of
 * tokens still alive, a new token is refused rather than an old one forgotten (forgetting
 * would let that one be replayed). Call it only for tokens already matched to a run, so that
 * strangers' tokens cannot fill it.
 */
export interface ReplayGuard {
  /** True the first time a token id is claimed; false for a repeat, an expired token, or when full. */
  claim(jti: string, expiresAtSec: number): boolean;
}

export interface ReplayGuardOptions {
  /** Token ids remembered at most (10 000 by default). */
  readonly max?: number;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
  /** How long past its expiry a token is still accepted (the verifier's clock tolerance); 60 s by default. */
  readonly graceSec?: number;
}

export function createReplayGuard(options: ReplayGuardOptions = {}): ReplayGuard {
  const now = options.now ?? Date.now;
  const max = options.max ?? 10_000;
  const graceMs = (options.graceSec ?? 60) * 1000;
  const seen = new LRUCache<string, true>({
    max,
    perf: { now },
    // Read the clock on every check: no cached timestamp, no timer behind it.
    ttlResolution: 0,
  });
  return {
    claim(jti, expiresAtSec) {
      const ttl = Math.ceil(expiresAtSec * 1000 + graceMs - now());
      if (ttl <= 0 || seen.has(jti)) return false;
      if (seen.size >= max) seen.purgeStale();
      if (seen.size >= max) return false;
      seen.set(jti, true, { ttl });
      return true;
    },
  };
}
