import type { SqliteDatabase } from "./database.js";
import { createRunQueries } from "./run-queries.js";
import { createColumnEncoder } from "./run-row.js";
import { prepareRunStatements, type RunStoreContext } from "./run-statements.js";
import { createRunTransitions } from "./run-transitions.js";
import { createRunWrites } from "./run-writes.js";

export type RunStore = ReturnType<typeof createRunStore>;

export interface RunStoreOptions {
  /**
   * Applied to every free-text field before it is written (reason, summary, notes, progress,
   * transition details, the request, brief source, and the strings inside plan, verification
   * and report), so no secret reaches the database file. Default: stored as given.
   */
  readonly redact?: (text: string) => string;
}

/**
 * The runs table and its transitions, for every part of the app. The SQL is in
 * run-statements.ts, the row mapping in run-row.ts; this puts reads, writes and
 * transitions together over one set of prepared statements.
 */
export function createRunStore(db: SqliteDatabase, now: () => Date = () => new Date(), options: RunStoreOptions = {}) {
  const context: RunStoreContext = {
    db,
    statements: prepareRunStatements(db),
    encode: createColumnEncoder(options.redact),
    stamp: () => now().toISOString(),
  };
  const queries = createRunQueries(context.statements);
  const writes = createRunWrites(context, queries);
  const transitions = createRunTransitions(context, queries);
  return {
    createRun: writes.createRun,
    getRun: queries.getRun,
    findActiveRun: queries.findActiveRun,
    transitionRun: transitions.transitionRun,
    updateRun: writes.updateRun,
    listTransitions: transitions.listTransitions,
    listTransitionsAfter: transitions.listTransitionsAfter,
    findLastTransitionId: transitions.findLastTransitionId,
    listRunsInState: queries.listRunsInState,
    listRunsForTask: queries.listRunsForTask,
    listRunsForRepos: queries.listRunsForRepos,
    touchHeartbeat: writes.touchHeartbeat,
    markResumed: writes.markResumed,
    listExecutingRuns: queries.listExecutingRuns,
    listActiveRunsForInstallation: queries.listActiveRunsForInstallation,
    findRunForPullRequest: queries.findRunForPullRequest,
    findRunForWorkBranch: queries.findRunForWorkBranch,
  };
}
