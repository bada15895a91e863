import type { Run } from "../domain/run.js";
import type { RunState } from "../domain/run-state.js";
import { parseRunRow } from "./run-row.js";
import type { RunStatements } from "./run-statements.js";

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

/** The list statement's parameters: `#12` or `12` is the issue, other text a LIKE pattern with its wildcards escaped. */
export function buildRunListParams(query: RunListQuery): Record<string, string | number | null> {
  const text = query.text?.trim() ?? "";
  const issue = /^#?(\d{1,10})$/.exec(text);
  return {
    repoIds: JSON.stringify(query.repoIds),
    states: query.states && query.states.length > 0 ? JSON.stringify(query.states) : null,
    beforeId: query.beforeId ?? null,
    issueNumber: issue ? Number(issue[1]) : null,
    pattern: text === "" || issue ? null : `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`,
    limit: query.limit,
  };
}

export type RunQueries = ReturnType<typeof createRunQueries>;

/** Reading runs: one by id, a task's, a pull request's or branch's, and the lists the console and recovery need. */
export function createRunQueries(statements: RunStatements) {
  function getRun(id: number): Run {
    const row = statements.getRun.get(id);
    if (!row) throw new Error(`Run #${id} does not exist`);
    return parseRunRow(row);
  }

  /** The task's active run; `repoId` is the repository of its issue. */
  function findActiveRun(repoId: number, issueNumber: number): Run | undefined {
    const row = statements.findActive.get(repoId, issueNumber);
    return row ? parseRunRow(row) : undefined;
  }

  function listRunsInState(state: RunState): Run[] {
    return statements.listByState.all(state).map(parseRunRow);
  }

  /** The task's runs, oldest first; `repoId` is the repository of its issue. */
  function listRunsForTask(repoId: number, issueNumber: number): Run[] {
    return statements.listForTask.all(repoId, issueNumber).map(parseRunRow);
  }

  /** A page of runs of the given repositories, newest first (the console's runs list). */
  function listRunsForRepos(query: RunListQuery): Run[] {
    if (query.repoIds.length === 0) return [];
    return statements.listForRepos.all(buildRunListParams(query)).map(parseRunRow);
  }

  /** Runs in a stage (not queued): candidates for recovery when their worker is gone. */
  function listExecutingRuns(): Run[] {
    return statements.listExecuting.all().map(parseRunRow);
  }

  /** The installation's queued and executing runs, for when it is uninstalled or suspended. */
  function listActiveRunsForInstallation(installationId: number): Run[] {
    return statements.listActiveForInstallation.all(installationId).map(parseRunRow);
  }

  /** The latest run that worked on a pull request, for follow-ups and buttons on it. */
  function findRunForPullRequest(repoId: number, prNumber: number): Run | undefined {
    const row = statements.findByPull.get(repoId, prNumber);
    return row ? parseRunRow(row) : undefined;
  }

  /** The latest run with a pull request from the branch. */
  function findRunForWorkBranch(repoId: number, branch: string): Run | undefined {
    const row = statements.findByWorkBranch.get(repoId, branch);
    return row ? parseRunRow(row) : undefined;
  }

  return {
    getRun,
    findActiveRun,
    listRunsInState,
    listRunsForTask,
    listRunsForRepos,
    listExecutingRuns,
    listActiveRunsForInstallation,
    findRunForPullRequest,
    findRunForWorkBranch,
  };
}
