import type { RunEvent } from "../domain/run-event.js";
import { RunFailure } from "../domain/run-failure.js";
import type { RunStore } from "../store/run-store.js";
import type { RunHost } from "./run-host.js";
import type { RunProgress } from "./run-progress.js";

/** The app is shutting down: the run stops at this stage boundary and the next start resumes it. */
export class DrainStop extends Error {
  override readonly name = "DrainStop";
}

const AGENT_STAGES: ReadonlySet<string> = new Set(["planning", "implementing", "verifying", "delivering"]);

/**
 * Folds an executor's events into the run: its row (state, plan, progress, totals…) and
 * what its users see (the host). A stage event is a boundary: a shutdown or a stop (cancel,
 * wall clock) ends the job there, by throwing back into the executor.
 */
export function createRunEventSink(input: {
  runs: RunStore;
  runId: number;
  host: RunHost;
  progress: RunProgress;
  signal: AbortSignal;
  isDraining?: () => boolean;
}): (event: RunEvent) => Promise<void> {
  const { runs, runId, host } = input;
  return async (event) => {
    switch (event.kind) {
      case "stage":
        if (input.isDraining?.()) throw new DrainStop("The app is shutting down.");
        // Cancelled, or out of time, during a step that does not watch the signal.
        if (input.signal.aborted) throw new RunFailure("The run was stopped.");
        if (AGENT_STAGES.has(event.state)) input.progress.agentStarted = true;
        runs.transitionRun(runId, event.state, event.detail ? { detail: event.detail } : {});
        await host.publish();
        return;
      case "plan":
        runs.updateRun(runId, { plan: event.steps });
        return;
      case "progress":
        if (event.agent) input.progress.agentStarted = true;
        runs.updateRun(runId, { progress: event.message, ...(event.agent ? { usage: event.agent.usage, turns: event.agent.turn } : {}) });
        host.progress(event.message);
        return;
      case "verification":
        runs.updateRun(runId, { verification: event.verification });
        return;
      case "context":
        if (event.briefSource) runs.updateRun(runId, { briefSource: event.briefSource });
        return;
      case "note":
        runs.updateRun(runId, { notes: [...runs.getRun(runId).notes, event.text] });
        return;
      case "totals":
        runs.updateRun(runId, { usage: event.usage, costUsd: event.costUsd, turns: event.turns });
        return;
      case "model_call":
      case "tool_call":
      case "command":
        return;
    }
  };
}
