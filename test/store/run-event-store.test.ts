import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/domain/run-event.js";
import { createRedactor, REDACTED } from "../../src/security/redactor.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createRunEventStore, InvalidRunEventError, type RunEventInput } from "../../src/store/run-event-store.js";
import { createRunStore } from "../../src/store/run-store.js";
import { buildNewRun } from "../helpers/runs.js";
import { classicToken } from "../security/fake-secrets.js";

const TOKEN = classicToken("ghs", "run-event-canary");
const KEY = "provider-key-canary-77aa";
const AT = "2026-11-24T10:00:00.000Z";
const identity = (text: string): string => text;

let dir: string;
let db: SqliteDatabase | undefined;
let runId: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hamster-events-"));
  db = openDatabase(dir);
  runId = createRunStore(db).createRun(buildNewRun()).id;
});

afterEach(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const modelCall = (turn: number, inputTokens = 100): RunEvent => ({
  kind: "model_call",
  turn,
  model: "claude-sonnet-4-6",
  usage: { inputTokens, outputTokens: 10, cacheReadTokens: 1000, cacheWriteTokens: 50 },
  costUsd: 0.01,
  stopReason: "tool_use",
  durationMs: 1200,
});
const toolCall = (turn: number, summary: string, outcome: "ok" | "error" = "ok"): RunEvent => ({ kind: "tool_call", turn, tool: "bash", summary, outcome });
const batch = (from: number, events: RunEvent[]): RunEventInput[] => events.map((event, i) => ({ seq: from + i, at: AT, event }));

function store(warnings: unknown[] = []) {
  return createRunEventStore(db!, { redact: identity, log: { warn: (details, message) => warnings.push({ details, message }) } });
}

describe("run event store", () => {
  it("reads a run's events in attempt and seq order, each with its id", () => {
    const events = store();
    events.appendRunEvents(runId, 2, batch(1, [{ kind: "stage", state: "implementing" }]));
    events.appendRunEvents(runId, 1, batch(1, [modelCall(1), toolCall(1, "npm test")]));
    const { events: read, lastId } = events.listRunEvents(runId);
    expect(read.map((e) => [e.attempt, e.seq, e.event.kind])).toEqual([
      [1, 1, "model_call"],
      [1, 2, "tool_call"],
      [2, 1, "stage"],
    ]);
    expect(read[0]).toMatchObject({ runId, at: AT, event: modelCall(1) });
    expect(new Set(read.map((e) => e.id)).size).toBe(3);
    expect(lastId).toBe(Math.max(...read.map((e) => e.id)));
  });

  it("reads every kind of event back as it was given (the schema keeps every field)", () => {
    const all: RunEvent[] = [
      { kind: "stage", state: "verifying", detail: "npm test" },
      modelCall(1),
      { kind: "tool_call", turn: 1, tool: "bash", summary: "ls", outcome: "unknown", detail: "d", durationMs: 3 },
      { kind: "command", purpose: "test", command: "npm test", exitCode: null, ending: "timeout", durationMs: 10, outputTail: "tail" },
      { kind: "verification", verification: { command: "npm test", passed: false, exitCode: 1, runs: 2, outputTail: "FAIL" } },
      { kind: "plan", steps: ["one", "two"] },
      { kind: "progress", message: "turn 2: bash — ls", agent: { turn: 2, usage: null } },
      { kind: "context", briefSource: "docs/brief.md", testCommand: null },
      { kind: "totals", turns: 2, usage: { inputTokens: 1, outputTokens: 2, cacheReadTokens: 3, cacheWriteTokens: 4 }, costUsd: 0.5 },
      { kind: "note", text: "the brief could not be read" },
    ];
    const events = store();
    events.appendRunEvents(runId, 1, batch(1, all));
    expect(events.listRunEvents(runId).events.map((e) => e.event)).toEqual(all);
  });

  it("stores a batch sent again once, and keeps the first of two different events under one seq", () => {
    const events = store();
    const first = batch(1, [modelCall(1), toolCall(1, "npm test")]);
    expect(events.appendRunEvents(runId, 1, first)).toEqual({ inserted: 2, duplicates: 0, conflicts: [] });
    // The answer was lost: the same batch again, its keys in another order, plus one new event.
    const resent = [{ ...first[1]!, event: { outcome: "ok", summary: "npm test", tool: "bash", turn: 1, kind: "tool_call" } as RunEvent }, first[0]!];
    expect(events.appendRunEvents(runId, 1, [...resent, ...batch(3, [toolCall(1, "ls")])])).toEqual({ inserted: 1, duplicates: 2, conflicts: [] });
    // Another event under a stored seq: a conflict, reported, not written.
    expect(events.appendRunEvents(runId, 1, batch(2, [toolCall(1, "rm -rf /", "error")]))).toEqual({ inserted: 0, duplicates: 0, conflicts: [2] });
    const read = events.listRunEvents(runId).events;
    expect(read.map((e) => e.event)).toEqual([modelCall(1), toolCall(1, "npm test"), toolCall(1, "ls")]);
  });

  it("refuses a batch with an event it cannot store, and stores none of it", () => {
    const events = store();
    const bad = { seq: 2, at: AT, event: { kind: "tool_call", turn: 1, tool: "bash" } as unknown as RunEvent };
    expect(() => events.appendRunEvents(runId, 1, [...batch(1, [modelCall(1)]), bad])).toThrow(InvalidRunEventError);
    expect(() => events.appendRunEvents(runId, 1, batch(0, [modelCall(1)]))).toThrow(/seq must be a positive integer/);
    expect(() => events.appendRunEvents(runId, 1, [{ seq: 1, at: "yesterday", event: modelCall(1) }])).toThrow(/ISO time/);
    const huge: RunEvent = { kind: "note", text: "x".repeat(70_000) };
    expect(() => events.appendRunEvents(runId, 1, batch(1, [huge]))).toThrow(/more than/);
    expect(events.listRunEvents(runId).events).toEqual([]);
  });

  it("pages by id, and a reader tailing the log gets each new event once", () => {
    const events = store();
    events.appendRunEvents(runId, 1, batch(1, [modelCall(1), toolCall(1, "a"), toolCall(1, "b"), toolCall(1, "c"), modelCall(2)]));
    const first = events.listRunEvents(runId, { limit: 2 });
    const second = events.listRunEvents(runId, { afterId: first.lastId, limit: 2 });
    const third = events.listRunEvents(runId, { afterId: second.lastId, limit: 2 });
    const tail = events.listRunEvents(runId, { afterId: third.lastId });
    expect([first, second, third].map((page) => page.events.map((e) => e.seq))).toEqual([[1, 2], [3, 4], [5]]);
    expect(tail).toEqual({ events: [], lastId: third.lastId });
    events.appendRunEvents(runId, 1, batch(6, [toolCall(2, "d")]));
    expect(events.listRunEvents(runId, { afterId: third.lastId }).events.map((e) => e.seq)).toEqual([6]);
    expect(events.listRecentRunEvents(runId, 2).map((e) => e.seq)).toEqual([5, 6]);
  });

  it("skips and logs a row that no longer reads as a known event, and pages past it", () => {
    const warnings: unknown[] = [];
    const events = store(warnings);
    events.appendRunEvents(runId, 1, batch(1, [modelCall(1), toolCall(1, "a")]));
    const insert = db!.prepare(`INSERT INTO run_events (run_id, attempt, seq, at, kind, data) VALUES (?, 1, ?, ?, ?, ?)`);
    insert.run(runId, 3, AT, "teleport", JSON.stringify({ kind: "teleport" }));
    insert.run(runId, 4, AT, "note", "{not json");
    const page = events.listRunEvents(runId);
    expect(page.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(page.lastId).toBe(page.events[1]!.id + 2);
    expect(warnings).toHaveLength(2);
  });

  it("totals the run's model and tool calls over its attempts", () => {
    const events = store();
    expect(events.getRunEventTotals(runId)).toEqual({
      modelCalls: 0,
      modelCallsWithUsage: 0,
      usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
      costUsd: 0,
      toolCalls: 0,
      toolErrors: 0,
    });
    events.appendRunEvents(runId, 1, batch(1, [modelCall(1, 100), toolCall(1, "a", "error"), toolCall(1, "b")]));
    events.appendRunEvents(runId, 2, batch(1, [modelCall(1, 200), { kind: "model_call", turn: 2, model: "m", usage: null, costUsd: null }]));
    const totals = events.getRunEventTotals(runId);
    expect(totals).toMatchObject({ modelCalls: 3, modelCallsWithUsage: 2, toolCalls: 2, toolErrors: 1 });
    expect(totals.usage).toEqual({ inputTokens: 300, outputTokens: 20, cacheReadTokens: 2000, cacheWriteTokens: 100 });
    expect(totals.costUsd).toBeCloseTo(0.02, 10);
  });

  it("says usage and cost are unknown when no model call reported them", () => {
    const events = store();
    events.appendRunEvents(runId, 1, batch(1, [{ kind: "model_call", turn: 1, model: "m", usage: null, costUsd: null }]));
    expect(events.getRunEventTotals(runId)).toMatchObject({ modelCalls: 1, usage: null, costUsd: null });
  });
});

describe("run event store redaction", () => {
  /** Every byte SQLite wrote under the data directory: the database, its WAL and shared memory. */
  function storedBytes(): Buffer {
    db?.close();
    db = undefined;
    return Buffer.concat(readdirSync(dir).map((name) => readFileSync(join(dir, name))));
  }

  it("stores no secret from a tool call's summary or a command's output tail", () => {
    const redactor = createRedactor({ secrets: [KEY] });
    const events = createRunEventStore(db!, { redact: redactor.redact });
    events.appendRunEvents(runId, 1, [
      { seq: 1, at: AT, event: { kind: "tool_call", turn: 1, tool: "bash", summary: `curl -H 'Authorization: token ${TOKEN}' x`, outcome: "error", detail: `bad key ${KEY}` } },
      { seq: 2, at: AT, event: { kind: "command", purpose: "setup", command: "npm ci", exitCode: 1, durationMs: 5, outputTail: `npm ERR! token ${TOKEN}\nkey=${KEY}` } },
    ]);
    const [tool, command] = events.listRunEvents(runId).events.map((e) => e.event);
    expect(tool).toMatchObject({ summary: `curl -H 'Authorization: token ${REDACTED}' x`, detail: `bad key ${REDACTED}` });
    expect(command).toMatchObject({ outputTail: `npm ERR! token ${REDACTED}\nkey=${REDACTED}` });

    // A resent batch is redacted the same way, so it is recognised as the same.
    const again = events.appendRunEvents(runId, 1, [
      { seq: 1, at: AT, event: { kind: "tool_call", turn: 1, tool: "bash", summary: `curl -H 'Authorization: token ${TOKEN}' x`, outcome: "error", detail: `bad key ${KEY}` } },
    ]);
    expect(again).toEqual({ inserted: 0, duplicates: 1, conflicts: [] });

    const bytes = storedBytes();
    expect(bytes.includes(TOKEN)).toBe(false);
    expect(bytes.includes(KEY)).toBe(false);
    expect(bytes.includes(REDACTED)).toBe(true);
  });
});
