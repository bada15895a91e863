/**
 * Where a run's stages can execute: in the app's process, in a runner process over the
 * runner protocol, or in a GitHub Actions job of the repository (a runner too).
 */
export const EXECUTOR_NAMES = ["local", "process", "actions"] as const;

export type ExecutorName = (typeof EXECUTOR_NAMES)[number];
