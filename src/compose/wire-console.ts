import type { Logger } from "probot";
import type { AppSettings } from "../config/env.js";
import { createConsoleHandler, createConsoleUnavailableHandler } from "../console/console-handler.js";
import { createConsoleRoutes } from "../console/console-routes.js";
import { createLiveRunFeed, type LiveRunFeed } from "../console/live-run-feed.js";
import type { GitHubClient } from "../github/client.js";
import type { AdmitDependencies } from "../intake/queue-run.js";
import type { Redactor } from "../security/redactor.js";
import type { RouteTable } from "../server/route-table.js";
import { createConsoleSessionStore } from "../store/console-session-store.js";
import type { SqliteDatabase } from "../store/database.js";
import type { AppStores } from "./open-stores.js";

/**
 * Mounts the web console under /hamster/, behind GitHub sign-in with the app's OAuth
 * credentials; without them the console's paths say it is unavailable. Returns the live
 * feed of the run pages, which a drain closes.
 */
export function mountConsole(deps: {
  routes: RouteTable;
  db: SqliteDatabase;
  stores: AppStores;
  knownAgents: readonly string[];
  redactor: Redactor;
  settings: AppSettings;
  log: Logger;
  getOctokit(installationId: number): Promise<GitHubClient>;
  admit: AdmitDependencies;
}): LiveRunFeed {
  const { stores, settings, log } = deps;
  const feed = createLiveRunFeed({ events: stores.events, runs: stores.runs, log });
  deps.routes.add(
    settings.oauth
      ? createConsoleHandler({
          oauth: { ...settings.oauth, apiUrl: settings.github.apiUrl },
          apiUrl: settings.github.apiUrl,
          publicUrl: settings.publicUrl,
          sessions: createConsoleSessionStore(deps.db),
          routes: createConsoleRoutes({
            runs: stores.runs,
            events: stores.events,
            preferences: stores.preferences,
            vault: stores.vault,
            installationDefaults: stores.installationDefaults,
            knownAgents: deps.knownAgents,
            redactor: deps.redactor,
            settings,
            log,
            getOctokit: deps.getOctokit,
            diffs: stores.diffs,
            feed,
            admit: deps.admit,
          }),
          log,
        })
      : createConsoleUnavailableHandler(),
  );
  return feed;
}
