/**
 * Why a run's AbortSignal fired. A user's cancel ends the run as cancelled; a shutdown
 * leaves it active, to be resumed by the next start; a spent wall-clock budget ends it as
 * timed out, whatever it was doing (checkout, setup, the agent, the app's test runs).
 */
export type StopReason =
  /** `why`: the reason in words, when it is not simply someone's cancel (the app uninstalled, …). */
  | { readonly kind: "cancel"; readonly by: string; readonly why?: string }
  | { readonly kind: "shutdown" }
  | { readonly kind: "timeout"; readonly limitMs: number };

export function readStopReason(signal: AbortSignal): StopReason | null {
  if (!signal.aborted) return null;
  const reason = signal.reason as Partial<Record<string, unknown>> | undefined;
  if (reason?.["kind"] === "cancel" && typeof reason["by"] === "string") {
    return { kind: "cancel", by: reason["by"], ...(typeof reason["why"] === "string" ? { why: reason["why"] } : {}) };
  }
  if (reason?.["kind"] === "shutdown") return { kind: "shutdown" };
  if (reason?.["kind"] === "timeout" && typeof reason["limitMs"] === "number") return { kind: "timeout", limitMs: reason["limitMs"] };
  return null;
}

/** The reason a stopped run gives its user; `stage` is where it was when it stopped. */
export function renderStopReason(stop: Exclude<StopReason, { kind: "shutdown" }>, stage: string): string {
  if (stop.kind === "cancel") return stop.why ?? `Cancelled by @${stop.by}.`;
  return `The run's time budget (${formatMinutes(stop.limitMs)} of wall-clock time, from \`budgets.minutes\` in .github/hamster.yml or the installation's defaults, else the app's HAMSTER_RUN_MINUTES) ran out while it was ${stage}. It covers the whole run: checkout, setup, the agent and the test runs. Raise the budget or split the task into smaller issues.`;
}

function formatMinutes(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes >= 1) return `${Number.isInteger(minutes) ? minutes : minutes.toFixed(1)} min`;
  return `${Math.round(ms / 1000)} s`;
}
