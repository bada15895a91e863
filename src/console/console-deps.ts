import type { Logger } from "probot";
import type { AppSettings } from "../config/env.js";
import type { GitHubClient } from "../github/client.js";
import type { AdmitDependencies } from "../intake/queue-run.js";
import type { Redactor } from "../security/redactor.js";
import type { InstallationDefaultsStore } from "../store/installation-defaults-store.js";
import type { PreferenceStore } from "../store/preference-store.js";
import type { RunDiffStore } from "../store/run-diff-store.js";
import type { RunEventStore } from "../store/run-event-store.js";
import type { RunStore } from "../store/run-store.js";
import type { Vault } from "../store/vault.js";
import type { LiveRunFeed } from "./live-run-feed.js";

/** What the console's pages read and do; built once in src/compose/wire-console.ts. */
export interface ConsoleDeps {
  readonly runs: RunStore;
  readonly events: RunEventStore;
  readonly preferences: PreferenceStore;
  readonly vault: Vault;
  readonly installationDefaults: InstallationDefaultsStore;
  /** The agents a run may ask for (the settings' choices). */
  readonly knownAgents: readonly string[];
  /** Learns a provider key the moment it is set, so no log or page written after shows it. */
  readonly redactor: Pick<Redactor, "addSecret">;
  readonly settings: AppSettings;
  readonly log: Logger;
  /** The app's installation client (not the user's), for what the app itself does on GitHub. */
  getOctokit(installationId: number): Promise<GitHubClient>;
  /** The diffs of the runs' pushed work. */
  readonly diffs: RunDiffStore;
  /** The one reader of new event-log rows and transitions, for the live run pages. */
  readonly feed: LiveRunFeed;
  /** What intake's controls need: the run page's Cancel and Retry go through the check run buttons' own path. */
  readonly admit: AdmitDependencies;
}
