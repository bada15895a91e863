/**
 * Bounded polling for things real I/O makes true (a process started or ended, a request
 * arrived, a run reached a state). A test waits for the condition, never for a number of
 * milliseconds: the verdict must not depend on how fast the machine is.
 *
 * The timer and clock are captured when this module loads, so polling keeps working in a
 * test that fakes setTimeout and Date to drive the code under it.
 */
const realSetTimeout = globalThis.setTimeout;
const realNow = performance.now.bind(performance);

/**
 * How long a wait may take before the test fails: far above anything a loaded machine
 * needs (the conditions take milliseconds), well under the 30 s test timeout. It only
 * turns a condition that never comes true into a failure that says what was awaited.
 */
export const WAIT_LIMIT_MS = 20_000;

const POLL_MS = 10;

export interface WaitOptions {
  /** Fails after this long; default WAIT_LIMIT_MS. */
  readonly timeoutMs?: number;
  /** Run before each check, e.g. `() => vi.advanceTimersByTimeAsync(0)` to let faked timers that are due fire. */
  readonly between?: () => Promise<unknown>;
}

/** Resolves once `condition` holds; true, or false if it still does not after the limit. */
export async function pollUntil(condition: () => boolean, options: WaitOptions = {}): Promise<boolean> {
  const deadline = realNow() + (options.timeoutMs ?? WAIT_LIMIT_MS);
  for (;;) {
    await options.between?.();
    if (condition()) return true;
    if (realNow() > deadline) return false;
    await new Promise((resolve) => realSetTimeout(resolve, POLL_MS));
  }
}

/** Resolves once `condition` holds; throws, naming `what`, if it still does not after the limit. */
export async function waitFor(what: string, condition: () => boolean, options: WaitOptions = {}): Promise<void> {
  if (!(await pollUntil(condition, options))) throw new Error(`timed out waiting for ${what}`);
}

/** Resolves with the probe's first truthy value; throws, naming `what`, if there is none within the limit. */
export async function waitForValue<T>(what: string, probe: () => T | undefined | null | false, options: WaitOptions = {}): Promise<T> {
  let value: T | undefined | null | false;
  await waitFor(what, () => Boolean((value = probe())), options);
  return value as T;
}

export interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

/** A promise the test resolves itself: code under test waits on it, not on a timer, so the order of events is the test's. */
export function createGate(): Gate {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
