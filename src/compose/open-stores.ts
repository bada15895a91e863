import type { Logger } from "probot";
import type { AppSettings } from "../config/env.js";
import type { Redactor } from "../security/redactor.js";
import { createActionsDispatchStore } from "../store/actions-dispatch-store.js";
import { createBriefStore } from "../store/brief-store.js";
import type { SqliteDatabase } from "../store/database.js";
import { lockDataDir, type DataDirLock } from "../store/data-dir-lock.js";
import { createDeliveryStore } from "../store/delivery-store.js";
import { createInstallationDefaultsStore } from "../store/installation-defaults-store.js";
import { createPreferenceStore } from "../store/preference-store.js";
import { createPullRequestTriggerStore } from "../store/pull-request-trigger-store.js";
import { createRunCredentialStore } from "../store/run-credentials.js";
import { createRunDiffStore } from "../store/run-diff-store.js";
import { createRunEventStore } from "../store/run-event-store.js";
import { createRunStore } from "../store/run-store.js";
import { createVault } from "../store/vault.js";

/** How much longer than its shutdown grace a starting app waits for the previous process to let go of the data directory. */
const DATA_DIR_LOCK_SLACK_MS = 5_000;

/** Waits out a previous process that is still draining (a restart), then keeps others off. */
export function lockDataDirForRestart(settings: Pick<AppSettings, "dataDir" | "shutdownGraceMs">): DataDirLock {
  return lockDataDir(settings.dataDir, settings.shutdownGraceMs + DATA_DIR_LOCK_SLACK_MS);
}

export type AppStores = ReturnType<typeof openStores>;

/**
 * Every store the app keeps in its database. Whatever they write that came from outside
 * (run text, events, diffs, briefs) goes through the redactor first.
 */
export function openStores(db: SqliteDatabase, deps: { settings: Pick<AppSettings, "vaultKeys">; redactor: Redactor; log: Logger }) {
  const { redact } = deps.redactor;
  return {
    runs: createRunStore(db, undefined, { redact }),
    events: createRunEventStore(db, { redact, log: deps.log }),
    diffs: createRunDiffStore(db, { redact }),
    credentials: createRunCredentialStore(db),
    deliveries: createDeliveryStore(db),
    preferences: createPreferenceStore(db),
    installationDefaults: createInstallationDefaultsStore(db),
    triggers: createPullRequestTriggerStore(db),
    vault: createVault(db, deps.settings.vaultKeys),
    dispatches: createActionsDispatchStore(db),
    briefs: createBriefStore(db, { redact }),
  };
}
