import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/**
 * One Hamster process per data directory. A second one would take the first's active runs
 * for orphans at start and run them again, and the repository mirrors are locked within a
 * process only. The lock is SQLite's own exclusive lock on a file of its own, held by an
 * open connection: the operating system drops it when the process ends, however it ends.
 */
export const LOCK_FILE = "hamster.lock";

export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
}

export interface DataDirLock {
  /** Lets the next process in; idempotent. */
  release(): void;
}

/**
 * Takes the data directory, waiting up to `waitMs` for a process that holds it (one that is
 * draining, during a restart) to let go; throws DataDirLockedError after that.
 */
export function lockDataDir(dataDir: string, waitMs: number): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const db = new Database(path, { timeout: waitMs });
  try {
    // Held until the connection closes: the first write takes the exclusive lock and keeps it.
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)");
    db.prepare("DELETE FROM holder").run();
    db.prepare("INSERT INTO holder (pid) VALUES (?)").run(process.pid);
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === "SQLITE_BUSY") {
      throw new DataDirLockedError(
        `Another Hamster process is using the data directory ${dataDir} (it holds ${path}), and did not let go within ${Math.round(waitMs / 1000)} s. Stop it first, or give this one its own HAMSTER_DATA_DIR. When deploying, stop the old process before starting the new one.`,
      );
    }
    throw error;
  }
  return {
    release() {
      if (db.open) db.close();
    },
  };
}
