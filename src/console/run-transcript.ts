import type { RunEvent } from "../domain/run-event.js";
import type { StoredRunEvent } from "../store/run-event-store.js";

export type ModelCallEvent = Extract<RunEvent, { kind: "model_call" }>;
export type ToolCallEvent = Extract<RunEvent, { kind: "tool_call" }>;

export interface TranscriptToolCall {
  /** The event's row id: the page and the live stream name the same entry by it. */
  readonly id: number;
  readonly at: string;
  readonly event: ToolCallEvent;
}

/** One turn of the agent: a model call and the tool calls it asked for. */
export interface TranscriptTurn {
  /** `<attempt>-<turn>`: the turn's element id on the page is `turn-<key>`. */
  readonly key: string;
  readonly attempt: number;
  readonly turn: number;
  /** Null when the log has the turn's tool calls but not its model call (a runner's calls metered elsewhere). */
  readonly call: ModelCallEvent | null;
  readonly callId: number | null;
  readonly at: string;
  readonly tools: TranscriptToolCall[];
}

/** Where a turn's entries go on the page: the same for the whole log and for one event. */
export function renderTurnKey(attempt: number, turn: number): string {
  return `${attempt}-${turn}`;
}

/**
 * The agent's transcript from the run's event log: each model call with the tool calls it asked
 * for (matched by attempt and turn), in the order the turns began. Other events are not turns.
 */
export function buildTranscript(events: readonly StoredRunEvent[]): TranscriptTurn[] {
  const turns = new Map<string, { key: string; attempt: number; turn: number; call: ModelCallEvent | null; callId: number | null; at: string; tools: TranscriptToolCall[] }>();
  const turnOf = (stored: StoredRunEvent, turn: number) => {
    const key = renderTurnKey(stored.attempt, turn);
    let entry = turns.get(key);
    if (!entry) {
      entry = { key, attempt: stored.attempt, turn, call: null, callId: null, at: stored.at, tools: [] };
      turns.set(key, entry);
    }
    return entry;
  };
  for (const stored of events) {
    const event = stored.event;
    if (event.kind === "model_call") {
      const entry = turnOf(stored, event.turn);
      // A call asked again under the same number (a resent batch is stored once; this is another call): the latest counts.
      entry.call = event;
      entry.callId = stored.id;
    } else if (event.kind === "tool_call") {
      turnOf(stored, event.turn).tools.push({ id: stored.id, at: stored.at, event });
    }
  }
  return [...turns.values()];
}
