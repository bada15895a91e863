/** The name of every check run the app creates; the app finds its own by it. */
export const CHECK_RUN_NAME = "Hamster";

export type CheckConclusion = "success" | "failure" | "neutral" | "cancelled" | "timed_out";

export interface CheckRunOutput {
  readonly title: string;
  readonly summary: string;
  readonly text?: string;
}

export interface CheckAction {
  readonly label: string;
  readonly description: string;
  readonly identifier: CheckActionId;
}

export type CheckActionId = "cancel" | "retry";
