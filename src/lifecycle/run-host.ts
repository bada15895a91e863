import type { PreparedCheckout } from "../workspace/workspace.js";

/**
 * Where a run is shown and delivered. The pipeline (execute-run.ts) is the same for the
 * GitHub App and for `hamster run` on a local repository; only the host differs.
 */
export interface RunHost {
  /** Credentials for the remote; undefined for a local repository. */
  getGitToken(): Promise<string | undefined>;
  /** Another issue of the repository (for a brief that links one); null when there is none or no GitHub. */
  getIssue(issueNumber: number): Promise<{ title: string; body: string | null } | null>;
  /** The issue's comments that may reach the agent: by its author or by people with write access. */
  getTaskComments(): Promise<{ author: string; body: string }[]>;
  /** The checkout exists and its start commit is pushed: open the pull request and the first check run. */
  opened(prepared: PreparedCheckout): Promise<void>;
  /** Shows the run's current state; called after every transition. */
  publish(): Promise<void>;
  /** A live progress line; the host decides how often it is shown. */
  progress(message: string): void;
  /** The work is pushed; the run is about to succeed: describe it on the pull request. */
  deliver(outcome: { files: readonly string[]; ready: boolean }): Promise<void>;
  /** The run has ended (any state): final reports, cleanup of what the run opened and left empty. */
  concluded(outcome: {
    files: readonly string[];
    headSha: string | null;
    workPushed: boolean;
    branchCreated: boolean;
    /** For a delivered run: the files this run changed (`files` is the whole pull request's). */
    runFiles?: readonly string[];
  }): Promise<void>;
}
