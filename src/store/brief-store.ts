import { SqliteError } from "better-sqlite3";
import { findIssueRepository, type RunRequest, type TriggerKind } from "../domain/run.js";
import { mapStrings } from "../security/map-strings.js";
import { PLAN_TASK_STATES, type PlanTaskState } from "../task/plan/schedule-plan.js";
import type { SqliteDatabase } from "./database.js";

/**
 * A brief delivered with `/deliver all`: its tasks, what each waits on, where each stands,
 * and the runs started for them. The schedule is never stored: it is computed again from
 * these rows after every change, so a restart picks up where the last process stopped.
 */

/** active: tasks may start; finished: nothing runs or can start; cancelled: `/cancel` stopped it. */
export const BRIEF_STATES = ["active", "finished", "cancelled"] as const;
export type BriefState = (typeof BRIEF_STATES)[number];

export interface Brief {
  readonly id: number;
  readonly installationId: number;
  /** The repository of the brief issue (with `repo=`, not the code's: that is `request.repo`). */
  readonly repoId: number;
  readonly repoOwner: string;
  readonly repoName: string;
  readonly issueNumber: number;
  readonly state: BriefState;
  readonly trigger: TriggerKind;
  readonly requestedBy: string;
  /** What every task's run starts from: repository, branches, agent, model, settings, instructions. Its `issue` is the brief's. */
  readonly request: RunRequest;
  readonly parallel: number;
  readonly stack: boolean;
  readonly planCommentId: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A task's issue, as its run receives it. */
export interface BriefTaskIssue {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  readonly title: string;
  readonly body: string | null;
  readonly author: string;
  readonly htmlUrl: string;
}

export interface BriefTask {
  readonly briefId: number;
  /** The plan's id: "#12", or "owner/repo#12" for an issue of another repository. */
  readonly taskId: string;
  readonly position: number;
  readonly issue: BriefTaskIssue;
  readonly blockedBy: readonly string[];
  readonly state: PlanTaskState;
  /** The task's latest run. */
  readonly runId: number | null;
  /** The pull request of its latest run, and the repository it is in. */
  readonly prRepoId: number | null;
  readonly prNumber: number | null;
  readonly workBranch: string | null;
  /** The branch its pull request targets now: the brief's target, or a blocker's branch when stacked on it. */
  readonly baseBranch: string | null;
  /** Why the task stands where it does, when the run does not say (a pull request closed without merging). */
  readonly note: string | null;
  /**
   * What its runs start from when its code is in a repository other than the brief's
   * (`repo: owner/name` in its issue): that repository's request; null: the brief's.
   */
  readonly request: RunRequest | null;
}

export interface NewBrief {
  readonly installationId: number;
  readonly trigger: TriggerKind;
  readonly requestedBy: string;
  readonly request: RunRequest;
  readonly parallel: number;
  readonly stack: boolean;
  /** In the plan's order. */
  readonly tasks: readonly {
    readonly taskId: string;
    readonly issue: BriefTaskIssue;
    readonly blockedBy: readonly string[];
    readonly state: PlanTaskState;
    /** Its own request, when its code is in another repository than the brief's. */
    readonly request?: RunRequest;
  }[];
}

export interface BriefTaskPatch {
  readonly state?: PlanTaskState;
  readonly prRepoId?: number;
  readonly prNumber?: number;
  readonly workBranch?: string;
  readonly baseBranch?: string;
  /** null clears it. */
  readonly note?: string | null;
}

/** The brief issue is already being delivered. */
export class ActiveBriefExistsError extends Error {
  override readonly name = "ActiveBriefExistsError";
  constructor(readonly activeBrief: Brief) {
    super(`Brief #${activeBrief.issueNumber} is already being delivered.`);
  }
}

interface BriefRow {
  id: number;
  installation_id: number;
  repo_id: number;
  repo_owner: string;
  repo_name: string;
  issue_number: number;
  state: string;
  trigger: string;
  requested_by: string;
  request: string;
  parallel: number;
  stack: number;
  plan_comment_id: number | null;
  created_at: string;
  updated_at: string;
}

interface TaskRow {
  brief_id: number;
  task_id: string;
  position: number;
  issue: string;
  blocked_by: string;
  state: string;
  run_id: number | null;
  pr_repo_id: number | null;
  pr_number: number | null;
  work_branch: string | null;
  base_branch: string | null;
  note: string | null;
  request: string | null;
}

function toBrief(row: BriefRow): Brief {
  return {
    id: row.id,
    installationId: row.installation_id,
    repoId: row.repo_id,
    repoOwner: row.repo_owner,
    repoName: row.repo_name,
    issueNumber: row.issue_number,
    state: parseBriefState(row.state),
    trigger: row.trigger as TriggerKind,
    requestedBy: row.requested_by,
    request: JSON.parse(row.request) as RunRequest,
    parallel: row.parallel,
    stack: row.stack === 1,
    planCommentId: row.plan_comment_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toTask(row: TaskRow): BriefTask {
  return {
    briefId: row.brief_id,
    taskId: row.task_id,
    position: row.position,
    issue: JSON.parse(row.issue) as BriefTaskIssue,
    blockedBy: JSON.parse(row.blocked_by) as string[],
    state: parseTaskState(row.state),
    runId: row.run_id,
    prRepoId: row.pr_repo_id,
    prNumber: row.pr_number,
    workBranch: row.work_branch,
    baseBranch: row.base_branch,
    note: row.note,
    request: row.request === null ? null : (JSON.parse(row.request) as RunRequest),
  };
}

function parseBriefState(value: string): BriefState {
  if ((BRIEF_STATES as readonly string[]).includes(value)) return value as BriefState;
  throw new Error(`Unknown brief state ${JSON.stringify(value)} in the database`);
}

function parseTaskState(value: string): PlanTaskState {
  if ((PLAN_TASK_STATES as readonly string[]).includes(value)) return value as PlanTaskState;
  throw new Error(`Unknown task state ${JSON.stringify(value)} in the database`);
}

export type BriefStore = ReturnType<typeof createBriefStore>;

/** The only SQL about briefs. `redact` applies to the stored request and issues, as the run store's does. */
export function createBriefStore(db: SqliteDatabase, options: { now?: () => Date; redact?: (text: string) => string } = {}) {
  const stamp = () => (options.now ?? (() => new Date()))().toISOString();
  const json = (value: unknown) => JSON.stringify(options.redact ? mapStrings(value, options.redact) : value);
  const insertBrief = db.prepare(`
    INSERT INTO briefs (installation_id, repo_id, repo_owner, repo_name, issue_number, state, trigger, requested_by, request, parallel, stack, created_at, updated_at)
    VALUES (@installationId, @repoId, @repoOwner, @repoName, @issueNumber, 'active', @trigger, @requestedBy, @request, @parallel, @stack, @at, @at)`);
  const insertTask = db.prepare(`
    INSERT INTO brief_tasks (brief_id, task_id, position, issue_owner, issue_repo, issue_number, issue, blocked_by, state, request, updated_at)
    VALUES (@briefId, @taskId, @position, @issueOwner, @issueRepo, @issueNumber, @issue, @blockedBy, @state, @request, @at)`);
  const getBriefStatement = db.prepare<[number], BriefRow>(`SELECT * FROM briefs WHERE id = ?`);
  const findActiveStatement = db.prepare<[number, number], BriefRow>(`SELECT * FROM briefs WHERE repo_id = ? AND issue_number = ? AND state = 'active'`);
  const findLatestStatement = db.prepare<[number, number], BriefRow>(`SELECT * FROM briefs WHERE repo_id = ? AND issue_number = ? ORDER BY id DESC LIMIT 1`);
  const listActiveStatement = db.prepare<[], BriefRow>(`SELECT * FROM briefs WHERE state = 'active' ORDER BY id`);
  const setStateStatement = db.prepare(`UPDATE briefs SET state = @state, updated_at = @at WHERE id = @id`);
  const setCommentStatement = db.prepare(`UPDATE briefs SET plan_comment_id = @commentId, updated_at = @at WHERE id = @id`);
  const listTasksStatement = db.prepare<[number], TaskRow>(`SELECT * FROM brief_tasks WHERE brief_id = ? ORDER BY position`);
  const getTaskStatement = db.prepare<[number, string], TaskRow>(`SELECT * FROM brief_tasks WHERE brief_id = ? AND task_id = ?`);
  const patchTaskStatement = db.prepare(`
    UPDATE brief_tasks SET
      state = COALESCE(@state, state),
      pr_repo_id = COALESCE(@prRepoId, pr_repo_id),
      pr_number = COALESCE(@prNumber, pr_number),
      work_branch = COALESCE(@workBranch, work_branch),
      base_branch = COALESCE(@baseBranch, base_branch),
      note = CASE WHEN @setNote THEN @note ELSE note END,
      updated_at = @at
    WHERE brief_id = @briefId AND task_id = @taskId`);
  const startTaskStatement = db.prepare(`
    UPDATE brief_tasks SET state = 'running', run_id = @runId, pr_repo_id = NULL, pr_number = NULL, work_branch = NULL, base_branch = NULL, note = NULL, updated_at = @at
    WHERE brief_id = @briefId AND task_id = @taskId`);
  const insertRunStatement = db.prepare(`INSERT OR IGNORE INTO brief_runs (run_id, brief_id, task_id) VALUES (?, ?, ?)`);
  const findByRunStatement = db.prepare<[number], { brief_id: number; task_id: string }>(`SELECT brief_id, task_id FROM brief_runs WHERE run_id = ?`);
  const findByPullStatement = db.prepare<[number, number], TaskRow>(`
    SELECT t.* FROM brief_tasks t JOIN briefs b ON b.id = t.brief_id
    WHERE t.pr_repo_id = ? AND t.pr_number = ? AND b.id = (SELECT MAX(id) FROM briefs l WHERE l.repo_id = b.repo_id AND l.issue_number = b.issue_number) ORDER BY t.brief_id`);
  const findByIssueStatement = db.prepare<[string, string, number], TaskRow>(`
    SELECT t.* FROM brief_tasks t JOIN briefs b ON b.id = t.brief_id
    WHERE t.issue_owner = ? AND t.issue_repo = ? AND t.issue_number = ? AND b.id = (SELECT MAX(id) FROM briefs l WHERE l.repo_id = b.repo_id AND l.issue_number = b.issue_number) ORDER BY t.brief_id`);
  // What each task's runs cost: null when one of them did not report it (the total is then unknown).
  const costsStatement = db.prepare<[number], { task_id: string; cost: number; unknown: number; runs: number }>(`
    SELECT br.task_id, SUM(r.cost_usd) AS cost, SUM(CASE WHEN r.usage_reported = 0 THEN 1 ELSE 0 END) AS unknown, COUNT(*) AS runs
    FROM brief_runs br JOIN runs r ON r.id = br.run_id WHERE br.brief_id = ? GROUP BY br.task_id`);

  function getBrief(id: number): Brief {
    const row = getBriefStatement.get(id);
    if (!row) throw new Error(`Brief ${id} does not exist`);
    return toBrief(row);
  }

  const insert = db.transaction((input: NewBrief): number => {
    const at = stamp();
    const { issue } = input.request;
    // The brief's issue: its repository, which is not the code's with `repo=`.
    const repo = findIssueRepository(input.request);
    const info = insertBrief.run({
      installationId: input.installationId,
      repoId: repo.id,
      repoOwner: repo.owner,
      repoName: repo.name,
      issueNumber: issue.number,
      trigger: input.trigger,
      requestedBy: input.requestedBy,
      request: json(input.request),
      parallel: input.parallel,
      stack: input.stack ? 1 : 0,
      at,
    });
    const briefId = Number(info.lastInsertRowid);
    input.tasks.forEach((task, position) => {
      insertTask.run({
        briefId,
        taskId: task.taskId,
        position,
        issueOwner: task.issue.owner.toLowerCase(),
        issueRepo: task.issue.repo.toLowerCase(),
        issueNumber: task.issue.number,
        issue: json(task.issue),
        blockedBy: JSON.stringify(task.blockedBy),
        state: task.state,
        request: task.request ? json(task.request) : null,
        at,
      });
    });
    return briefId;
  });

  /** Records a brief and its tasks; throws ActiveBriefExistsError when the issue is being delivered already. */
  function createBrief(input: NewBrief): Brief {
    try {
      return getBrief(insert(input));
    } catch (error) {
      if (error instanceof SqliteError && error.code === "SQLITE_CONSTRAINT_UNIQUE") {
        const active = findActiveStatement.get(findIssueRepository(input.request).id, input.request.issue.number);
        if (active) throw new ActiveBriefExistsError(toBrief(active));
      }
      throw error;
    }
  }

  function getTask(briefId: number, taskId: string): BriefTask {
    const row = getTaskStatement.get(briefId, taskId);
    if (!row) throw new Error(`Brief ${briefId} has no task ${taskId}`);
    return toTask(row);
  }

  function updateTask(briefId: number, taskId: string, patch: BriefTaskPatch): BriefTask {
    patchTaskStatement.run({
      briefId,
      taskId,
      at: stamp(),
      state: patch.state ?? null,
      prRepoId: patch.prRepoId ?? null,
      prNumber: patch.prNumber ?? null,
      workBranch: patch.workBranch ?? null,
      baseBranch: patch.baseBranch ?? null,
      setNote: patch.note === undefined ? 0 : 1,
      note: patch.note ?? null,
    });
    return getTask(briefId, taskId);
  }

  /** The task runs now, as `runId`: its previous run's pull request and note are forgotten. */
  const recordTaskRun = db.transaction((briefId: number, taskId: string, runId: number): void => {
    startTaskStatement.run({ briefId, taskId, runId, at: stamp() });
    insertRunStatement.run(runId, briefId, taskId);
  });

  return {
    createBrief,
    getBrief,
    findActiveBrief(repoId: number, issueNumber: number): Brief | undefined {
      const row = findActiveStatement.get(repoId, issueNumber);
      return row ? toBrief(row) : undefined;
    },
    /** The issue's newest delivery, whatever its state. */
    findLatestBrief(repoId: number, issueNumber: number): Brief | undefined {
      const row = findLatestStatement.get(repoId, issueNumber);
      return row ? toBrief(row) : undefined;
    },
    listActiveBriefs(): Brief[] {
      return listActiveStatement.all().map(toBrief);
    },
    setBriefState(id: number, state: BriefState): Brief {
      setStateStatement.run({ id, state, at: stamp() });
      return getBrief(id);
    },
    setPlanCommentId(id: number, commentId: number): void {
      setCommentStatement.run({ id, commentId, at: stamp() });
    },
    listTasks(briefId: number): BriefTask[] {
      return listTasksStatement.all(briefId).map(toTask);
    },
    getTask,
    updateTask,
    recordTaskRun,
    /** The brief task a run was started for, if any. */
    findTaskOfRun(runId: number): { briefId: number; taskId: string } | undefined {
      const row = findByRunStatement.get(runId);
      return row ? { briefId: row.brief_id, taskId: row.task_id } : undefined;
    },
    /** The tasks whose latest pull request this is, in each brief issue's newest delivery. */
    findTasksByPullRequest(repoId: number, prNumber: number): BriefTask[] {
      return findByPullStatement.all(repoId, prNumber).map(toTask);
    },
    /** The tasks that are this issue, in each brief issue's newest delivery. */
    findTasksByIssue(owner: string, repo: string, issueNumber: number): BriefTask[] {
      return findByIssueStatement.all(owner.toLowerCase(), repo.toLowerCase(), issueNumber).map(toTask);
    },
    /** What each task's runs cost together; null when a run did not report its cost. Tasks that never ran are absent. */
    getTaskCosts(briefId: number): Map<string, number | null> {
      return new Map(costsStatement.all(briefId).map((row) => [row.task_id, row.unknown > 0 ? null : row.cost]));
    },
  };
}
