import type { RunEvent } from "../domain/run-event.js";
import type { ProtocolClient } from "./protocol-client.js";
import type { SequencedEvent } from "./protocol.js";

/** The control plane refused a stage: the job must stop (`message` says why). */
export class JobStopped extends Error {
  override readonly name = "JobStopped";
}

export interface EventSender {
  /**
   * Numbers the event and queues it. A stage event is sent at once with everything before
   * it, and awaited: it is where the control plane may stop the job, which rejects with
   * JobStopped. Other events go out in batches shortly after.
   */
  emit(event: RunEvent): Promise<void>;
  /** Sends everything queued; rejects when the app could not be reached. */
  flush(): Promise<void>;
}

export interface EventSenderOptions {
  readonly client: Pick<ProtocolClient, "postEvents">;
  /** Told of a stop the app answered with. */
  readonly onStop: (reason: string) => void;
  /** How long an event may wait for others to share its request. Default 250 ms. */
  readonly batchDelayMs?: number;
  /** Most events per request. Default 200. */
  readonly maxBatch?: number;
  readonly now?: () => Date;
}

/**
 * The runner's JobIo.emit over the protocol: events are numbered 1, 2, 3… and sent in
 * order, one request at a time; a batch whose answer was lost is sent again as it was, and
 * the app skips what it has applied already.
 */
export function createEventSender(options: EventSenderOptions): EventSender {
  const maxBatch = options.maxBatch ?? 200;
  const now = options.now ?? (() => new Date());
  const pending: SequencedEvent[] = [];
  let nextSeq = 1;
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> = Promise.resolve();
  let stop: string | null = null;

  const sendPending = async (): Promise<void> => {
    while (pending.length > 0) {
      const batch = pending.slice(0, maxBatch);
      const answer = await options.client.postEvents(batch);
      // Whatever the app has applied is done with, this batch or not.
      while (pending.length > 0 && pending[0]!.seq <= answer.applied) pending.shift();
      if (answer.stop !== null && stop === null) {
        stop = answer.stop;
        options.onStop(answer.stop);
      }
      if (answer.applied < batch.at(-1)!.seq) throw new Error(`The app applied events up to ${answer.applied} of ${batch.at(-1)!.seq}.`);
    }
  };
  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    const next = sending.then(sendPending, sendPending);
    sending = next.catch(() => undefined);
    return next;
  };

  return {
    async emit(event) {
      pending.push({ seq: nextSeq++, at: now().toISOString(), event });
      if (event.kind !== "stage") {
        if (pending.length >= maxBatch) void flush().catch(() => undefined);
        else timer ??= setTimeout(() => void flush().catch(() => undefined), options.batchDelayMs ?? 250);
        return;
      }
      await flush();
      if (stop !== null) throw new JobStopped(stop);
    },
    flush,
  };
}
