/**
 * Holds background work back while webhooks keep arriving. Admissions (permission checks,
 * reactions, comments) run in the process that answers GitHub's deliveries; during a burst
 * each admission would delay the acknowledgements of the deliveries behind it. The gate
 * opens once no delivery has arrived for `quietMs`, or after `maxWaitMs` at the latest, so
 * a steady stream of deliveries delays feedback by a bounded amount and never starves it.
 */
export interface QuietGate {
  /** A delivery arrived. */
  noteActivity(): void;
  /** Resolves when the gate opens for a waiter that asks now; waiters are let through in order. */
  whenQuiet(): Promise<void>;
}

export interface QuietGateOptions {
  readonly quietMs: number;
  readonly maxWaitMs: number;
  /** Clock in ms, for tests. */
  readonly now?: () => number;
}

export function createQuietGate(options: QuietGateOptions): QuietGate {
  const now = options.now ?? (() => performance.now());
  let lastActivity = Number.NEGATIVE_INFINITY;
  const waiters: { deadline: number; open: () => void }[] = [];
  let timer: NodeJS.Timeout | undefined;

  const check = () => {
    timer = undefined;
    const t = now();
    const quietAt = lastActivity + options.quietMs;
    // In order: a waiter past its deadline lets everyone before it through as well.
    let through = 0;
    if (t >= quietAt) through = waiters.length;
    else for (let i = 0; i < waiters.length; i++) if (t >= waiters[i]!.deadline) through = i + 1;
    for (const waiter of waiters.splice(0, through)) waiter.open();
    if (waiters.length === 0) return;
    const next = Math.min(quietAt, waiters[0]!.deadline);
    timer = setTimeout(check, Math.max(1, Math.ceil(next - t)));
  };

  return {
    noteActivity() {
      lastActivity = now();
    },
    whenQuiet() {
      return new Promise<void>((open) => {
        waiters.push({ deadline: now() + options.maxWaitMs, open });
        if (timer === undefined) timer = setTimeout(check, 0);
      });
    },
  };
}
