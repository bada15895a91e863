import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/domain/run-event.js";
import { EventBatchSchema } from "../../src/runner/protocol.js";

/**
 * One event of each kind with every field set (the type makes the optional ones required):
 * a kind or a field added to the vocabulary must be added here, and then must cross the protocol.
 */
const EVERY_EVENT: { [K in RunEvent["kind"]]: Required<Extract<RunEvent, { kind: K }>> } = {
  stage: { kind: "stage", state: "implementing", detail: "resumed" },
  model_call: {
    kind: "model_call",
    turn: 2,
    model: "claude-sonnet-5-5",
    usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 1, cacheWriteTokens: 2 },
    costUsd: 0.001,
    stopReason: "tool_use",
    durationMs: 812,
  },
  // "unknown": how a command-line agent's tool call ended when its output never said.
  tool_call: { kind: "tool_call", turn: 3, tool: "Bash", summary: "npm test", outcome: "unknown", detail: "exit 1", durationMs: 40 },
  command: { kind: "command", purpose: "test", command: "npm test", exitCode: null, ending: "timeout", durationMs: 1500, outputTail: "…" },
  verification: { kind: "verification", verification: { command: "npm test", passed: false, exitCode: 1, runs: 2, outputTail: "FAIL" } },
  plan: { kind: "plan", steps: ["Add retries"] },
  progress: { kind: "progress", message: "turn 4: bash — npm test", agent: { turn: 4, usage: null } },
  context: { kind: "context", briefSource: "docs/brief.md", testCommand: "npm test" },
  totals: { kind: "totals", turns: 4, usage: null, costUsd: null },
  note: { kind: "note", text: "The brief could not be read." },
};

describe("the runner protocol's event batch", () => {
  it("carries every run event, with every field, as the runner sent it", () => {
    const events = Object.values(EVERY_EVENT).map((event, i) => ({ seq: i + 1, at: "2026-01-02T03:04:05.000Z", event }));
    const parsed = EventBatchSchema.safeParse({ events });
    expect(parsed.error).toBeUndefined();
    expect(parsed.data?.events.map((e) => e.event)).toEqual(Object.values(EVERY_EVENT));
  });
});
