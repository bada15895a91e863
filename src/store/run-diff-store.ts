import type { SqliteDatabase } from "./database.js";

/** The most of a run's patch the database keeps (UTF-8 bytes): enough for any change a person reviews. */
export const MAX_RUN_DIFF_BYTES = 5 * 1024 * 1024;

/** What a run pushed, as a patch against where its branch left the base branch. */
export interface RunDiff {
  readonly runId: number;
  readonly baseSha: string;
  readonly headSha: string;
  /** `git diff` output, redacted; at most MAX_RUN_DIFF_BYTES. */
  readonly patch: string;
  /** The patch was longer than what is kept: `patch` holds its first files. */
  readonly truncated: boolean;
  readonly recordedAt: string;
}

export interface NewRunDiff {
  readonly baseSha: string;
  readonly headSha: string;
  readonly patch: string;
  readonly truncated: boolean;
}

interface DiffRow {
  run_id: number;
  base_sha: string;
  head_sha: string;
  patch: string;
  truncated: number;
  recorded_at: string;
}

export interface RunDiffStoreOptions {
  /** Applied to the patch before it is written, so no secret the agent wrote into a file reaches the database. */
  readonly redact?: (text: string) => string;
  readonly now?: () => Date;
}

export type RunDiffStore = ReturnType<typeof createRunDiffStore>;

/** The only SQL about run diffs. */
export function createRunDiffStore(db: SqliteDatabase, options: RunDiffStoreOptions = {}) {
  const now = options.now ?? (() => new Date());
  const upsert = db.prepare(`
    INSERT INTO run_diffs (run_id, base_sha, head_sha, patch, truncated, recorded_at) VALUES (@runId, @baseSha, @headSha, @patch, @truncated, @at)
    ON CONFLICT (run_id) DO UPDATE SET base_sha = excluded.base_sha, head_sha = excluded.head_sha, patch = excluded.patch,
      truncated = excluded.truncated, recorded_at = excluded.recorded_at`);
  const byRun = db.prepare<[number], DiffRow>(`SELECT * FROM run_diffs WHERE run_id = ?`);

  /** Records the run's diff, replacing the one of an earlier push; a patch over the limit is cut at a line's end. */
  function saveRunDiff(runId: number, diff: NewRunDiff): RunDiff {
    const capped = capPatch(diff.patch);
    const patch = options.redact ? options.redact(capped.patch) : capped.patch;
    upsert.run({ runId, baseSha: diff.baseSha, headSha: diff.headSha, patch, truncated: diff.truncated || capped.cut ? 1 : 0, at: now().toISOString() });
    return getRunDiff(runId)!;
  }

  function getRunDiff(runId: number): RunDiff | undefined {
    const row = byRun.get(runId);
    return row === undefined
      ? undefined
      : { runId: row.run_id, baseSha: row.base_sha, headSha: row.head_sha, patch: row.patch, truncated: row.truncated === 1, recordedAt: row.recorded_at };
  }

  return { saveRunDiff, getRunDiff };
}

/** The patch within MAX_RUN_DIFF_BYTES (the reader caps it already; this keeps the table's promise whoever writes). */
function capPatch(patch: string): { patch: string; cut: boolean } {
  if (patch.length <= MAX_RUN_DIFF_BYTES / 3 || Buffer.byteLength(patch) <= MAX_RUN_DIFF_BYTES) return { patch, cut: false };
  const bytes = Buffer.from(patch).subarray(0, MAX_RUN_DIFF_BYTES);
  const line = bytes.lastIndexOf(0x0a);
  return { patch: bytes.subarray(0, line + 1).toString("utf8"), cut: true };
}
