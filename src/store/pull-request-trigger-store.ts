import type { SqliteDatabase } from "./database.js";

/** What started, or was refused, on a pull request: one row per review or per head commit's checks. */
export type PullRequestTriggerKind = "review" | "ci";

/** What the app decided about a head commit's failing checks. */
export type CiOutcome = "pending" | "started" | "exhausted" | "no_progress" | "refused";

export interface CiAttempt {
  readonly headSha: string;
  readonly outcome: CiOutcome;
  readonly signature: string | null;
  readonly runId: number | null;
}

export interface PullRequestTriggerStore {
  /**
   * Takes the trigger for this process: true the first time for (pull request, kind, key), false
   * for every later call, here or in a concurrent admission. The row is the dedupe, not memory.
   */
  claimTrigger(repoId: number, prNumber: number, kind: PullRequestTriggerKind, key: string): boolean;
  /** Gives a claimed trigger back, when its admission failed before deciding anything. */
  releaseTrigger(repoId: number, prNumber: number, kind: PullRequestTriggerKind, key: string): void;
  /** Records what the claimed head commit's failing checks led to. */
  recordCiOutcome(repoId: number, prNumber: number, headSha: string, outcome: { outcome: CiOutcome; signature?: string; runId?: number }): void;
  /** The pull request's head commits that CI decisions were made on, oldest first. */
  listCiAttempts(repoId: number, prNumber: number): CiAttempt[];
  /** Notes that a CI failure waits for the pull request's active run to end. */
  noteCiWait(repoId: number, prNumber: number): void;
  /** True (and forgets it) when a CI failure was waiting for a run on the pull request to end. */
  takeCiWait(repoId: number, prNumber: number): boolean;
}

export function createPullRequestTriggerStore(db: SqliteDatabase, now: () => Date = () => new Date()): PullRequestTriggerStore {
  const claim = db.prepare(
    "INSERT OR IGNORE INTO pull_request_triggers (repo_id, pr_number, kind, key, outcome, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const release = db.prepare("DELETE FROM pull_request_triggers WHERE repo_id = ? AND pr_number = ? AND kind = ? AND key = ?");
  const record = db.prepare(`
    UPDATE pull_request_triggers SET outcome = @outcome, signature = COALESCE(@signature, signature), run_id = COALESCE(@runId, run_id)
    WHERE repo_id = @repoId AND pr_number = @prNumber AND kind = 'ci' AND key = @headSha`);
  const listCi = db.prepare<[number, number], { key: string; outcome: CiOutcome; signature: string | null; run_id: number | null }>(
    "SELECT key, outcome, signature, run_id FROM pull_request_triggers WHERE repo_id = ? AND pr_number = ? AND kind = 'ci' ORDER BY created_at, rowid",
  );
  const insertWait = db.prepare("INSERT OR IGNORE INTO ci_waits (repo_id, pr_number, created_at) VALUES (?, ?, ?)");
  const deleteWait = db.prepare("DELETE FROM ci_waits WHERE repo_id = ? AND pr_number = ?");
  return {
    claimTrigger(repoId, prNumber, kind, key) {
      return claim.run(repoId, prNumber, kind, key, kind === "ci" ? "pending" : null, now().toISOString()).changes === 1;
    },
    releaseTrigger(repoId, prNumber, kind, key) {
      release.run(repoId, prNumber, kind, key);
    },
    recordCiOutcome(repoId, prNumber, headSha, outcome) {
      record.run({ repoId, prNumber, headSha, outcome: outcome.outcome, signature: outcome.signature ?? null, runId: outcome.runId ?? null });
    },
    listCiAttempts(repoId, prNumber) {
      return listCi.all(repoId, prNumber).map((row) => ({ headSha: row.key, outcome: row.outcome, signature: row.signature, runId: row.run_id }));
    },
    noteCiWait(repoId, prNumber) {
      insertWait.run(repoId, prNumber, now().toISOString());
    },
    takeCiWait(repoId, prNumber) {
      return deleteWait.run(repoId, prNumber).changes === 1;
    },
  };
}
