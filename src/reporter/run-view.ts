import type { Run, RunTransition } from "../domain/run.js";

/** Everything a renderer needs to draw a run; renderers are pure functions of it. */
export interface RunView {
  readonly run: Run;
  readonly transitions: readonly RunTransition[];
  readonly now: Date;
  /** Files the run changed, once known. */
  readonly files?: readonly string[];
  readonly links?: {
    readonly pullRequest?: string;
    readonly checkRun?: string;
  };
}
