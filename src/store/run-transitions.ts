import type { Run, RunTransition } from "../domain/run.js";
import { isFinalState, parseRunState, type RunState } from "../domain/run-state.js";
import type { RunQueries } from "./run-queries.js";
import type { RunStoreContext } from "./run-statements.js";

/** Moving runs between states: every move is a row with a timestamp, what the check run, comment and `/runs` render. */
export function createRunTransitions(context: RunStoreContext, queries: Pick<RunQueries, "getRun">) {
  const { db, statements, encode, stamp } = context;

  // The state and its transition row are written together, or neither is.
  const recordTransition = db.transaction((id: number, state: RunState, detail: string | null, reason: string | null) => {
    const at = stamp();
    statements.updateState.run({ id, state, at, reason, final: isFinalState(state) ? 1 : 0 });
    statements.insertTransition.run(id, state, at, detail);
  });

  /** Moves a run to `state`, recording the transition. A final state is never left. */
  function transitionRun(id: number, state: RunState, options: { detail?: string; reason?: string } = {}): Run {
    const current = queries.getRun(id);
    if (isFinalState(current.state)) {
      throw new Error(`Run #${id} already ended (${current.state}); it cannot become ${state}`);
    }
    recordTransition(id, state, encode.text(options.detail), encode.text(options.reason));
    return queries.getRun(id);
  }

  function listTransitions(id: number): RunTransition[] {
    return statements.listTransitions.all(id).map((row) => ({
      state: parseRunState(row.state),
      at: row.at,
      detail: row.detail,
    }));
  }

  /** Every run's transitions recorded after `afterId` (a row id), oldest first: what a live reader takes at each look. */
  function listTransitionsAfter(afterId: number, limit: number): { id: number; runId: number; state: RunState; at: string }[] {
    return statements.listTransitionsAfter.all(afterId, limit).map((row) => ({ id: row.id, runId: row.run_id, state: parseRunState(row.state), at: row.at }));
  }

  /** The id of the newest transition row (0: none yet): where a live reader starts. */
  function findLastTransitionId(): number {
    return statements.findLastTransition.get()?.id ?? 0;
  }

  return { transitionRun, listTransitions, listTransitionsAfter, findLastTransitionId };
}
