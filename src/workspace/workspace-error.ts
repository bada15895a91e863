export type WorkspaceErrorCode = "clone_failed" | "base_branch_missing" | "push_rejected" | "git_failed";

export interface WorkspaceErrorContext {
  /** The git subcommand that failed, e.g. `push`. */
  command?: string;
  /** What git printed, token already redacted. */
  gitOutput?: string;
  /** The branch the failure is about, when there is one. */
  branch?: string;
  cause?: unknown;
}

/**
 * A git operation on a run's checkout failed. `message` is written for the person who
 * asked for the run (the worker shows it as is); it never contains a token.
 */
export class WorkspaceError extends Error {
  override readonly name = "WorkspaceError";
  readonly code: WorkspaceErrorCode;
  readonly command: string | undefined;
  readonly gitOutput: string | undefined;
  readonly branch: string | undefined;

  constructor(code: WorkspaceErrorCode, message: string, context: WorkspaceErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.command = context.command;
    this.gitOutput = context.gitOutput;
    this.branch = context.branch;
  }
}
