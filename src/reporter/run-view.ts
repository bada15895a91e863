import type { RecordedRunEvent } from "../domain/run-event.js";
import type { Run, RunTransition } from "../domain/run.js";

/** Everything a renderer needs to draw a run; renderers are pure functions of it. */
export interface RunView {
  readonly run: Run;
  readonly transitions: readonly RunTransition[];
  readonly now: Date;
  /** Files the run changed, once known. */
  readonly files?: readonly string[];
  /** The run's most recent events, oldest first, and how many model calls it made in all. */
  readonly activity?: { readonly events: readonly RecordedRunEvent[]; readonly modelCalls: number };
  readonly links?: {
    readonly pullRequest?: string;
    readonly checkRun?: string;
    /** The run's page in the web console, when it is on. */
    readonly runPage?: string;
  };
}
