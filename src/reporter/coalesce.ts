/**
 * Runs `publish` at most once per `intervalMs`, however often it is requested: the latest
 * state wins, intermediate ones are skipped. GitHub's content-creation limits make this
 * necessary for live progress.
 */
export interface Coalescer {
  /** Asks for a publish soon. */
  request(): void;
  /** Stops any pending publish and waits for one in flight. */
  cancel(): Promise<void>;
}

/** `interval` may be a function: asked each time, so the spacing can grow as a run gets older. */
export function createCoalescer(publish: () => Promise<void>, interval: number | (() => number), onError: (error: unknown) => void): Coalescer {
  const intervalOf = typeof interval === "number" ? () => interval : interval;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let lastStart = 0;
  let cancelled = false;

  const fire = () => {
    timer = undefined;
    if (cancelled) return;
    if (inFlight) {
      // Still sending the previous state: try again after the interval.
      timer = setTimeout(fire, intervalOf());
      return;
    }
    lastStart = Date.now();
    inFlight = publish()
      .catch(onError)
      .finally(() => (inFlight = undefined));
  };

  return {
    request() {
      if (cancelled || timer) return;
      const wait = Math.max(0, lastStart + intervalOf() - Date.now());
      timer = setTimeout(fire, wait);
    },
    async cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
  };
}
