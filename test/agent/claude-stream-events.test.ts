import { describe, expect, it } from "vitest";
import { createClaudeStreamReader } from "../../src/agent/claude-stream.js";
import { createClaudeStreamEvents } from "../../src/agent/claude-stream-events.js";
import { computeCostUsd } from "../../src/agent/prices.js";
import type { RunEvent } from "../../src/domain/run-event.js";

const MODEL = "claude-sonnet-4-6";
const line = (event: object): string => `${JSON.stringify(event)}\n`;
const usage = (input: number, output: number, cacheRead = 0, cacheWrite = 0) => ({
  input_tokens: input,
  output_tokens: output,
  cache_read_input_tokens: cacheRead,
  cache_creation_input_tokens: cacheWrite,
});
/** One line of an assistant message, as Claude Code prints one per content block. */
const assistant = (id: string, block: object, u: object, extra: { parent?: string; stop?: string } = {}) => ({
  type: "assistant",
  parent_tool_use_id: extra.parent ?? null,
  message: { id, model: MODEL, role: "assistant", content: [block], usage: u, stop_reason: extra.stop ?? null },
});
const toolUse = (id: string, name: string, input: object) => ({ type: "tool_use", id, name, input });
const results = (parent: string | null, ...blocks: object[]) => ({ type: "user", parent_tool_use_id: parent, message: { role: "user", content: blocks } });
const toolResult = (id: string, content: unknown, isError = false) => ({ type: "tool_result", tool_use_id: id, content, is_error: isError });

function read(lines: object[], turnsBefore = 0): { events: RunEvent[]; modelCalls: number } {
  const events: RunEvent[] = [];
  const tracker = createClaudeStreamEvents({ onEvent: (event) => events.push(event), turnsBefore, model: "fallback-model" });
  const reader = createClaudeStreamReader(undefined, tracker);
  for (const event of lines) reader.push(line(event));
  reader.finish();
  return { events, modelCalls: tracker.modelCalls() };
}

const call = (turn: number, u: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number } | null, stopReason?: string): RunEvent => ({
  kind: "model_call",
  turn,
  model: MODEL,
  usage: u,
  costUsd: u === null ? null : computeCostUsd(MODEL, u),
  ...(stopReason ? { stopReason } : {}),
});

describe("Claude Code's stream as run events", () => {
  it("tells each model call once, with its last usage, and each tool call with its result", () => {
    const { events, modelCalls } = read(
      [
        { type: "system", subtype: "init", session_id: "s" },
        assistant("msg_1", { type: "text", text: "Let me look." }, usage(100, 1, 500, 20)),
        assistant("msg_1", toolUse("tu_1", "Bash", { command: "npm test\nnpm run lint", description: "Run tests" }), usage(100, 1, 500, 20)),
        assistant("msg_1", toolUse("tu_2", "Edit", { file_path: "src/a.ts", old_string: "secret old", new_string: "secret new" }), usage(100, 42, 500, 20), { stop: "tool_use" }),
        results(null, toolResult("tu_1", "Exit code 1\nFAIL test/a.test.ts", true), toolResult("tu_2", [{ type: "text", text: "The file was updated." }])),
        // A subagent: its messages and tool calls carry the id of the Task call that started it.
        assistant("msg_2", toolUse("tu_3", "Task", { description: "Find the TODOs", prompt: "Look everywhere." }), usage(10, 5)),
        assistant("msg_sub_1", toolUse("tu_4", "Grep", { pattern: "TODO" }), usage(7, 3), { parent: "tu_3" }),
        results("tu_3", toolResult("tu_4", "src/a.ts:3: TODO")),
        assistant("msg_sub_2", { type: "text", text: "Found one." }, usage(8, 2), { parent: "tu_3" }),
        results(null, toolResult("tu_3", "One TODO in src/a.ts")),
        // Its result line was too long to read: never seen.
        assistant("msg_3", toolUse("tu_5", "Read", { file_path: "big.log" }), usage(20, 4)),
        // Some versions print zeros per message: not reported, rather than free.
        assistant("msg_4", { type: "text", text: "Done." }, usage(0, 0)),
        { type: "result", subtype: "success", is_error: false, result: "Done.", usage: usage(1, 1) },
      ],
      2,
    );
    expect(modelCalls).toBe(6);
    expect(events).toEqual([
      call(3, { inputTokens: 100, outputTokens: 42, cacheReadTokens: 500, cacheWriteTokens: 20 }, "tool_use"),
      { kind: "tool_call", turn: 3, tool: "Bash", summary: "npm test", outcome: "error", detail: "Exit code 1" },
      { kind: "tool_call", turn: 3, tool: "Edit", summary: "src/a.ts", outcome: "ok" },
      call(5, { inputTokens: 7, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0 }),
      { kind: "tool_call", turn: 5, tool: "Grep", summary: "TODO", outcome: "ok" },
      call(4, { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 }),
      call(6, { inputTokens: 8, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 }),
      { kind: "tool_call", turn: 4, tool: "Task", summary: "Find the TODOs", outcome: "ok" },
      call(7, { inputTokens: 20, outputTokens: 4, cacheReadTokens: 0, cacheWriteTokens: 0 }),
      call(8, null),
      { kind: "tool_call", turn: 7, tool: "Read", summary: "big.log", outcome: "unknown" },
    ]);
    expect(JSON.stringify(events)).not.toContain("secret");
  });

  it("takes a line without a message id as a call of its own, named by the run's model", () => {
    const { events } = read([
      { type: "assistant", message: { content: [toolUse("t1", "Bash", { command: "ls" })] } },
      { type: "assistant", message: { content: [{ type: "text", text: "Done." }] } },
    ]);
    expect(events).toEqual([
      { kind: "model_call", turn: 1, model: "fallback-model", usage: null, costUsd: null },
      { kind: "model_call", turn: 2, model: "fallback-model", usage: null, costUsd: null },
      { kind: "tool_call", turn: 1, tool: "Bash", summary: "ls", outcome: "unknown" },
    ]);
  });
});
