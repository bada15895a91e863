import type { Budgets } from "../agent/provider.js";
import type { AppSettings } from "../config/env.js";
import type { Run } from "../domain/run.js";
import type { RunState, Stage } from "../domain/run-state.js";

/** Where a resumed run starts again: after its last completed stage. */
export function decideResumeStage(interrupted: RunState, hasPlan: boolean): Stage {
  switch (interrupted) {
    case "queued":
    case "preparing":
    case "planning":
      return hasPlan ? "implementing" : "planning";
    case "delivering":
      // The agent's report is cheap to redo, and the tests must run on the salvaged work.
      return "verifying";
    case "implementing":
    case "verifying":
      return hasPlan ? interrupted : "planning";
    default:
      return "planning";
  }
}

/** The run's budgets: the repository's settings over the app's defaults. */
export function resolveBudgets(run: Run, settings: AppSettings): Budgets {
  const b = run.request.settings?.budgets ?? {};
  return {
    turns: b.turns ?? settings.maxTurns,
    ...(b.inputTokens !== undefined ? { inputTokens: b.inputTokens } : {}),
    ...(b.outputTokens !== undefined ? { outputTokens: b.outputTokens } : {}),
    ...(b.costUsd !== undefined ? { costUsd: b.costUsd } : {}),
  };
}

/** The run's wall-clock budget: the repository's `budgets.minutes`, else HAMSTER_RUN_MINUTES. It covers the whole run. */
export function resolveWallClockMs(run: Run, settings: AppSettings): number {
  return (run.request.settings?.budgets.minutes ?? settings.runMinutes) * 60_000;
}

export function renderCommitMessage(title: string, issueNumber: number, runId: number): string {
  return issueNumber > 0 ? `${title}\n\nDelivered by Hamster run #${runId} for #${issueNumber}.` : `${title}\n\nDelivered by Hamster run #${runId}.`;
}
