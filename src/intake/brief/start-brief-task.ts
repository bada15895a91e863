import type { Run } from "../../domain/run.js";
import { renderRunPageUrl } from "../../reporter/run-page-link.js";
import { createRunReporter } from "../../reporter/run-reporter.js";
import type { Brief, BriefTask } from "../../store/brief-store.js";
import { ActiveRunExistsError } from "../../store/run-writes.js";
import type { BriefClient, BriefDependencies } from "./brief-dependencies.js";
import { buildTaskRequest } from "./task-request.js";

/** How a task starts: on which blocker's branch, if stacked, and who `/retry`-ed it, if anyone. */
export interface TaskStart {
  readonly stackedOn: BriefTask | undefined;
  /** Set: the run is a retry by this login rather than a run of the brief's trigger. */
  readonly retriedBy: string | undefined;
}

/** The task's new run; an active run of its issue (someone started it by hand) is adopted instead. Undefined: none could be recorded. */
function createTaskRun(deps: BriefDependencies, brief: Brief, task: BriefTask, start: TaskStart): { run: Run; adopted: boolean } | undefined {
  const request = buildTaskRequest(brief, task, start.stackedOn?.workBranch ?? null);
  const { retriedBy } = start;
  try {
    const run = deps.runs.createRun({ installationId: brief.installationId, trigger: retriedBy ? "retry" : brief.trigger, requestedBy: retriedBy ?? brief.requestedBy, deliveryId: null, request });
    return { run, adopted: false };
  } catch (error) {
    if (error instanceof ActiveRunExistsError) return { run: error.activeRun, adopted: true };
    deps.log.error({ brief: brief.issueNumber, task: task.taskId, err: error }, "could not start a task of the brief");
    deps.briefs.updateTask(brief.id, task.taskId, { state: "failed", note: "its run could not be started" });
    return undefined;
  }
}

/** Writes the new run's status comment on its issue, then queues it. */
async function announceAndEnqueue(deps: BriefDependencies, client: BriefClient, run: Run): Promise<void> {
  try {
    const octokit = await client();
    await createRunReporter({ octokit, runs: deps.runs, runPageUrl: (id) => renderRunPageUrl(deps.settings, id) }).createStatusComment(run.id);
  } catch (error) {
    deps.log.warn({ runId: run.id, err: error }, "could not write the status comment of a brief task");
  } finally {
    // Recorded: it runs even if its status comment could not be written now.
    deps.enqueue(run.id);
  }
}

/**
 * A normal run of the task's issue, with the brief's parameters, reading the brief; stacked,
 * it starts from its blocker's branch and its pull request targets it. A run of the issue
 * already active is taken as the task's: it has its own status comment and worker already.
 */
export async function startBriefTask(deps: BriefDependencies, client: BriefClient, brief: Brief, task: BriefTask, start: TaskStart): Promise<void> {
  const created = createTaskRun(deps, brief, task, start);
  if (!created) return;
  const { run, adopted } = created;
  deps.briefs.recordTaskRun(brief.id, task.taskId, run.id);
  deps.log.info({ brief: brief.issueNumber, task: task.taskId, runId: run.id, adopted, stackedOn: start.stackedOn?.taskId }, "brief task started");
  if (!adopted) await announceAndEnqueue(deps, client, run);
}
