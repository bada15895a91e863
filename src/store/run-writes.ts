import { SqliteError } from "better-sqlite3";
import type { TokenUsage } from "../domain/usage.js";
import type { Run, RunConclusion, RunReport, RunRequest, TriggerKind, Verification } from "../domain/run.js";
import type { RunColumnEncoder } from "./run-row.js";
import type { RunQueries } from "./run-queries.js";
import type { RunStoreContext } from "./run-statements.js";

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

/** The task already has an active run; the database refused a second one. */
export class ActiveRunExistsError extends Error {
  override readonly name = "ActiveRunExistsError";
  constructor(readonly activeRun: Run) {
    super(`Run #${activeRun.id} is already active for this task (${activeRun.state}).`);
  }
}

function buildInsertParams(input: NewRun, encode: RunColumnEncoder, at: string) {
  return {
    installationId: input.installationId,
    repoId: input.request.repo.id,
    repoOwner: input.request.repo.owner,
    repoName: input.request.repo.name,
    issueRepoId: input.request.issueRepo?.id ?? null,
    issueNumber: input.request.issue.number,
    trigger: input.trigger,
    requestedBy: input.requestedBy,
    deliveryId: input.deliveryId,
    request: encode.json(input.request),
    followUpOf: input.followUpOf ?? null,
    workBranch: input.workBranch ?? null,
    at,
  };
}

/** The patch statement's parameters: null leaves a column as it is (COALESCE). */
function buildPatchParams(id: number, patch: RunPatch, encode: RunColumnEncoder, at: string) {
  return {
    id,
    at,
    workBranch: patch.workBranch ?? null,
    prNumber: patch.prNumber ?? null,
    prNodeId: patch.prNodeId ?? null,
    checkRunId: patch.checkRunId ?? null,
    statusCommentId: patch.statusCommentId ?? null,
    headSha: patch.headSha ?? null,
    summary: encode.text(patch.summary),
    inputTokens: patch.usage?.inputTokens ?? null,
    outputTokens: patch.usage?.outputTokens ?? null,
    cacheReadTokens: patch.usage?.cacheReadTokens ?? null,
    cacheWriteTokens: patch.usage?.cacheWriteTokens ?? null,
    costUsd: patch.usage === null ? null : (patch.costUsd ?? null),
    // Unreported usage is stored as 0 so it reads back as unknown, not as zero tokens.
    usageReported: patch.usage === undefined ? null : patch.usage === null ? 0 : 1,
    turns: patch.turns ?? null,
    plan: encode.json(patch.plan),
    verification: encode.json(patch.verification),
    report: encode.json(patch.report),
    briefSource: encode.text(patch.briefSource),
    notes: encode.json(patch.notes),
    conclusion: patch.conclusion ?? null,
    progress: encode.text(patch.progress),
    cancelledBy: patch.cancelledBy ?? null,
  };
}

/** Writing runs: a queued run with its first transition, patches, heartbeats and resumptions. */
export function createRunWrites(context: RunStoreContext, queries: Pick<RunQueries, "getRun" | "findActiveRun">) {
  const { db, statements, encode, stamp } = context;

  // The run and its "queued" transition are written together, or neither is.
  const insertQueuedRun = db.transaction((input: NewRun): number => {
    const at = stamp();
    const info = statements.insertRun.run(buildInsertParams(input, encode, at));
    const id = Number(info.lastInsertRowid);
    statements.insertTransition.run(id, "queued", at, encode.text(`requested by @${input.requestedBy} (${input.trigger})`));
    return id;
  });

  /** Records a queued run; throws ActiveRunExistsError when the task already has an active one. */
  function createRun(input: NewRun): Run {
    try {
      return queries.getRun(insertQueuedRun(input));
    } catch (error) {
      // The one-active-run-per-task index refused it: say which run holds the task.
      if (error instanceof SqliteError && error.code === "SQLITE_CONSTRAINT_UNIQUE") {
        const active = queries.findActiveRun(input.request.issueRepo?.id ?? input.request.repo.id, input.request.issue.number);
        if (active) throw new ActiveRunExistsError(active);
      }
      throw error;
    }
  }

  function updateRun(id: number, patch: RunPatch): Run {
    statements.patchRun.run(buildPatchParams(id, patch, encode, stamp()));
    return queries.getRun(id);
  }

  /** Records that the run's worker is alive. */
  function touchHeartbeat(id: number): void {
    statements.touchHeartbeat.run(stamp(), id);
  }

  /** Counts a resumption, so a second interruption ends the run instead of looping. */
  function markResumed(id: number): Run {
    statements.markResumed.run(stamp(), id);
    return queries.getRun(id);
  }

  return { createRun, updateRun, touchHeartbeat, markResumed };
}
