import type { SqliteDatabase } from "./database.js";
import type { RunColumnEncoder, RunRow } from "./run-row.js";

/** A run_transitions row as the live feed reads it. */
export interface TransitionRow {
  id: number;
  run_id: number;
  state: string;
  at: string;
}

export type RunStatements = ReturnType<typeof prepareRunStatements>;

/** What the parts of the run store share: the database (for transactions), its statements, the clock and the encoder. */
export interface RunStoreContext {
  readonly db: SqliteDatabase;
  readonly statements: RunStatements;
  readonly encode: RunColumnEncoder;
  /** Now, as stored: an ISO 8601 timestamp. */
  stamp(): string;
}

// The states in which a run is active; the runs_one_active_per_task index counts the same ones.
const ACTIVE_STATES = `('queued', 'preparing', 'planning', 'implementing', 'verifying', 'delivering')`;
// Active past the queue: a worker has taken them.
const EXECUTING_STATES = `('preparing', 'planning', 'implementing', 'verifying', 'delivering')`;

/** The only SQL about runs. Statements are prepared once, here, when a store is created. */
export function prepareRunStatements(db: SqliteDatabase) {
  return { ...prepareRunWrites(db), ...prepareTransitionStatements(db), ...prepareRunReads(db) };
}

function prepareRunWrites(db: SqliteDatabase) {
  return {
    insertRun: db.prepare(`
    INSERT INTO runs (installation_id, repo_id, repo_owner, repo_name, issue_repo_id, issue_number, state, trigger,
                      requested_by, delivery_id, request, follow_up_of, work_branch, created_at, updated_at)
    VALUES (@installationId, @repoId, @repoOwner, @repoName, @issueRepoId, @issueNumber, 'queued', @trigger,
            @requestedBy, @deliveryId, @request, @followUpOf, @workBranch, @at, @at)`),
    touchHeartbeat: db.prepare(`UPDATE runs SET heartbeat_at = ? WHERE id = ?`),
    markResumed: db.prepare(`UPDATE runs SET resume_count = resume_count + 1, heartbeat_at = ? WHERE id = ?`),
    patchRun: db.prepare(`
    UPDATE runs SET
      work_branch = COALESCE(@workBranch, work_branch),
      pr_number = COALESCE(@prNumber, pr_number),
      pr_node_id = COALESCE(@prNodeId, pr_node_id),
      check_run_id = COALESCE(@checkRunId, check_run_id),
      status_comment_id = COALESCE(@statusCommentId, status_comment_id),
      head_sha = COALESCE(@headSha, head_sha),
      summary = COALESCE(@summary, summary),
      input_tokens = COALESCE(@inputTokens, input_tokens),
      output_tokens = COALESCE(@outputTokens, output_tokens),
      cache_read_tokens = COALESCE(@cacheReadTokens, cache_read_tokens),
      cache_write_tokens = COALESCE(@cacheWriteTokens, cache_write_tokens),
      cost_usd = COALESCE(@costUsd, cost_usd),
      usage_reported = COALESCE(@usageReported, usage_reported),
      turns = COALESCE(@turns, turns),
      plan = COALESCE(@plan, plan),
      verification = COALESCE(@verification, verification),
      report = COALESCE(@report, report),
      brief_source = COALESCE(@briefSource, brief_source),
      notes = COALESCE(@notes, notes),
      conclusion = COALESCE(@conclusion, conclusion),
      progress = COALESCE(@progress, progress),
      cancelled_by = COALESCE(@cancelledBy, cancelled_by),
      updated_at = @at
    WHERE id = @id`),
  };
}

function prepareTransitionStatements(db: SqliteDatabase) {
  return {
    insertTransition: db.prepare(`INSERT INTO run_transitions (run_id, state, at, detail) VALUES (?, ?, ?, ?)`),
    updateState: db.prepare(`
    UPDATE runs SET state = @state, updated_at = @at,
      reason = COALESCE(@reason, reason),
      finished_at = CASE WHEN @final THEN @at ELSE finished_at END
    WHERE id = @id`),
    listTransitions: db.prepare<[number], { state: string; at: string; detail: string | null }>(
      `SELECT state, at, detail FROM run_transitions WHERE run_id = ? ORDER BY id`,
    ),
    listTransitionsAfter: db.prepare<[number, number], TransitionRow>(
      `SELECT id, run_id, state, at FROM run_transitions WHERE id > ? ORDER BY id LIMIT ?`,
    ),
    findLastTransition: db.prepare<[], { id: number | null }>(`SELECT MAX(id) AS id FROM run_transitions`),
  };
}

function prepareRunReads(db: SqliteDatabase) {
  return {
    getRun: db.prepare<[number], RunRow>(`SELECT * FROM runs WHERE id = ?`),
    // A task is its issue: with the code in another repository (`repo=`), the repository counts.
    findActive: db.prepare<[number, number], RunRow>(`
    SELECT * FROM runs WHERE COALESCE(issue_repo_id, repo_id) = ? AND issue_number = ?
      AND state IN ${ACTIVE_STATES}`),
    listByState: db.prepare<[string], RunRow>(`SELECT * FROM runs WHERE state = ? ORDER BY id`),
    listExecuting: db.prepare<[], RunRow>(`SELECT * FROM runs WHERE state IN ${EXECUTING_STATES} ORDER BY id`),
    listActiveForInstallation: db.prepare<[number], RunRow>(
      `SELECT * FROM runs WHERE installation_id = ? AND state IN ${ACTIVE_STATES} ORDER BY id`,
    ),
    findByWorkBranch: db.prepare<[number, string], RunRow>(
      `SELECT * FROM runs WHERE repo_id = ? AND work_branch = ? AND pr_number IS NOT NULL ORDER BY id DESC LIMIT 1`,
    ),
    findByPull: db.prepare<[number, number], RunRow>(`SELECT * FROM runs WHERE repo_id = ? AND pr_number = ? ORDER BY id DESC LIMIT 1`),
    listForTask: db.prepare<[number, number], RunRow>(
      `SELECT * FROM runs WHERE COALESCE(issue_repo_id, repo_id) = ? AND issue_number = ? ORDER BY id`,
    ),
    // repo_id IN a JSON array: one statement for any number of repositories, on the runs_by_repo index.
    listForRepos: db.prepare<Record<string, string | number | null>, RunRow>(`
    SELECT * FROM runs
    WHERE repo_id IN (SELECT value FROM json_each(@repoIds))
      AND (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))
      AND (@beforeId IS NULL OR id < @beforeId)
      AND (@issueNumber IS NULL OR issue_number = @issueNumber)
      AND (@pattern IS NULL
           OR json_extract(request, '$.issue.title') LIKE @pattern ESCAPE '\\'
           OR (repo_owner || '/' || repo_name) LIKE @pattern ESCAPE '\\'
           OR requested_by LIKE @pattern ESCAPE '\\')
    ORDER BY id DESC
    LIMIT @limit`),
  };
}
