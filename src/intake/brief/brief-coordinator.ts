import { Mutex } from "async-mutex";
import { isFinalState } from "../../domain/run-state.js";
import type { Run } from "../../domain/run.js";
import { getPullRequestOutcome } from "../../github/pull-requests.js";
import type { Brief, BriefTask, BriefTaskPatch } from "../../store/brief-store.js";
import type { BriefClient, BriefDependencies } from "./brief-dependencies.js";
import type { IssueClosed, PullRequestClosed } from "./brief-events.js";
import { buildEndedRunPatch, buildIssueClosedPatch, buildPullRequestClosedPatch } from "./brief-task-patches.js";
import { publishPlanTable } from "./publish-plan-table.js";
import { retargetStackedPulls } from "./retarget-stacked-pulls.js";
import { scheduleBrief } from "./schedule-brief.js";
import { startBriefTask } from "./start-brief-task.js";
import { findTaskCodeRepo } from "./task-request.js";

/**
 * Keeps each brief moving: after every change (a run ended, a pull request merged or closed,
 * an issue closed, `/retry`, `/cancel`, a restart) it settles what the stored rows say
 * happened, starts the tasks the schedule allows, retargets stacked pull requests whose
 * base was merged, and rewrites the plan table when anything changed. The schedule is never
 * stored: it is computed from the rows each time, one brief at a time, so a task is never
 * started twice and a restart simply carries on.
 */

/** A change to a brief's rows made under its lock; true when it changed anything. */
type BriefChange = (brief: Brief) => boolean;

export type BriefCoordinator = ReturnType<typeof createBriefCoordinator>;

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
      let octokit: ReturnType<BriefClient> | undefined;
      const client: BriefClient = () => (octokit ??= deps.getOctokit(brief.installationId));
      let changed = options.publish === true;
      if (options.change?.(brief)) changed = true;
      brief = briefs.getBrief(briefId);
      if (settleEndedRuns(brief)) changed = true;
      if (await retargetStackedPulls(deps, client, brief)) changed = true;
      if (brief.state === "active") {
        if ((await startReadyTasks(client, brief)) > 0) changed = true;
        if (scheduleBrief(brief, briefs.listTasks(brief.id)).finished) {
          brief = briefs.setBriefState(briefId, "finished");
          changed = true;
        }
      }
      if (changed) await publishPlanTable(deps, await client(), brief, now());
    });
  }

  /** Running tasks whose run has ended: delivered (a pull request waits for its merge), failed or cancelled. */
  function settleEndedRuns(brief: Brief): boolean {
    let changed = false;
    for (const task of briefs.listTasks(brief.id)) {
      if (task.state !== "running" || task.runId === null) continue;
      const run = runs.getRun(task.runId);
      if (!isFinalState(run.state)) continue;
      briefs.updateTask(brief.id, task.taskId, buildEndedRunPatch(run));
      changed = true;
    }
    return changed;
  }

  /** Starts what the schedule allows now; says how many. */
  async function startReadyTasks(client: BriefClient, brief: Brief): Promise<number> {
    const tasks = briefs.listTasks(brief.id);
    const byId = new Map(tasks.map((task) => [task.taskId, task]));
    const schedule = scheduleBrief(brief, tasks);
    for (const taskId of schedule.start) {
      const blocker = schedule.stackedOn.get(taskId);
      await startBriefTask(deps, client, brief, byId.get(taskId) as BriefTask, {
        stackedOn: blocker === undefined ? undefined : byId.get(blocker),
        retriedBy: takeRetrier(brief.id, taskId),
      });
    }
    return schedule.start.length;
  }

  /** Who `/retry`-ed the task, once: only its next run is theirs. */
  function takeRetrier(briefId: number, taskId: string): string | undefined {
    const key = `${briefId} ${taskId}`;
    const retrier = retriedBy.get(key);
    retriedBy.delete(key);
    return retrier;
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
  async function notePullRequestClosed(event: PullRequestClosed): Promise<void> {
    await changeTasks(briefs.findTasksByPullRequest(event.repoId, event.number), (task) => buildPullRequestClosedPatch(task, event));
  }

  /** Pull requests of the brief's delivered tasks merged or closed while the app was down: one call per task waiting for its merge. */
  async function settlePullRequestsClosedMeanwhile(brief: Brief): Promise<void> {
    const waiting = briefs.listTasks(brief.id).filter((task) => task.state === "delivered" && task.prNumber !== null);
    const octokit = waiting.length > 0 ? await deps.getOctokit(brief.installationId) : undefined;
    for (const task of waiting) {
      const repo = findTaskCodeRepo(brief, task);
      const outcome = await getPullRequestOutcome(octokit!, { owner: repo.owner, repo: repo.name }, task.prNumber!);
      if (outcome !== "open") await notePullRequestClosed({ repoId: task.prRepoId ?? repo.id, number: task.prNumber!, merged: outcome === "merged" });
    }
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
    async noteIssueClosed(event: IssueClosed): Promise<void> {
      await changeTasks(briefs.findTasksByIssue(event.owner, event.repo, event.number), (task) => buildIssueClosedPatch(task, event));
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
     * After a restart: pull requests merged or closed meanwhile are looked up, runs that
     * ended are settled, and each active brief goes on.
     */
    async resumeBriefs(): Promise<void> {
      for (const brief of briefs.listActiveBriefs()) {
        try {
          await settlePullRequestsClosedMeanwhile(brief);
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
