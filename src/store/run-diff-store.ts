import type { SqliteDatabase } from "./database.js";

/** The most of a run's patch the database keeps (UTF-8 bytes): enough for any change a person reviews. */
export const MAX_RUN_DIFF_BYTES = 5 * 1024 * 1024;

/** What is known of a run's diff without reading the patch. */
export interface RunDiffSummary {
  readonly runId: number;
  readonly baseSha: string;
  readonly headSha: string;
  /** Files in the stored patch. */
  readonly files: number;
  /** The patch was longer than what is kept: the stored one holds its first files. */
  readonly truncated: boolean;
  readonly recordedAt: string;
}

/** What a run pushed, as a patch against where its branch left the base branch. */
export interface RunDiff extends RunDiffSummary {
  /** `git diff` output, redacted; at most MAX_RUN_DIFF_BYTES. */
  readonly patch: string;
}

export interface NewRunDiff {
  readonly baseSha: string;
  readonly headSha: string;
  readonly patch: string;
  readonly truncated: boolean;
}

interface SummaryRow {
  run_id: number;
  base_sha: string;
  head_sha: string;
  files: number;
  truncated: number;
  recorded_at: string;
}

export interface RunDiffStoreOptions {
  /** Applied to the patch before it is written, so no secret the agent wrote into a file reaches the database. */
  readonly redact?: (text: string) => string;
  readonly now?: () => Date;
}

export type RunDiffStore = ReturnType<typeof createRunDiffStore>;

const FILE_HEADER = /^diff --git /gm;

/** The only SQL about run diffs. */
export function createRunDiffStore(db: SqliteDatabase, options: RunDiffStoreOptions = {}) {
  const now = options.now ?? (() => new Date());
  const upsert = db.prepare(`
    INSERT INTO run_diffs (run_id, base_sha, head_sha, patch, files, truncated, recorded_at) VALUES (@runId, @baseSha, @headSha, @patch, @files, @truncated, @at)
    ON CONFLICT (run_id) DO UPDATE SET base_sha = excluded.base_sha, head_sha = excluded.head_sha, patch = excluded.patch,
      files = excluded.files, truncated = excluded.truncated, recorded_at = excluded.recorded_at`);
  const summaryByRun = db.prepare<[number], SummaryRow>(`SELECT run_id, base_sha, head_sha, files, truncated, recorded_at FROM run_diffs WHERE run_id = ?`);
  const patchByRun = db.prepare<[number], { patch: string }>(`SELECT patch FROM run_diffs WHERE run_id = ?`);

  /** Records the run's diff, replacing the one of an earlier push; a patch over the limit is cut at a line's end. */
  function saveRunDiff(runId: number, diff: NewRunDiff): RunDiff {
    const capped = capPatch(diff.patch);
    const patch = options.redact ? options.redact(capped.patch) : capped.patch;
    const files = patch.match(FILE_HEADER)?.length ?? 0;
    upsert.run({ runId, baseSha: diff.baseSha, headSha: diff.headSha, patch, files, truncated: diff.truncated || capped.cut ? 1 : 0, at: now().toISOString() });
    return getRunDiff(runId)!;
  }

  /** The diff without its patch: cheap enough to ask on every look at a run. */
  function findRunDiffSummary(runId: number): RunDiffSummary | undefined {
    const row = summaryByRun.get(runId);
    return row === undefined
      ? undefined
      : { runId: row.run_id, baseSha: row.base_sha, headSha: row.head_sha, files: row.files, truncated: row.truncated === 1, recordedAt: row.recorded_at };
  }

  function getRunDiff(runId: number): RunDiff | undefined {
    const summary = findRunDiffSummary(runId);
    const row = summary && patchByRun.get(runId);
    return summary && row ? { ...summary, patch: row.patch } : undefined;
  }

  return { saveRunDiff, findRunDiffSummary, getRunDiff };
}

/** The patch within MAX_RUN_DIFF_BYTES (the reader caps it already; this keeps the table's promise whoever writes). */
function capPatch(patch: string): { patch: string; cut: boolean } {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most patches need no counting.
  if (patch.length <= MAX_RUN_DIFF_BYTES / 3 || Buffer.byteLength(patch) <= MAX_RUN_DIFF_BYTES) return { patch, cut: false };
  const bytes = Buffer.from(patch).subarray(0, MAX_RUN_DIFF_BYTES);
  const line = bytes.lastIndexOf(0x0a);
  return { patch: bytes.subarray(0, line + 1).toString("utf8"), cut: true };
}
