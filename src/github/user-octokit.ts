import { ProbotOctokit } from "probot";

/**
 * An Octokit for what the web console asks of GitHub itself: the OAuth token requests (no
 * token) and the user API (the signed-in user's own token). A browser waits on each call, so
 * nothing is retried or held back for a rate limit, every request ends within `timeoutMs`,
 * and no redirect is followed: the client secret and the user's token go to the host asked.
 */

export type UserOctokit = InstanceType<typeof ProbotOctokit>;

export const USER_REQUEST_TIMEOUT_MS = 10_000;

/** fetch, each request aborted after `timeoutMs` (a page of a list is one request). */
function createTimedFetch(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
}

export function createUserOctokit(apiUrl: string, options: { token?: string; timeoutMs?: number } = {}): UserOctokit {
  return new ProbotOctokit({
    baseUrl: apiUrl,
    ...(options.token === undefined ? {} : { auth: { token: options.token } }),
    userAgent: "hamster-deliver-console",
    retry: { enabled: false },
    throttle: { enabled: false },
    request: { fetch: createTimedFetch(options.timeoutMs ?? USER_REQUEST_TIMEOUT_MS), redirect: "error" },
  });
}
