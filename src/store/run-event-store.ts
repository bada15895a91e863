import type { RecordedRunEvent, RunEvent } from "../domain/run-event.js";
import type { TokenUsage } from "../domain/usage.js";
import { mapStrings } from "../security/map-strings.js";
import type { SqliteDatabase } from "./database.js";
import { parseRunEvent } from "./run-event-schema.js";

/** One event of a batch, as an executor numbered it within its attempt. */
export interface RunEventInput {
  /** 1, 2, 3… within the attempt. */
  readonly seq: number;
  /** ISO time the executor produced it. */
  readonly at: string;
  readonly event: RunEvent;
}

/** What a batch did to the log. */
export interface AppendResult {
  readonly inserted: number;
  /** Events already stored with the same content: a batch sent again. */
  readonly duplicates: number;
  /** Seqs already stored with other content; the first stored stays, the new one is dropped. */
  readonly conflicts: readonly number[];
}

/** A stored event with its row id: ids grow as rows are stored, so a reader pages or tails by id. */
export interface StoredRunEvent extends RecordedRunEvent {
  readonly id: number;
}

export interface RunEventPage {
  /** Sorted by attempt, then seq. */
  readonly events: readonly StoredRunEvent[];
  /** The highest id read (also of rows skipped as unreadable): the next page's `afterId`. */
  readonly lastId: number;
}

/** What renderers show of a run's model and tool calls, over all its attempts. */
export interface RunEventTotals {
  readonly modelCalls: number;
  /** Model calls whose usage the agent reported. */
  readonly modelCallsWithUsage: number;
  /** Summed over the calls that reported it; null when there were calls and none did. */
  readonly usage: TokenUsage | null;
  readonly costUsd: number | null;
  readonly toolCalls: number;
  readonly toolErrors: number;
}

/** An event the log refuses to store: the whole batch is refused with it, nothing is written. */
export class InvalidRunEventError extends Error {
  override readonly name = "InvalidRunEventError";
  constructor(
    readonly seq: number,
    readonly reason: string,
  ) {
    super(`Run event ${seq} cannot be stored: ${reason}`);
  }
}

export interface RunEventStoreOptions {
  /** Applied to every string inside an event before it is stored, so no secret reaches the file. */
  readonly redact: (text: string) => string;
  /** Told about rows that no longer read as a known event (they are skipped). */
  readonly log?: { warn(details: Record<string, unknown>, message: string): void };
}

/** Longest stored event (JSON characters): an output tail or a detail is a tail, never a whole log. */
export const MAX_EVENT_JSON_CHARS = 64 * 1024;
const DEFAULT_PAGE_SIZE = 500;
const MAX_PAGE_SIZE = 5_000;

interface EventRow {
  id: number;
  run_id: number;
  attempt: number;
  seq: number;
  at: string;
  data: string;
}

interface TotalsRow {
  modelCalls: number | null;
  withUsage: number | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  withCost: number | null;
  toolCalls: number | null;
  toolErrors: number | null;
}

export type RunEventStore = ReturnType<typeof createRunEventStore>;

