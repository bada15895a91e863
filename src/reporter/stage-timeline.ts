import type { RunTransition } from "../domain/run.js";
import { STAGES, isFinalState, type Stage } from "../domain/run-state.js";

export type StageStatus = "pending" | "running" | "done" | "failed" | "skipped";

export interface StageView {
  readonly stage: Stage;
  readonly status: StageStatus;
  readonly durationMs: number | null;
  readonly detail: string | null;
}

/** Derives each stage's status and duration from the run's transitions (the only source of truth). */
export function buildStageTimeline(transitions: readonly RunTransition[], now: Date): StageView[] {
  const last = transitions.at(-1);
  const ended = last !== undefined && isFinalState(last.state);
  const enteredIndexes = transitions.map((t) => STAGES.indexOf(t.state as Stage)).filter((i) => i >= 0);
  const furthest = enteredIndexes.length > 0 ? Math.max(...enteredIndexes) : -1;

  return STAGES.map((stage, index) => {
    // A resumed run enters stages again: its latest pass is the one that counts.
    const position = transitions.findLastIndex((t) => t.state === stage);
    if (position === -1) {
      const status: StageStatus = index < furthest || ended ? "skipped" : "pending";
      return { stage, status, durationMs: null, detail: null };
    }
    const entered = transitions[position]!;
    const next = transitions[position + 1];
    const endAt = next ? Date.parse(next.at) : now.getTime();
    const durationMs = endAt - Date.parse(entered.at);
    let status: StageStatus = "done";
    if (!next) status = "running";
    else if (isFinalState(next.state) && next.state !== "succeeded") status = "failed";
    return { stage, status, durationMs, detail: entered.detail };
  });
}

const STATUS_ICONS: Record<StageStatus, string> = {
  pending: "⬜",
  running: "⏳",
  done: "✅",
  failed: "❌",
  skipped: "➖",
};

export function renderStageIcon(status: StageStatus): string {
  return STATUS_ICONS[status];
}

export function renderStageName(stage: Stage): string {
  return stage.charAt(0).toUpperCase() + stage.slice(1);
}
