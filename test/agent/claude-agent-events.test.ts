// nock first: the Anthropic client must see the patched global fetch.
import nock from "nock";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createClaudeAgent } from "../../src/agent/claude-agent.js";
import { computeCostUsd } from "../../src/agent/prices.js";
import type { AgentSession, AgentSessionRequest } from "../../src/agent/provider.js";
import type { RunEvent } from "../../src/domain/run-event.js";
import type { Task } from "../../src/task/task.js";
import { mockAnthropic, reply, text, toolUse } from "../helpers/anthropic.js";
import { anthropicLike } from "../security/fake-secrets.js";

const MODEL = "claude-sonnet-4-6";
const task: Task = { number: 7, title: "Greet", description: "Create hello.txt.", acceptanceCriteria: [], subtasks: [], instructions: "", comments: [] };

let workdir: string;
let session: AgentSession | undefined;

beforeAll(() => {
  nock.disableNetConnect();
});

afterAll(() => {
  nock.enableNetConnect();
});

beforeEach(() => {
  workdir = realpathSync(mkdtempSync(path.join(tmpdir(), "hamster-agent-events-")));
});

afterEach(async () => {
  await session?.close();
  session = undefined;
  nock.cleanAll();
  rmSync(workdir, { recursive: true, force: true });
});

async function start(onEvent: AgentSessionRequest["onEvent"]): Promise<AgentSession> {
  const agent = createClaudeAgent({ apiKey: anthropicLike("events"), baseURL: "https://api.anthropic.com", maxTokens: 4096, commandTimeoutMs: 10_000, maxRetries: 0 });
  session = await agent.startSession({
    task,
    context: { repoInstructions: [] },
    workdir,
    model: MODEL,
    budgets: { turns: 10 },
    signal: new AbortController().signal,
    onEvent,
  });
  return session;
}

const usage = (inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number) => ({
  inputTokens,
  outputTokens,
  cacheReadTokens,
  cacheWriteTokens,
});

describe("the built-in agent's events", () => {
  it("reports each model call with its usage and cost, and each tool call with a short summary and its outcome", async () => {
    mockAnthropic([
      reply(
        [
          toolUse("t1", "bash", { command: "echo hi\necho more" }),
          toolUse("t2", "str_replace_based_edit_tool", { command: "create", path: "hello.txt", file_text: "Hello, secret contents" }),
        ],
        "tool_use",
        { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 50, cache_read_input_tokens: 0 },
      ),
      reply(
        [toolUse("t3", "bash", { command: "exit 3" }), toolUse("t4", "str_replace_based_edit_tool", { command: "view", path: "missing.txt" })],
        "tool_use",
        { input_tokens: 30, output_tokens: 10, cache_creation_input_tokens: 40, cache_read_input_tokens: 150 },
      ),
      reply([toolUse("t5", "bash", { command: "rm -rf half" })], "max_tokens", { input_tokens: 5, output_tokens: 4096 }),
      reply([text("Done.")], "end_turn", { input_tokens: 8, output_tokens: 2 }),
    ]);
    const events: RunEvent[] = [];
    expect(await (await start((event) => events.push(event))).send("Do it.", "implementing")).toBe("Done.");

    const calls = [usage(100, 20, 50, 0), usage(30, 10, 40, 150), usage(5, 4096, 0, 0), usage(8, 2, 0, 0)];
    const stops = ["tool_use", "tool_use", "max_tokens", "end_turn"];
    const modelCall = (turn: number): RunEvent => ({
      kind: "model_call",
      turn,
      model: MODEL,
      usage: calls[turn - 1]!,
      costUsd: computeCostUsd(MODEL, calls[turn - 1]!),
      stopReason: stops[turn - 1]!,
      durationMs: expect.any(Number) as number,
    });
    const ran = { durationMs: expect.any(Number) as number };
    expect(events).toEqual([
      modelCall(1),
      { kind: "tool_call", turn: 1, tool: "bash", summary: "echo hi", outcome: "ok", ...ran },
      { kind: "tool_call", turn: 1, tool: "str_replace_based_edit_tool", summary: "create hello.txt", outcome: "ok", ...ran },
      modelCall(2),
      { kind: "tool_call", turn: 2, tool: "bash", summary: "exit 3", outcome: "ok", detail: "exit code 3", ...ran },
      { kind: "tool_call", turn: 2, tool: "str_replace_based_edit_tool", summary: "view missing.txt", outcome: "error", detail: expect.stringContaining("missing.txt") as string, ...ran },
      modelCall(3),
      { kind: "tool_call", turn: 3, tool: "bash", summary: "rm -rf half", outcome: "error", detail: "not run: cut off by the output token limit" },
      modelCall(4),
    ]);
    expect(JSON.stringify(events)).not.toContain("secret contents");
  });

  it("goes on working when the event listener throws", async () => {
    mockAnthropic([reply([toolUse("t1", "bash", { command: "true" })], "tool_use"), reply([text("Done.")])]);
    let told = 0;
    const agent = await start(() => {
      told += 1;
      throw new Error("listener broke");
    });
    expect(await agent.send("Do it.", "implementing")).toBe("Done.");
    expect(told).toBe(3);
  });
});
