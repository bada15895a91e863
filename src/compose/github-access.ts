import type { Context, Probot } from "probot";
import { getAppIdentity, type AppIdentity } from "../github/app-identity.js";
import type { GitHubClient } from "../github/client.js";
import { installRedaction } from "../github/redact-requests.js";
import type { WriteLimiters } from "../github/write-limiter.js";
import type { Redactor } from "../security/redactor.js";

export interface GitHubAccess {
  /** An installation's client, for work that has no webhook context (runs, recovery, briefs). */
  getOctokit(installationId: number): Promise<GitHubClient>;
  /** The client Probot made for a delivery. */
  clientOf(context: Context): GitHubClient;
  /** Who the app is (its id on check runs, its @handle). */
  getIdentity(): Promise<AppIdentity>;
}

/**
 * Every client the app uses writes through its installation's queue, so many runs at once
 * stay under GitHub's secondary rate limits, and redacts what it sends.
 */
export function createGitHubAccess(app: Probot, deps: { writeLimiters: WriteLimiters; redactor: Redactor }): GitHubAccess {
  const { writeLimiters, redactor } = deps;
  return {
    async getOctokit(installationId) {
      const octokit = (await app.auth(installationId)) as GitHubClient;
      writeLimiters.wrap(octokit, installationId);
      installRedaction(octokit, redactor);
      return octokit;
    },
    clientOf(context) {
      const octokit = context.octokit as GitHubClient;
      const installationId = (context.payload as { installation?: { id?: number } }).installation?.id;
      if (installationId) writeLimiters.wrap(octokit, installationId);
      installRedaction(octokit, redactor);
      return octokit;
    },
    getIdentity: cacheIdentity(app),
  };
}

/** Asked once; a failed answer is asked again next time. */
function cacheIdentity(app: Probot): () => Promise<AppIdentity> {
  let identity: Promise<AppIdentity> | undefined;
  return () =>
    (identity ??= (async () => getAppIdentity((await app.auth()) as GitHubClient))().catch((error: unknown) => {
      identity = undefined;
      throw error;
    }));
}
