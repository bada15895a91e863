import type { Run } from "../domain/run.js";
import type { RunStore } from "../store/run-store.js";

/** The run that opened a pull request: the first of its chain of follow-ups. */
export function findOpeningRun(deps: { readonly runs: Pick<RunStore, "getRun"> }, run: Run): Run {
  let current = run;
  for (let hops = 0; current.followUpOf !== null && hops < 1000; hops++) current = deps.runs.getRun(current.followUpOf);
  return current;
}
