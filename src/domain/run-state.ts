/** Run states, in the order a successful run passes through them. */
export const STAGES = ["preparing", "planning", "implementing", "verifying", "delivering"] as const;
export type Stage = (typeof STAGES)[number];

export const ACTIVE_STATES = ["queued", ...STAGES] as const;
export const FINAL_STATES = ["succeeded", "failed", "cancelled", "timed_out"] as const;

export type ActiveState = (typeof ACTIVE_STATES)[number];
export type FinalState = (typeof FINAL_STATES)[number];
export type RunState = ActiveState | FinalState;

export function isFinalState(state: RunState): state is FinalState {
  return (FINAL_STATES as readonly string[]).includes(state);
}

export function isStage(state: RunState): state is Stage {
  return (STAGES as readonly string[]).includes(state);
}

export function parseRunState(value: string): RunState {
  if ((ACTIVE_STATES as readonly string[]).includes(value) || (FINAL_STATES as readonly string[]).includes(value)) {
    return value as RunState;
  }
  throw new Error(`Unknown run state "${value}" in the database`);
}