/** The only SQL about run events. */
export function createRunEventStore(db: SqliteDatabase, options: RunEventStoreOptions) {
  const { redact, log } = options;
  const insertStatement = db.prepare(
    `INSERT OR IGNORE INTO run_events (run_id, attempt, seq, at, kind, data) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const findDataStatement = db.prepare<[number, number, number], { data: string }>(
    `SELECT data FROM run_events WHERE run_id = ? AND attempt = ? AND seq = ?`,
  );
  const pageStatement = db.prepare<[number, number, number], EventRow>(
    `SELECT id, run_id, attempt, seq, at, data FROM run_events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?`,
  );
  const lastSeqStatement = db.prepare<[number, number], { seq: number | null }>(`SELECT MAX(seq) AS seq FROM run_events WHERE run_id = ? AND attempt = ?`);
  const afterStatement = db.prepare<[number, number], EventRow>(
    `SELECT id, run_id, attempt, seq, at, data FROM run_events WHERE id > ? ORDER BY id LIMIT ?`,
  );
  const lastIdStatement = db.prepare<[], { id: number | null }>(`SELECT MAX(id) AS id FROM run_events`);
  const recentStatement = db.prepare<[number, number], EventRow>(
    `SELECT id, run_id, attempt, seq, at, data FROM run_events WHERE run_id = ? ORDER BY id DESC LIMIT ?`,
  );
  const totalsStatement = db.prepare<[number], TotalsRow>(`
    SELECT
      SUM(kind = 'model_call') AS modelCalls,
      SUM(kind = 'model_call' AND json_extract(data, '$.usage') IS NOT NULL) AS withUsage,
      TOTAL(CASE WHEN kind = 'model_call' THEN json_extract(data, '$.usage.inputTokens') END) AS inputTokens,
      TOTAL(CASE WHEN kind = 'model_call' THEN json_extract(data, '$.usage.outputTokens') END) AS outputTokens,
      TOTAL(CASE WHEN kind = 'model_call' THEN json_extract(data, '$.usage.cacheReadTokens') END) AS cacheReadTokens,
      TOTAL(CASE WHEN kind = 'model_call' THEN json_extract(data, '$.usage.cacheWriteTokens') END) AS cacheWriteTokens,
      TOTAL(CASE WHEN kind = 'model_call' THEN json_extract(data, '$.costUsd') END) AS costUsd,
      SUM(kind = 'model_call' AND json_extract(data, '$.costUsd') IS NOT NULL) AS withCost,
      SUM(kind = 'tool_call') AS toolCalls,
      SUM(kind = 'tool_call' AND json_extract(data, '$.outcome') = 'error') AS toolErrors
    FROM run_events WHERE run_id = ?`);

  /**
   * The event as it is stored: redacted and checked. The schema's output lists fields in its
   * own order, whatever the input's, so equal events serialise to equal text.
   */
  function prepare(item: RunEventInput): { kind: string; data: string } {
    if (!Number.isSafeInteger(item.seq) || item.seq < 1) throw new InvalidRunEventError(item.seq, "seq must be a positive integer");
    if (typeof item.at !== "string" || Number.isNaN(Date.parse(item.at))) throw new InvalidRunEventError(item.seq, "at must be an ISO time");
    const parsed = parseRunEvent(mapStrings(item.event, redact));
    if (!parsed.ok) throw new InvalidRunEventError(item.seq, parsed.error);
    const data = JSON.stringify(parsed.event);
    if (data.length > MAX_EVENT_JSON_CHARS) {
      throw new InvalidRunEventError(item.seq, `it is ${data.length} characters of JSON, more than ${MAX_EVENT_JSON_CHARS}`);
    }
    return { kind: parsed.event.kind, data };
  }

  const appendBatch = db.transaction((runId: number, attempt: number, rows: { seq: number; at: string; kind: string; data: string }[]): AppendResult => {
    let inserted = 0;
    let duplicates = 0;
    const conflicts: number[] = [];
    for (const row of rows) {
      if (insertStatement.run(runId, attempt, row.seq, row.at, row.kind, row.data).changes === 1) {
        inserted += 1;
      } else if (findDataStatement.get(runId, attempt, row.seq)?.data === row.data) {
        duplicates += 1;
      } else {
        conflicts.push(row.seq);
      }
    }
    return { inserted, duplicates, conflicts };
  });

  /**
   * Stores a batch of one attempt's events in one transaction. An event whose (attempt, seq)
   * is already stored is not written again: a batch resent after a lost answer changes
   * nothing, and one that says something else under a stored seq is reported as a conflict,
   * never overwrites. Throws InvalidRunEventError (storing nothing) for an event it cannot store.
   */
  function appendRunEvents(runId: number, attempt: number, events: readonly RunEventInput[]): AppendResult {
    if (!Number.isSafeInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a positive integer, not ${attempt}`);
    const rows = events.map((item) => ({ seq: item.seq, at: item.at, ...prepare(item) }));
    return appendBatch(runId, attempt, rows);
  }

  /** The run's events stored after `afterId` (0: from the start), at most `limit` of them. */
  function listRunEvents(runId: number, page: { afterId?: number; limit?: number } = {}): RunEventPage {
    const afterId = page.afterId ?? 0;
    const limit = Math.min(Math.max(1, Math.floor(page.limit ?? DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE);
    const rows = pageStatement.all(runId, afterId, limit);
    return { events: readRows(rows), lastId: rows.at(-1)?.id ?? afterId };
  }

  /**
   * Every run's events stored after `afterId`, in the order they were stored, at most `limit`:
   * what a live reader of the whole log (the console's feed) takes at each look.
   */
  function listEventsAfter(afterId: number, limit: number = DEFAULT_PAGE_SIZE): RunEventPage {
    const rows = afterStatement.all(afterId, Math.min(Math.max(1, Math.floor(limit)), MAX_PAGE_SIZE));
    const events: StoredRunEvent[] = [];
    for (const row of rows) {
      const event = readEvent(row);
      if (event !== undefined) events.push({ id: row.id, runId: row.run_id, attempt: row.attempt, seq: row.seq, at: row.at, event });
    }
    return { events, lastId: rows.at(-1)?.id ?? afterId };
  }

  /** The id of the newest stored event (0: none yet): where a live reader starts. */
  function findLastEventId(): number {
    return lastIdStatement.get()?.id ?? 0;
  }

  /** The run's newest `limit` events, for a rendering that shows only the end of the log. */
  function listRecentRunEvents(runId: number, limit: number): readonly StoredRunEvent[] {
    return readRows(recentStatement.all(runId, Math.min(Math.max(1, Math.floor(limit)), MAX_PAGE_SIZE)));
  }

  function getRunEventTotals(runId: number): RunEventTotals {
    const row = totalsStatement.get(runId);
    const modelCalls = row?.modelCalls ?? 0;
    const withUsage = row?.withUsage ?? 0;
    const unknown = (reported: number): boolean => modelCalls > 0 && reported === 0;
    return {
      modelCalls,
      modelCallsWithUsage: withUsage,
      usage:
        row === undefined || unknown(withUsage)
          ? null
          : { inputTokens: row.inputTokens, outputTokens: row.outputTokens, cacheReadTokens: row.cacheReadTokens, cacheWriteTokens: row.cacheWriteTokens },
      costUsd: row === undefined || unknown(row.withCost ?? 0) ? null : row.costUsd,
      toolCalls: row?.toolCalls ?? 0,
      toolErrors: row?.toolErrors ?? 0,
    };
  }

  /** Rows that read as known events, sorted by attempt then seq; the others are skipped and logged. */
  function readRows(rows: readonly EventRow[]): StoredRunEvent[] {
    const events: StoredRunEvent[] = [];
    for (const row of rows) {
      const event = readEvent(row);
      if (event !== undefined) events.push({ id: row.id, runId: row.run_id, attempt: row.attempt, seq: row.seq, at: row.at, event });
    }
    return events.sort((a, b) => a.attempt - b.attempt || a.seq - b.seq);
  }

  function readEvent(row: EventRow): RunEvent | undefined {
    let value: unknown;
    try {
      value = JSON.parse(row.data);
    } catch {
      log?.warn({ runId: row.run_id, eventId: row.id }, "skipped a run event that is not JSON");
      return undefined;
    }
    const parsed = parseRunEvent(value);
    if (parsed.ok) return parsed.event;
    log?.warn({ runId: row.run_id, eventId: row.id, error: parsed.error }, "skipped a run event of an unknown shape");
    return undefined;
  }

  /** The seq the attempt's next event takes: one past the last stored. */
  function findNextSeq(runId: number, attempt: number): number {
    return (lastSeqStatement.get(runId, attempt)?.seq ?? 0) + 1;
  }

  return { appendRunEvents, listRunEvents, listEventsAfter, findLastEventId, listRecentRunEvents, getRunEventTotals, findNextSeq };
}
