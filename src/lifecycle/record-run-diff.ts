import type { Logger } from "probot";
import { MAX_RUN_DIFF_BYTES, type RunDiffStore } from "../store/run-diff-store.js";
import { readWorkDiff, type ReadWorkDiffOptions } from "../workspace/workspace.js";

/**
 * Keeps the diff of the work just pushed, for the console's diff viewer. The push is what
 * counts: a diff that cannot be read is logged and the run goes on.
 */
export async function recordRunDiff(
  deps: { diffs?: RunDiffStore | undefined; log: Logger },
  runId: number,
  dir: string,
  range: { from: ReadWorkDiffOptions["from"]; head: string },
): Promise<void> {
  if (!deps.diffs) return;
  try {
    const diff = await readWorkDiff(dir, { ...range, maxBytes: MAX_RUN_DIFF_BYTES });
    deps.diffs.saveRunDiff(runId, diff);
  } catch (error) {
    deps.log.warn({ runId, err: error }, "could not record the run's diff");
  }
}
