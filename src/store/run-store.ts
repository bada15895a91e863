import { SqliteError } from "better-sqlite3";
import type { TokenUsage } from "../domain/usage.js";
import { mapStrings } from "../security/map-strings.js";
import type { SqliteDatabase } from "./database.js";
import type { Run, RunConclusion, RunReport, RunRequest, RunTransition, TriggerKind, Verification } from "../domain/run.js";
import { isFinalState, parseRunState, type RunState } from "../domain/run-state.js";

export interface NewRun {
  readonly installationId: number;
  readonly trigger: TriggerKind;
  readonly requestedBy: string;
  readonly deliveryId: string | null;
  readonly request: RunRequest;
  /** The run whose pull request this follow-up continues. */
  readonly followUpOf?: number;
  readonly workBranch?: string;
}

/** What can be written on a run besides its state. */
export interface RunPatch {
  readonly workBranch?: string;
  readonly prNumber?: number;
  readonly prNodeId?: string;
  readonly checkRunId?: number;
  readonly statusCommentId?: number;
  readonly headSha?: string;
  readonly summary?: string;
  /** null: the agent does not report its usage; the run's usage and cost are then unknown. */
  readonly usage?: TokenUsage | null;
  /** Ignored when usage is null. */
  readonly costUsd?: number | null;
  readonly turns?: number;
  readonly plan?: readonly string[];
  readonly verification?: Verification;
  readonly report?: RunReport;
  readonly briefSource?: string;
  readonly notes?: readonly string[];
  readonly conclusion?: RunConclusion;
  readonly progress?: string;
  readonly cancelledBy?: string;
}

/** Which runs a list shows: always of some repositories, newest first, a page at a time. */
export interface RunListQuery {
  /** Runs of these repositories only; none: no runs. */
  readonly repoIds: readonly number[];
  readonly states?: readonly RunState[];
  /** Words found in the issue's title, the repository's owner/name or the requester's login, or `#12` / `12` for the issue. */
  readonly text?: string;
  /** Runs older than this one (the next page). */
  readonly beforeId?: number;
  readonly limit: number;
}

/** The task already has an active run; the database refused a second one. */
export class ActiveRunExistsError extends Error {
  override readonly name = "ActiveRunExistsError";
  constructor(readonly activeRun: Run) {
    super(`Run #${activeRun.id} is already active for this task (${activeRun.state}).`);
  }
}

