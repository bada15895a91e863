import Bottleneck from "bottleneck";
import type { GitHubClient } from "./client.js";

/**
 * GitHub's secondary rate limits punish bursts of content-creating requests per
 * installation; its advice is to send them one at a time, about a second apart. This puts
 * every non-GET request of an installation through one Bottleneck limiter (one request in
 * flight, `minTimeMs` between starts), shared by all the Octokit instances of that
 * installation: Probot hands out a new one per webhook and per `app.auth()` call.
 *
 * The wrap is the outermost request hook, so it sits on top of Octokit's throttling plugin,
 * which still handles `retry-after` on 403/429 inside the slot it was given.
 */

/** GitHub's advice for content creation: at least a second between requests. */
export const DEFAULT_WRITE_MIN_TIME_MS = 1_000;

/** A limiter with nothing queued or running for this long is dropped. */
export const DEFAULT_WRITE_LIMITER_IDLE_MS = 10 * 60_000;

export interface WriteLimiterOptions {
  /** Time between the starts of two writes of one installation. */
  readonly minTimeMs: number;
  /** Writes of one installation in flight at once; default 1. */
  readonly maxConcurrent?: number;
  /** Drop an installation's limiter after it has been idle this long; default 10 minutes. */
  readonly idleMs?: number;
  /**
   * false: `wrap` only claims the client (a later wrap by any limiter set is then a no-op)
   * and requests go straight through. For measuring the app without write limits.
   */
  readonly enabled?: boolean;
  /** Clock for idle bookkeeping (tests). */
  readonly now?: () => number;
}

/** What a client needs to be wrapped: its request hooks. */
export type HookedClient = Pick<GitHubClient, "hook">;

export interface WriteLimiters {
  /**
   * Routes the client's non-GET requests through the installation's limiter. Wrapping a
   * client that is already wrapped (by this set or another) does nothing.
   */
  wrap(octokit: HookedClient, installationId: number): void;
  /**
   * The same as an Octokit plugin, for every installation client Probot constructs
   * (`ProbotOctokit.plugin(limiters.plugin)`, passed as Probot's `Octokit`); it reads the
   * installation from `options.auth.installationId` and leaves app-level clients alone.
   */
  readonly plugin: (octokit: HookedClient, options: { auth?: unknown }) => void;
  /** Installations that have a limiter now. */
  size(): number;
  /** Waits for queued writes to finish; later writes go straight through. */
  stop(): Promise<void>;
}

/** Clients already wrapped, by any limiter set: a second wrap must not queue twice. */
const claimed = new WeakSet<object>();

interface Entry {
  readonly limiter: Bottleneck;
  pending: number;
  lastUsed: number;
}

/** GET and HEAD read; everything else (POST, PATCH, PUT, DELETE, GraphQL) may create content. */
export function isWriteRequest(method: string | undefined, url: string | undefined): boolean {
  const verb = (method ?? "GET").toUpperCase();
  if (verb === "GET" || verb === "HEAD" || verb === "OPTIONS") return false;
  // Token requests are made inside another request's auth hook: queueing them would deadlock.
  return !isTokenRequest(url ?? "");
}

function isTokenRequest(url: string): boolean {
  const path = url.split("?")[0] ?? "";
  return /\/app\/installations\/[^/]+\/access_tokens$/.test(path) || /\/applications\/[^/]+\/token(\/scoped)?$/.test(path) || path.endsWith("/login/oauth/access_token");
}

export function createWriteLimiters(options: WriteLimiterOptions): WriteLimiters {
  const enabled = options.enabled ?? true;
  const idleMs = options.idleMs ?? DEFAULT_WRITE_LIMITER_IDLE_MS;
  const now = options.now ?? Date.now;
  const entries = new Map<number, Entry>();
  let lastSweep = now();
  let stopped = false;

  function sweep(at: number): void {
    // At most a few times per idle period: the map holds one entry per active installation.
    if (at - lastSweep < idleMs / 4) return;
    lastSweep = at;
    for (const [id, entry] of entries) {
      if (entry.pending === 0 && at - entry.lastUsed >= idleMs) entries.delete(id);
    }
  }

  function entryFor(installationId: number): Entry {
    const at = now();
    sweep(at);
    let entry = entries.get(installationId);
    if (!entry) {
      entry = {
        limiter: new Bottleneck({ maxConcurrent: options.maxConcurrent ?? 1, minTime: options.minTimeMs }),
        pending: 0,
        lastUsed: at,
      };
      entries.set(installationId, entry);
    }
    entry.lastUsed = at;
    return entry;
  }

  async function schedule<T>(installationId: number, send: () => Promise<T>): Promise<T> {
    const entry = entryFor(installationId);
    entry.pending++;
    try {
      return await entry.limiter.schedule(send);
    } finally {
      entry.pending--;
      entry.lastUsed = now();
    }
  }

  function wrap(octokit: HookedClient, installationId: number): void {
    if (claimed.has(octokit)) return;
    claimed.add(octokit);
    if (!enabled) return;
    octokit.hook.wrap("request", (request, requestOptions) => {
      if (stopped || !isWriteRequest(requestOptions.method, requestOptions.url)) return request(requestOptions);
      return schedule(installationId, async () => request(requestOptions));
    });
  }

  return {
    wrap,
    plugin(octokit, octokitOptions) {
      const auth = octokitOptions.auth;
      const installationId =
        typeof auth === "object" && auth !== null && "installationId" in auth ? Number((auth as { installationId: unknown }).installationId) : NaN;
      if (Number.isInteger(installationId) && installationId > 0) wrap(octokit, installationId);
    },
    size: () => entries.size,
    async stop() {
      stopped = true;
      const limiters = [...entries.values()].map((entry) => entry.limiter);
      entries.clear();
      await Promise.all(limiters.map((limiter) => limiter.stop({ dropWaitingJobs: false })));
    },
  };
}
