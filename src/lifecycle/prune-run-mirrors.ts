import { join } from "node:path";
import type { Logger } from "probot";
import type { AppSettings } from "../config/env.js";
import { pruneMirrors } from "../workspace/workspace.js";

/** Where the repository mirrors runs check out from live. */
export function resolveMirrorsDir(settings: Pick<AppSettings, "dataDir">): string {
  return join(settings.dataDir, "mirrors");
}

/**
 * Removes mirrors past the configured age and size, keeping any a run's checkout still
 * borrows from. Never throws: a mirror left behind costs disk, not a run.
 */
export async function pruneRunMirrors(settings: Pick<AppSettings, "dataDir" | "mirrors">, log: Pick<Logger, "info" | "warn">): Promise<void> {
  try {
    const pruned = await pruneMirrors({
      mirrorsDir: resolveMirrorsDir(settings),
      checkoutsDir: join(settings.dataDir, "workspaces"),
      maxAgeMs: settings.mirrors.maxAgeMs,
      maxTotalBytes: settings.mirrors.maxTotalBytes,
    });
    for (const mirror of pruned.removed) {
      log.info({ mirror: mirror.dir, bytes: mirror.bytes, reason: mirror.reason }, "removed a repository mirror");
    }
  } catch (error) {
    log.warn({ err: error }, "could not prune the repository mirrors");
  }
}
