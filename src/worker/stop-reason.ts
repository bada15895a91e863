/**
 * Why a run's AbortSignal fired. A user's cancel ends the run as cancelled; a shutdown
 * leaves it active, to be resumed by the next start.
 */
export type StopReason = { readonly kind: "cancel"; readonly by: string } | { readonly kind: "shutdown" };

export function readStopReason(signal: AbortSignal): StopReason | null {
  if (!signal.aborted) return null;
  const reason = signal.reason as Partial<StopReason> | undefined;
  if (reason?.kind === "cancel" && typeof reason.by === "string") return { kind: "cancel", by: reason.by };
  if (reason?.kind === "shutdown") return { kind: "shutdown" };
  return null;
}
