import type { Run } from "../domain/run.js";
import type { RunDiffStore } from "../store/run-diff-store.js";
import type { RunEventStore, StoredRunEvent } from "../store/run-event-store.js";
import type { RunStore } from "../store/run-store.js";
import { ConsoleNotFound, type ConsoleContext } from "./console-request.js";
import type { RunPageState } from "./run-page-view.js";

/**
 * The run a console address names, when the signed-in user can reach its repository through
 * its installation; anything else (no such run, a malformed id, another installation's run) is
 * ConsoleNotFound, so an outsider cannot tell a hidden run from a missing one.
 */
export async function findVisibleRun(runs: Pick<RunStore, "getRun">, ctx: Pick<ConsoleContext, "access">, idParam: string | undefined): Promise<Run> {
  if (idParam === undefined || !/^[1-9]\d{0,14}$/.test(idParam)) throw new ConsoleNotFound();
  let run: Run;
  try {
    run = runs.getRun(Number(idParam));
  } catch {
    throw new ConsoleNotFound();
  }
  if (!(await ctx.access.canSeeRepo(run.installationId, run.repoId))) throw new ConsoleNotFound();
  return run;
}

/** The rows the run page's live parts are drawn from, read now. */
export function readRunPageState(
  deps: { runs: Pick<RunStore, "getRun" | "listTransitions">; events: Pick<RunEventStore, "getRunEventTotals">; diffs: Pick<RunDiffStore, "findRunDiffSummary"> },
  runId: number,
  now: Date = new Date(),
): RunPageState {
  return {
    run: deps.runs.getRun(runId),
    transitions: deps.runs.listTransitions(runId),
    totals: deps.events.getRunEventTotals(runId),
    diff: deps.diffs.findRunDiffSummary(runId),
    now,
  };
}

/** Most events one page shows: far beyond a long run's log, short of a page no browser can hold. */
export const MAX_PAGE_EVENTS = 50_000;
const BATCH = 5_000;

/** The run's event log from after `afterId`, oldest first (by attempt, then seq), at most MAX_PAGE_EVENTS. */
export function readRunLog(events: Pick<RunEventStore, "listRunEvents">, runId: number, afterId = 0): StoredRunEvent[] {
  const all: StoredRunEvent[] = [];
  for (let cursor = afterId; all.length < MAX_PAGE_EVENTS; ) {
    const page = events.listRunEvents(runId, { afterId: cursor, limit: BATCH });
    // No row after the cursor: the end of the log (a page of unreadable rows still moves it on).
    if (page.lastId === cursor) break;
    all.push(...page.events);
    cursor = page.lastId;
  }
  return all.sort((a, b) => a.attempt - b.attempt || a.seq - b.seq);
}
