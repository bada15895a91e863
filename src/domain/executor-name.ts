/** Where a run's stages can execute: in the app's process, or in a runner process over the runner protocol. */
export const EXECUTOR_NAMES = ["local", "process"] as const;

export type ExecutorName = (typeof EXECUTOR_NAMES)[number];
