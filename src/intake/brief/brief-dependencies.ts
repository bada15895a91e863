import type { Logger } from "probot";
import type { AppSettings } from "../../config/env.js";
import type { GitHubClient } from "../../github/client.js";
import type { BriefStore } from "../../store/brief-store.js";
import type { RunStore } from "../../store/run-store.js";

/** What the brief coordinator and its GitHub side effects work with. */
export interface BriefDependencies {
  readonly runs: RunStore;
  readonly briefs: BriefStore;
  readonly settings: Pick<AppSettings, "publicUrl" | "oauth">;
  readonly log: Logger;
  getOctokit(installationId: number): Promise<GitHubClient>;
  /** Hands a queued run to the worker. */
  enqueue(runId: number): void;
  now?(): Date;
}

/** The brief installation's client, made at the first call that needs one: most advances write nothing to GitHub. */
export type BriefClient = () => Promise<GitHubClient>;
