/** What a run has done to the outside world so far, so that a failure is tidied up precisely. */
export interface RunProgress {
  readonly workdir: string;
  startSha?: string;
  baseSha?: string;
  branchCreated: boolean;
  /** The agent has been at work: the checkout may hold work worth saving. */
  agentStarted: boolean;
  /** The agent's work, committed locally. */
  localWorkSha?: string;
  workPushed: boolean;
  /** Set when work could not be pushed: the checkout is the only copy left. */
  keepWorkspace: boolean;
  files: readonly string[];
}

export function createRunProgress(workdir: string): RunProgress {
  return { workdir, branchCreated: false, agentStarted: false, workPushed: false, keepWorkspace: false, files: [] };
}
