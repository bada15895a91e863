import type { SqliteDatabase } from "./database.js";

/** One attempt's dispatch of the repository's Hamster workflow. */
export interface ActionsDispatch {
  readonly runId: number;
  readonly attempt: number;
  /** Null until GitHub said (or the app found) which workflow run the dispatch started. */
  readonly workflowRunId: number | null;
  readonly htmlUrl: string | null;
  readonly dispatchedAt: string;
}

interface DispatchRow {
  run_id: number;
  attempt: number;
  workflow_run_id: number | null;
  html_url: string | null;
  dispatched_at: string;
}

export interface ActionsDispatchStore {
  /** Records that the attempt was dispatched; a second call for the same attempt changes nothing. */
  recordDispatch(runId: number, attempt: number, at?: Date): void;
  /** Which workflow run the attempt's dispatch started. */
  setWorkflowRun(runId: number, attempt: number, workflowRunId: number, htmlUrl: string): void;
  findByWorkflowRun(workflowRunId: number): ActionsDispatch | undefined;
  /** The run's dispatches, oldest attempt first. */
  listForRun(runId: number): ActionsDispatch[];
}

export function createActionsDispatchStore(db: SqliteDatabase): ActionsDispatchStore {
  const insert = db.prepare("INSERT OR IGNORE INTO actions_dispatches (run_id, attempt, dispatched_at) VALUES (?, ?, ?)");
  const update = db.prepare("UPDATE actions_dispatches SET workflow_run_id = ?, html_url = ? WHERE run_id = ? AND attempt = ?");
  const byWorkflowRun = db.prepare<[number], DispatchRow>("SELECT * FROM actions_dispatches WHERE workflow_run_id = ?");
  const byRun = db.prepare<[number], DispatchRow>("SELECT * FROM actions_dispatches WHERE run_id = ? ORDER BY attempt");
  return {
    recordDispatch(runId, attempt, at = new Date()) {
      insert.run(runId, attempt, at.toISOString());
    },
    setWorkflowRun(runId, attempt, workflowRunId, htmlUrl) {
      update.run(workflowRunId, htmlUrl, runId, attempt);
    },
    findByWorkflowRun(workflowRunId) {
      const row = byWorkflowRun.get(workflowRunId);
      return row === undefined ? undefined : toDispatch(row);
    },
    listForRun: (runId) => byRun.all(runId).map(toDispatch),
  };
}

function toDispatch(row: DispatchRow): ActionsDispatch {
  return { runId: row.run_id, attempt: row.attempt, workflowRunId: row.workflow_run_id, htmlUrl: row.html_url, dispatchedAt: row.dispatched_at };
}
