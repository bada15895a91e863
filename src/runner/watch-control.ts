import { MAX_CONTROL_WAIT_MS } from "./protocol.js";
import { ProtocolError, type ProtocolClient } from "./protocol-client.js";

export interface ControlWatchOptions {
  readonly client: Pick<ProtocolClient, "heartbeat" | "waitForControl">;
  /**
   * The job must stop: the app said so (`lost` false), or it refused the credential or could
   * not be reached for `giveUpAfterMs` (`lost` true: nobody will take the result).
   */
  readonly onStop: (reason: string, lost: boolean) => void;
  /** Default 10 s. */
  readonly heartbeatMs?: number;
  /** Default 120 s: twice what the app waits before it presumes the runner dead. */
  readonly giveUpAfterMs?: number;
  /** Between failed long-polls. Default 1 s. */
  readonly retryDelayMs?: number;
}

export interface ControlWatch {
  /** Ends the long-poll and the heartbeats. */
  close(): void;
}

/**
 * Keeps the runner in touch with the app while it works: a heartbeat every 10 s, and a
 * long-poll on `control` held up to 2 s at a time, so that a cancel reaches the runner within
 * about 2 s. Calls onStop once.
 */
export function watchControl(options: ControlWatchOptions): ControlWatch {
  const { client } = options;
  const giveUpAfterMs = options.giveUpAfterMs ?? 120_000;
  let closed = false;
  const closing = new AbortController();
  let stopped = false;
  let lastContact = Date.now();
  const stop = (reason: string, lost: boolean) => {
    if (stopped || closed) return;
    stopped = true;
    options.onStop(reason, lost);
  };
  const heard = (answer: { stop: string | null }) => {
    lastContact = Date.now();
    if (answer.stop !== null) stop(answer.stop, false);
  };
  const failed = (error: unknown) => {
    if (error instanceof ProtocolError && error.status === 401) stop(`The app no longer accepts this runner: ${error.message}`, true);
    else if (Date.now() - lastContact > giveUpAfterMs) stop(`The app could not be reached for ${Math.round(giveUpAfterMs / 1000)} s: ${error instanceof Error ? error.message : String(error)}`, true);
  };

  const poll = async () => {
    while (!closed && !stopped) {
      try {
        heard(await client.waitForControl(MAX_CONTROL_WAIT_MS, closing.signal));
      } catch (error) {
        failed(error);
        if (!closed && !stopped) await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 1_000));
      }
    }
  };
  void poll();
  // Heartbeats go on after a stop: the runner is still sending its partial work.
  const heartbeat = setInterval(() => {
    client.heartbeat().then(heard, failed);
  }, options.heartbeatMs ?? 10_000);

  return {
    close() {
      closed = true;
      clearInterval(heartbeat);
      closing.abort();
    },
  };
}