interface RunRow {
  id: number;
  installation_id: number;
  repo_id: number;
  repo_owner: string;
  repo_name: string;
  issue_number: number;
  state: string;
  trigger: string;
  requested_by: string;
  delivery_id: string | null;
  request: string;
  work_branch: string | null;
  pr_number: number | null;
  pr_node_id: string | null;
  check_run_id: number | null;
  status_comment_id: number | null;
  head_sha: string | null;
  reason: string | null;
  summary: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number;
  usage_reported: number;
  turns: number;
  plan: string | null;
  verification: string | null;
  report: string | null;
  brief_source: string | null;
  notes: string | null;
  conclusion: string | null;
  progress: string | null;
  heartbeat_at: string | null;
  resume_count: number;
  follow_up_of: number | null;
  cancelled_by: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function toRun(row: RunRow): Run {
  return {
    id: row.id,
    installationId: row.installation_id,
    repoId: row.repo_id,
    repoOwner: row.repo_owner,
    repoName: row.repo_name,
    issueNumber: row.issue_number,
    state: parseRunState(row.state),
    trigger: row.trigger as TriggerKind,
    requestedBy: row.requested_by,
    deliveryId: row.delivery_id,
    request: JSON.parse(row.request) as RunRequest,
    workBranch: row.work_branch,
    prNumber: row.pr_number,
    prNodeId: row.pr_node_id,
    checkRunId: row.check_run_id,
    statusCommentId: row.status_comment_id,
    headSha: row.head_sha,
    reason: row.reason,
    summary: row.summary,
    usage:
      row.usage_reported === 0
        ? null
        : {
            inputTokens: row.input_tokens,
            outputTokens: row.output_tokens,
            cacheReadTokens: row.cache_read_tokens,
            cacheWriteTokens: row.cache_write_tokens,
          },
    costUsd: row.usage_reported === 0 ? null : row.cost_usd,
    turns: row.turns,
    plan: parseJson<string[]>(row.plan),
    verification: parseJson<Verification>(row.verification),
    report: parseJson<RunReport>(row.report),
    briefSource: row.brief_source,
    notes: parseJson<string[]>(row.notes) ?? [],
    conclusion: row.conclusion as RunConclusion | null,
    progress: row.progress,
    heartbeatAt: row.heartbeat_at,
    resumeCount: row.resume_count,
    followUpOf: row.follow_up_of,
    cancelledBy: row.cancelled_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

export type RunStore = ReturnType<typeof createRunStore>;

export interface RunStoreOptions {
  /**
   * Applied to every free-text field before it is written (reason, summary, notes, progress,
   * transition details, the request, brief source, and the strings inside plan, verification
   * and report), so no secret reaches the database file. Default: stored as given.
   */
  readonly redact?: (text: string) => string;
}

/** The only SQL about runs. Statements are prepared once, here. */
export function createRunStore(db: SqliteDatabase, now: () => Date = () => new Date(), options: RunStoreOptions = {}) {
  const { redact } = options;
  /** A free-text column's value, redacted; null stays null (COALESCE keeps the old value). */
  const text = (value: string | null | undefined): string | null => (value === undefined || value === null ? null : redact ? redact(value) : value);
  /** A JSON column's value, the strings inside it redacted before serialising (the JSON stays valid). */
  const json = (value: unknown): string | null => toJson(redact && value !== undefined ? mapStrings(value, redact) : value);
  const insertRunStatement = db.prepare(`
    INSERT INTO runs (installation_id, repo_id, repo_owner, repo_name, issue_repo_id, issue_number, state, trigger,
                      requested_by, delivery_id, request, follow_up_of, work_branch, created_at, updated_at)
    VALUES (@installationId, @repoId, @repoOwner, @repoName, @issueRepoId, @issueNumber, 'queued', @trigger,
            @requestedBy, @deliveryId, @request, @followUpOf, @workBranch, @at, @at)`);
  const insertTransitionStatement = db.prepare(
    `INSERT INTO run_transitions (run_id, state, at, detail) VALUES (?, ?, ?, ?)`,
  );
  const getRunStatement = db.prepare<[number], RunRow>(`SELECT * FROM runs WHERE id = ?`);
  // A task is its issue: with the code in another repository (`repo=`), the issue's repository counts.
  const findActiveStatement = db.prepare<[number, number], RunRow>(`
    SELECT * FROM runs WHERE COALESCE(issue_repo_id, repo_id) = ? AND issue_number = ?
      AND state IN ('queued', 'preparing', 'planning', 'implementing', 'verifying', 'delivering')`);
  const listTransitionsStatement = db.prepare<[number], { state: string; at: string; detail: string | null }>(
    `SELECT state, at, detail FROM run_transitions WHERE run_id = ? ORDER BY id`,
  );
  const transitionsAfterStatement = db.prepare<[number, number], { id: number; run_id: number; state: string; at: string }>(
    `SELECT id, run_id, state, at FROM run_transitions WHERE id > ? ORDER BY id LIMIT ?`,
  );
  const lastTransitionStatement = db.prepare<[], { id: number | null }>(`SELECT MAX(id) AS id FROM run_transitions`);
  const updateStateStatement = db.prepare(`
    UPDATE runs SET state = @state, updated_at = @at,
      reason = COALESCE(@reason, reason),
      finished_at = CASE WHEN @final THEN @at ELSE finished_at END
    WHERE id = @id`);
  const listByStateStatement = db.prepare<[string], RunRow>(`SELECT * FROM runs WHERE state = ? ORDER BY id`);
  const touchHeartbeatStatement = db.prepare(`UPDATE runs SET heartbeat_at = ? WHERE id = ?`);
  const markResumedStatement = db.prepare(`UPDATE runs SET resume_count = resume_count + 1, heartbeat_at = ? WHERE id = ?`);
  const listActiveStatement = db.prepare<[], RunRow>(
    `SELECT * FROM runs WHERE state IN ('preparing', 'planning', 'implementing', 'verifying', 'delivering') ORDER BY id`,
  );
  const listActiveForInstallationStatement = db.prepare<[number], RunRow>(
    `SELECT * FROM runs WHERE installation_id = ? AND state IN ('queued', 'preparing', 'planning', 'implementing', 'verifying', 'delivering') ORDER BY id`,
  );
  const findByWorkBranchStatement = db.prepare<[number, string], RunRow>(
    `SELECT * FROM runs WHERE repo_id = ? AND work_branch = ? AND pr_number IS NOT NULL ORDER BY id DESC LIMIT 1`,
  );
  const findByPullStatement = db.prepare<[number, number], RunRow>(
    `SELECT * FROM runs WHERE repo_id = ? AND pr_number = ? ORDER BY id DESC LIMIT 1`,
  );
  const listForTaskStatement = db.prepare<[number, number], RunRow>(
    `SELECT * FROM runs WHERE COALESCE(issue_repo_id, repo_id) = ? AND issue_number = ? ORDER BY id`,
  );
  // repo_id IN a JSON array: one statement for any number of repositories, on the runs_by_repo index.
  const listForReposStatement = db.prepare<Record<string, string | number | null>, RunRow>(`
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
    LIMIT @limit`);
  const patchStatement = db.prepare(`
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
    WHERE id = @id`);

  const stamp = () => now().toISOString();

  function getRun(id: number): Run {
    const row = getRunStatement.get(id);
    if (!row) throw new Error(`Run #${id} does not exist`);
    return toRun(row);
  }

  /** The task's active run; `repoId` is the repository of its issue. */
  function findActiveRun(repoId: number, issueNumber: number): Run | undefined {
    const row = findActiveStatement.get(repoId, issueNumber);
    return row ? toRun(row) : undefined;
  }

  const insertQueuedRun = db.transaction((input: NewRun): number => {
    const at = stamp();
    const info = insertRunStatement.run({
      installationId: input.installationId,
      repoId: input.request.repo.id,
      repoOwner: input.request.repo.owner,
      repoName: input.request.repo.name,
      issueRepoId: input.request.issueRepo?.id ?? null,
      issueNumber: input.request.issue.number,
      trigger: input.trigger,
      requestedBy: input.requestedBy,
      deliveryId: input.deliveryId,
      request: json(input.request),
      followUpOf: input.followUpOf ?? null,
      workBranch: input.workBranch ?? null,
      at,
    });
    const id = Number(info.lastInsertRowid);
    insertTransitionStatement.run(id, "queued", at, text(`requested by @${input.requestedBy} (${input.trigger})`));
    return id;
  });

  /** Records a queued run; throws ActiveRunExistsError when the task already has an active one. */
  function createRun(input: NewRun): Run {
    try {
      return getRun(insertQueuedRun(input));
    } catch (error) {
      if (error instanceof SqliteError && error.code === "SQLITE_CONSTRAINT_UNIQUE") {
        const active = findActiveRun(input.request.issueRepo?.id ?? input.request.repo.id, input.request.issue.number);
        if (active) throw new ActiveRunExistsError(active);
      }
      throw error;
    }
  }

  const transition = db.transaction((id: number, state: RunState, detail: string | null, reason: string | null) => {
    const at = stamp();
    updateStateStatement.run({ id, state, at, reason, final: isFinalState(state) ? 1 : 0 });
    insertTransitionStatement.run(id, state, at, detail);
  });

  /** Moves a run to `state`, recording the transition. A final state is never left. */
  function transitionRun(id: number, state: RunState, options: { detail?: string; reason?: string } = {}): Run {
    const current = getRun(id);
    if (isFinalState(current.state)) {
      throw new Error(`Run #${id} already ended (${current.state}); it cannot become ${state}`);
    }
    transition(id, state, text(options.detail), text(options.reason));
    return getRun(id);
  }

  function updateRun(id: number, patch: RunPatch): Run {
    patchStatement.run({
      id,
      at: stamp(),
      workBranch: patch.workBranch ?? null,
      prNumber: patch.prNumber ?? null,
      prNodeId: patch.prNodeId ?? null,
      checkRunId: patch.checkRunId ?? null,
      statusCommentId: patch.statusCommentId ?? null,
      headSha: patch.headSha ?? null,
      summary: text(patch.summary),
      inputTokens: patch.usage?.inputTokens ?? null,
      outputTokens: patch.usage?.outputTokens ?? null,
      cacheReadTokens: patch.usage?.cacheReadTokens ?? null,
      cacheWriteTokens: patch.usage?.cacheWriteTokens ?? null,
      costUsd: patch.usage === null ? null : (patch.costUsd ?? null),
      usageReported: patch.usage === undefined ? null : patch.usage === null ? 0 : 1,
      turns: patch.turns ?? null,
      plan: json(patch.plan),
      verification: json(patch.verification),
      report: json(patch.report),
      briefSource: text(patch.briefSource),
      notes: json(patch.notes),
      conclusion: patch.conclusion ?? null,
      progress: text(patch.progress),
      cancelledBy: patch.cancelledBy ?? null,
    });
    return getRun(id);
  }

  function listTransitions(id: number): RunTransition[] {
    return listTransitionsStatement.all(id).map((row) => ({
      state: parseRunState(row.state),
      at: row.at,
      detail: row.detail,
    }));
  }

  /** Every run's transitions recorded after `afterId` (a row id), oldest first: what a live reader takes at each look. */
  function listTransitionsAfter(afterId: number, limit: number): { id: number; runId: number; state: RunState; at: string }[] {
    return transitionsAfterStatement.all(afterId, limit).map((row) => ({ id: row.id, runId: row.run_id, state: parseRunState(row.state), at: row.at }));
  }

  /** The id of the newest transition row (0: none yet): where a live reader starts. */
  function findLastTransitionId(): number {
    return lastTransitionStatement.get()?.id ?? 0;
  }

  function listRunsInState(state: RunState): Run[] {
    return listByStateStatement.all(state).map(toRun);
  }

  /** The task's runs, oldest first; `repoId` is the repository of its issue. */
  function listRunsForTask(repoId: number, issueNumber: number): Run[] {
    return listForTaskStatement.all(repoId, issueNumber).map(toRun);
  }

  /** A page of runs of the given repositories, newest first (the console's runs list). */
  function listRunsForRepos(query: RunListQuery): Run[] {
    if (query.repoIds.length === 0) return [];
    const text = query.text?.trim() ?? "";
    const issue = /^#?(\d{1,10})$/.exec(text);
    return listForReposStatement
      .all({
        repoIds: JSON.stringify(query.repoIds),
        states: query.states && query.states.length > 0 ? JSON.stringify(query.states) : null,
        beforeId: query.beforeId ?? null,
        issueNumber: issue ? Number(issue[1]) : null,
        pattern: text === "" || issue ? null : `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`,
        limit: query.limit,
      })
      .map(toRun);
  }

  /** Records that the run's worker is alive. */
  function touchHeartbeat(id: number): void {
    touchHeartbeatStatement.run(stamp(), id);
  }

  /** Counts a resumption, so a second interruption ends the run instead of looping. */
  function markResumed(id: number): Run {
    markResumedStatement.run(stamp(), id);
    return getRun(id);
  }

  /** Runs in a stage (not queued): candidates for recovery when their worker is gone. */
  function listExecutingRuns(): Run[] {
    return listActiveStatement.all().map(toRun);
  }

  /** The latest run with a pull request from the branch. */
  function findRunForWorkBranch(repoId: number, branch: string): Run | undefined {
    const row = findByWorkBranchStatement.get(repoId, branch);
    return row ? toRun(row) : undefined;
  }

  /** The installation's queued and executing runs, for when it is uninstalled or suspended. */
  function listActiveRunsForInstallation(installationId: number): Run[] {
    return listActiveForInstallationStatement.all(installationId).map(toRun);
  }

  /** The latest run that worked on a pull request, for follow-ups and buttons on it. */
  function findRunForPullRequest(repoId: number, prNumber: number): Run | undefined {
    const row = findByPullStatement.get(repoId, prNumber);
    return row ? toRun(row) : undefined;
  }

  return {
    createRun,
    getRun,
    findActiveRun,
    transitionRun,
    updateRun,
    listTransitions,
    listTransitionsAfter,
    findLastTransitionId,
    listRunsInState,
    listRunsForTask,
    listRunsForRepos,
    touchHeartbeat,
    markResumed,
    listExecutingRuns,
    listActiveRunsForInstallation,
    findRunForPullRequest,
    findRunForWorkBranch,
  };
}
