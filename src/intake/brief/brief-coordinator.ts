import { Mutex } from "async-mutex";
import type { Logger } from "probot";
import type { AppSettings } from "../../config/env.js";
import { isFinalState } from "../../domain/run-state.js";
import type { Run, RunRequest } from "../../domain/run.js";
import type { GitHubClient } from "../../github/client.js";
import { getPullRequestOutcome, retargetPullRequest } from "../../github/pull-requests.js";
import { ensurePlanComment } from "../../reporter/plan-comment.js";
import { renderPlanTable } from "../../reporter/render-plan-table.js";
import { renderRunPageUrl } from "../../reporter/run-page-link.js";
import { createRunReporter } from "../../reporter/run-reporter.js";
import type { Brief, BriefStore, BriefTask, BriefTaskPatch } from "../../store/brief-store.js";
import { ActiveRunExistsError, type RunStore } from "../../store/run-store.js";
import { validatePlanGraph, type PlanGraph } from "../../task/plan/plan-graph.js";
import { schedulePlan, type PlanSchedule } from "../../task/plan/schedule-plan.js";
import { renderPlanNotice } from "./render-brief-replies.js";

/**
 * Keeps each brief moving: after every change (a run ended, a pull request merged or closed,
 * an issue closed, `/retry`, `/cancel`, a restart) it settles what the stored rows say
 * happened, starts the tasks the schedule allows, retargets stacked pull requests whose
 * base was merged, and rewrites the plan table when anything changed. The schedule is never
 * stored: it is computed from the rows each time, one brief at a time, so a task is never
 * started twice and a restart simply carries on.
 */

export interface BriefDependencies {
  readonly runs: RunStore;
  readonly briefs: BriefStore;
  readonly settings: Pick<AppSettings, "publicUrl" | "oauth">;
  readonly log: Logger;
  getOctokit(installationId: number): Promise<GitHubClient>;
  /** Hands a queued run to the worker. */
  enqueue(runId: number): void;
  now?(): Date;
}

/** A change to a brief's rows made under its lock; true when it changed anything. */
type BriefChange = (brief: Brief) => boolean;

export type BriefCoordinator = ReturnType<typeof createBriefCoordinator>;

/** How far back, before the brief was recorded, its plan table is looked for: GitHub's clock and ours may differ. */
const CLOCK_SKEW_MARGIN_MS = 60 * 60_000;

