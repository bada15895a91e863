import type { ExecutorName } from "./executor-name.js";
import type { RunSettings } from "./run.js";

/** A run's budgets as a repository or an installation sets them: every key optional. */
export type RunBudgets = RunSettings["budgets"];

/**
 * An installation's own defaults for its runs, set by its admins in the console. They sit
 * between a repository's `.github/hamster.yml` and the app's defaults: a repository that
 * says nothing about a key takes the installation's value.
 */
export interface InstallationDefaults {
  readonly agent?: string;
  readonly model?: string;
  readonly executor?: ExecutorName;
  readonly budgets: RunBudgets;
}

/** The defaults as stored, with who changed them last and when. */
export interface InstallationDefaultsRecord extends InstallationDefaults {
  readonly installationId: number;
  readonly updatedAt: string;
  /** The GitHub login of the admin who saved them. */
  readonly updatedBy: string;
}