export function createBriefCoordinator(deps: BriefDependencies) {
  const { runs, briefs, log } = deps;
  const now = deps.now ?? (() => new Date());
  const locks = new Map<number, Mutex>();
  /** Tasks `/retry` made pending again, and by whom: their next run is a retry of theirs. */
  const retriedBy = new Map<string, string>();

  const lockOf = (briefId: number): Mutex => {
    let lock = locks.get(briefId);
    if (!lock) locks.set(briefId, (lock = new Mutex()));
    return lock;
  };

  /**
   * Applies `change` (if any), then brings the brief up to date: settles ended runs,
   * retargets stacked pull requests, starts what may start, publishes the plan table when
   * anything changed or `publish` asks for it.
   */
  async function advance(briefId: number, options: { change?: BriefChange; publish?: boolean } = {}): Promise<void> {
    await lockOf(briefId).runExclusive(async () => {
      let brief = briefs.getBrief(briefId);
      let octokit: Promise<GitHubClient> | undefined;
      const client = () => (octokit ??= deps.getOctokit(brief.installationId));
      let changed = options.publish === true;
      if (options.change?.(brief)) changed = true;
      brief = briefs.getBrief(briefId);
      if (settleEndedRuns(brief)) changed = true;
      if (await retargetStackedPulls(client, brief)) changed = true;
      if (brief.state === "active") {
        if ((await startReadyTasks(client, brief)) > 0) changed = true;
        if (scheduleBrief(brief).finished) {
          brief = briefs.setBriefState(briefId, "finished");
          changed = true;
        }
      }
      if (changed) await publishPlanTable(await client(), brief);
    });
  }

  /** Running tasks whose run has ended: delivered (a pull request waits for its merge), failed or cancelled. */
  function settleEndedRuns(brief: Brief): boolean {
    let changed = false;
    for (const task of briefs.listTasks(brief.id)) {
      if (task.state !== "running" || task.runId === null) continue;
      const run = runs.getRun(task.runId);
      if (!isFinalState(run.state)) continue;
      briefs.updateTask(brief.id, task.taskId, settleRun(run));
      changed = true;
    }
    return changed;
  }

  function settleRun(run: Run): BriefTaskPatch {
    if (run.state === "succeeded") {
      if (run.prNumber === null) return { state: "failed", note: "its run ended without a pull request" };
      return { state: "delivered", prRepoId: run.repoId, prNumber: run.prNumber, baseBranch: run.request.targetBranch, ...(run.workBranch ? { workBranch: run.workBranch } : {}) };
    }
    return { state: run.state === "cancelled" ? "cancelled" : "failed" };
  }

  /**
   * A stacked task's pull request targets its blocker's branch; once that blocker is merged,
   * it targets what the blocker's targeted (down the chain). A failed write is tried again at
   * the next change.
   */
  async function retargetStackedPulls(client: () => Promise<GitHubClient>, brief: Brief): Promise<boolean> {
    const tasks = briefs.listTasks(brief.id);
    const byBranch = new Map(tasks.flatMap((task) => (task.workBranch ? [[task.workBranch, task] as const] : [])));
    let changed = false;
    for (const task of tasks) {
      if (task.state !== "delivered" || task.prNumber === null || task.baseBranch === null) continue;
      let base = task.baseBranch;
      for (let hops = 0; hops < tasks.length; hops++) {
        const blocker = byBranch.get(base);
        if (!blocker || blocker.state !== "done" || blocker.baseBranch === null) break;
        base = blocker.baseBranch;
      }
      if (base === task.baseBranch) continue;
      try {
        const repo = findTaskCodeRepo(brief, task);
        await retargetPullRequest(await client(), { owner: repo.owner, repo: repo.name }, task.prNumber, base);
        briefs.updateTask(brief.id, task.taskId, { baseBranch: base });
        changed = true;
      } catch (error) {
        log.warn({ brief: brief.issueNumber, task: task.taskId, err: error }, "could not retarget a stacked pull request");
      }
    }
    return changed;
  }

  function graphOf(tasks: readonly BriefTask[]): PlanGraph {
    // Checked when the brief was recorded; the rows do not change what waits on what.
    const validation = validatePlanGraph(tasks.map((task) => ({ id: task.taskId, blockedBy: task.blockedBy })));
    if (!validation.ok) throw new Error(`The stored plan of brief ${tasks[0]?.briefId ?? "?"} is not valid`);
    return validation.graph;
  }

  function scheduleBrief(brief: Brief, tasks = briefs.listTasks(brief.id)): PlanSchedule {
    const codeRepoOf = new Map(tasks.map((task) => [task.taskId, findTaskCodeRepo(brief, task).id]));
    // A branch is stacked on within its own repository only.
    const canStack = (task: string, blocker: string) => codeRepoOf.get(task) === codeRepoOf.get(blocker);
    return schedulePlan(graphOf(tasks), new Map(tasks.map((task) => [task.taskId, task.state])), { parallel: brief.parallel, stack: brief.stack, canStack });
  }

  async function startReadyTasks(client: () => Promise<GitHubClient>, brief: Brief): Promise<number> {
    const tasks = briefs.listTasks(brief.id);
    const byId = new Map(tasks.map((task) => [task.taskId, task]));
    const schedule = scheduleBrief(brief, tasks);
    for (const taskId of schedule.start) {
      const blocker = schedule.stackedOn.get(taskId);
      await startTask(client, brief, byId.get(taskId) as BriefTask, blocker === undefined ? undefined : byId.get(blocker));
    }
    return schedule.start.length;
  }

  /**
   * A normal run of the task's issue, with the brief's parameters, reading the brief; stacked,
   * it starts from its blocker's branch and its pull request targets it. A run of the issue
   * already active (someone started it by hand) is taken as the task's.
   */
  async function startTask(client: () => Promise<GitHubClient>, brief: Brief, task: BriefTask, stackedOn: BriefTask | undefined): Promise<void> {
    const request = buildTaskRequest(brief, task, stackedOn?.workBranch ?? null);
    const key = `${brief.id} ${task.taskId}`;
    const retrier = retriedBy.get(key);
    retriedBy.delete(key);
    let run: Run;
    let adopted = false;
    try {
      run = runs.createRun({ installationId: brief.installationId, trigger: retrier ? "retry" : brief.trigger, requestedBy: retrier ?? brief.requestedBy, deliveryId: null, request });
    } catch (error) {
      if (!(error instanceof ActiveRunExistsError)) {
        log.error({ brief: brief.issueNumber, task: task.taskId, err: error }, "could not start a task of the brief");
        briefs.updateTask(brief.id, task.taskId, { state: "failed", note: "its run could not be started" });
        return;
      }
      run = error.activeRun;
      adopted = true;
    }
    briefs.recordTaskRun(brief.id, task.taskId, run.id);
    log.info({ brief: brief.issueNumber, task: task.taskId, runId: run.id, adopted, stackedOn: stackedOn?.taskId }, "brief task started");
    if (adopted) return;
    try {
      const octokit = await client();
      await createRunReporter({ octokit, runs, runPageUrl: (id) => renderRunPageUrl(deps.settings, id) }).createStatusComment(run.id);
    } catch (error) {
      log.warn({ runId: run.id, err: error }, "could not write the status comment of a brief task");
    } finally {
      // Recorded: it runs even if its status comment could not be written now.
      deps.enqueue(run.id);
    }
  }

  async function publishPlanTable(octokit: GitHubClient, brief: Brief): Promise<void> {
    const tasks = briefs.listTasks(brief.id);
    const costs = briefs.getTaskCosts(brief.id);
    const body = renderPlanTable({
      briefNumber: brief.issueNumber,
      graph: graphOf(tasks),
      tasks: tasks.map((task) => ({
        id: task.taskId,
        title: task.issue.title,
        state: task.state,
        pullRequest: task.prNumber === null ? null : { number: task.prNumber, url: `${findTaskCodeRepo(brief, task).htmlUrl}/pull/${task.prNumber}` },
        costUsd: costs.get(task.taskId) ?? null,
        ran: costs.has(task.taskId),
      })),
      parallel: brief.parallel,
      stack: brief.stack,
      notice: renderPlanNotice(brief, tasks),
      now: now(),
    });
    try {
      const since = new Date(Date.parse(brief.createdAt) - CLOCK_SKEW_MARGIN_MS).toISOString().replace(/\.\d{3}Z$/, "Z");
      const id = await ensurePlanComment(octokit, { owner: brief.repoOwner, repo: brief.repoName }, { briefNumber: brief.issueNumber, commentId: brief.planCommentId, body, since });
      if (id !== brief.planCommentId) briefs.setPlanCommentId(brief.id, id);
    } catch (error) {
      log.warn({ brief: brief.issueNumber, err: error }, "could not write the plan table");
    }
  }

  /** Applies `apply` to each listed task under its brief's lock, then advances each brief once. */
  async function changeTasks(tasks: readonly BriefTask[], apply: (task: BriefTask) => BriefTaskPatch | null): Promise<void> {
    for (const briefId of new Set(tasks.map((task) => task.briefId))) {
      await advance(briefId, {
        change: () => {
          let changed = false;
          for (const listed of tasks.filter((task) => task.briefId === briefId)) {
            // Read again under the lock: the row may have moved since it was listed.
            const patch = apply(briefs.getTask(briefId, listed.taskId));
            if (patch === null) continue;
            briefs.updateTask(briefId, listed.taskId, patch);
            changed = true;
          }
          return changed;
        },
      });
    }
  }

  /** A pull request was closed: merged, its task is done; closed without merging, a delivered task failed. */
  async function notePullRequestClosed(event: { readonly repoId: number; readonly number: number; readonly merged: boolean }): Promise<void> {
    await changeTasks(briefs.findTasksByPullRequest(event.repoId, event.number), (task) => {
      if (task.prNumber !== event.number || task.state === "done") return null;
      if (event.merged) return { state: "done", note: null };
      return task.state === "delivered" ? { state: "failed", note: `its pull request #${event.number} was closed without being merged` } : null;
    });
  }

  return {
    advance,

    /** A run ended (any way): its brief, if it belongs to one, moves on. */
    async noteRunEnded(runId: number): Promise<void> {
      const found = briefs.findTaskOfRun(runId);
      if (found) await advance(found.briefId);
    },

    notePullRequestClosed,

    /** An issue was closed: as completed, its task is done; otherwise a task not being worked on is cancelled. */
    async noteIssueClosed(event: { readonly owner: string; readonly repo: string; readonly number: number; readonly stateReason: string | null }): Promise<void> {
      const completed = event.stateReason === null || event.stateReason === "completed";
      await changeTasks(briefs.findTasksByIssue(event.owner, event.repo, event.number), (task) => {
        if (task.state === "done") return null;
        if (completed) return { state: "done", note: null };
        return task.state === "pending" || task.state === "delivered" ? { state: "cancelled", note: `its issue was closed as ${event.stateReason?.replace(/_/g, " ") ?? "not planned"}` } : null;
      });
    },

    /**
     * `/retry` on the brief: its failed and cancelled tasks are pending again (their next run a
     * retry by `by`), and a stopped brief goes on. Says how many tasks were retried, and whether it went on.
     */
    async retryBrief(briefId: number, by: string): Promise<{ retried: number; resumed: boolean }> {
      let retried = 0;
      let resumed = false;
      await advance(briefId, {
        publish: true,
        change: (brief) => {
          for (const task of briefs.listTasks(briefId)) {
            if (task.state !== "failed" && task.state !== "cancelled") continue;
            briefs.updateTask(briefId, task.taskId, { state: "pending", note: null });
            retriedBy.set(`${briefId} ${task.taskId}`, by);
            retried++;
          }
          if (brief.state !== "active" && (retried > 0 || brief.state === "cancelled")) {
            briefs.setBriefState(briefId, "active");
            resumed = brief.state === "cancelled";
          }
          return retried > 0 || resumed;
        },
      });
      return { retried, resumed };
    },

    /** `/cancel` on the brief: no task starts any more; returns the active runs of its tasks, for the caller to cancel. */
    async stopBrief(briefId: number): Promise<Run[]> {
      const active: Run[] = [];
      await advance(briefId, {
        publish: true,
        change: () => {
          briefs.setBriefState(briefId, "cancelled");
          for (const task of briefs.listTasks(briefId)) {
            if (task.state !== "running" || task.runId === null) continue;
            const run = runs.getRun(task.runId);
            if (!isFinalState(run.state)) active.push(run);
          }
          return true;
        },
      });
      return active;
    },

    /**
     * After a restart: pull requests merged or closed meanwhile are looked up (one call per
     * task waiting for its merge), runs that ended are settled, and each active brief goes on.
     */
    async resumeBriefs(): Promise<void> {
      for (const brief of briefs.listActiveBriefs()) {
        try {
          const waiting = briefs.listTasks(brief.id).filter((task) => task.state === "delivered" && task.prNumber !== null);
          const octokit = waiting.length > 0 ? await deps.getOctokit(brief.installationId) : undefined;
          for (const task of waiting) {
            const repo = findTaskCodeRepo(brief, task);
            const outcome = await getPullRequestOutcome(octokit!, { owner: repo.owner, repo: repo.name }, task.prNumber!);
            if (outcome !== "open") await notePullRequestClosed({ repoId: task.prRepoId ?? repo.id, number: task.prNumber!, merged: outcome === "merged" });
          }
          await advance(brief.id);
        } catch (error) {
          log.error({ brief: brief.issueNumber, err: error }, "could not resume a brief");
        }
      }
    },

    /** What the recovery timer runs: every active brief settles runs that ended unseen (cancelled before they started). */
    async sweepBriefs(): Promise<void> {
      for (const brief of briefs.listActiveBriefs()) {
        await advance(brief.id).catch((error: unknown) => log.error({ brief: brief.issueNumber, err: error }, "could not advance a brief"));
      }
    },
  };
}

/** The task's run request: the brief's parameters, the task's issue, the brief as what it reads; on `stackedOn`, that branch. */
/** Where a task's code is: the repository its own `repo:` line named, else the brief's. */
export function findTaskCodeRepo(brief: Brief, task: BriefTask): RunRequest["repo"] {
  return (task.request ?? brief.request).repo;
}

/** A task's run: its own request when its code is in another repository (`repo:`), else the brief's. */
export function buildTaskRequest(brief: Brief, task: BriefTask, stackedOn: string | null): RunRequest {
  const base = task.request ?? brief.request;
  const { repo, issueRepo, agent, model, instructions, settings, parameterSources } = base;
  const { number, title, body, author, htmlUrl } = task.issue;
  return {
    repo,
    ...(issueRepo ? { issueRepo } : {}),
    issue: { number, title, body, author, htmlUrl },
    baseBranch: stackedOn ?? base.baseBranch,
    targetBranch: stackedOn ?? base.targetBranch,
    agent,
    model,
    instructions,
    ...(settings ? { settings } : {}),
    ...(parameterSources ? { parameterSources } : {}),
    brief: { number: brief.issueNumber },
  };
}
