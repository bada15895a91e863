// nock first: the Anthropic client must see the patched global fetch.
import nock from "nock";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createClaudeAgent, type ClaudeAgentOptions } from "../../src/agent/claude-agent.js";
import { computeCostUsd } from "../../src/agent/prices.js";
import { AgentError, type AgentProgress, type AgentRequest } from "../../src/agent/provider.js";
import type { Task } from "../../src/task/task.js";
import { apiError, mockAnthropic, reply, text, toolUse } from "../helpers/anthropic.js";

const API_KEY = "sk-ant-test-CANARY";
const BASE_URL = "https://api.anthropic.com";
const MODEL = "claude-sonnet-4-6";

const task: Task = {
  number: 7,
  title: "Add a greeting file",
  description: "Create hello.txt.",
  acceptanceCriteria: ["hello.txt greets the reader"],
  subtasks: [],
  instructions: "",
};

let workdir: string;

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
});

afterAll(() => {
  nock.enableNetConnect();
});

beforeEach(() => {
  workdir = realpathSync(mkdtempSync(path.join(tmpdir(), "hamster-agent-")));
});

afterEach(() => {
  nock.cleanAll();
  vi.unstubAllEnvs();
  rmSync(workdir, { recursive: true, force: true });
});

function agent(overrides: Partial<ClaudeAgentOptions> = {}) {
  return createClaudeAgent({
    apiKey: API_KEY,
    baseURL: BASE_URL,
    maxTurns: 10,
    maxTokens: 4096,
    commandTimeoutMs: 10_000,
    maxRetries: 0,
    ...overrides,
  });
}

function request(overrides: Partial<AgentRequest> = {}): AgentRequest {
  return { task, workdir, model: MODEL, signal: new AbortController().signal, ...overrides };
}

async function agentError(promise: Promise<unknown>): Promise<AgentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentError);
  return error as AgentError;
}

/** Blocks of the newest user message in a captured request. */
function lastUserContent(body: any): any[] {
  return body.messages[body.messages.length - 1].content;
}

describe("createClaudeAgent", () => {
  it("runs a scripted multi-turn session: create a file, cat it, finish", async () => {
    // The command must not see the API key even when this process has it in its environment.
    vi.stubEnv("ANTHROPIC_API_KEY", API_KEY);
    const model = mockAnthropic([
      reply(
        [text("I'll create the file."), toolUse("tu_1", "str_replace_based_edit_tool", { command: "create", path: "hello.txt", file_text: "hello from the agent\n" })],
        "tool_use",
        { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 50, cache_read_input_tokens: 0 },
      ),
      reply([toolUse("tu_2", "bash", { command: 'cat hello.txt; echo "key=${ANTHROPIC_API_KEY:-none}"' })], "tool_use", {
        input_tokens: 30,
        output_tokens: 10,
        cache_creation_input_tokens: 40,
        cache_read_input_tokens: 50,
      }),
      reply([text("## Summary\nCreated `hello.txt`."), text("Criterion 1: met, checked with cat.")], "end_turn", {
        input_tokens: 20,
        output_tokens: 30,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: 90,
      }),
    ]);
    const progress: AgentProgress[] = [];

    const result = await agent().run(request({ onProgress: (p) => progress.push(p) }));

    expect(readFileSync(path.join(workdir, "hello.txt"), "utf8")).toBe("hello from the agent\n");
    expect(result.summary).toBe("## Summary\nCreated `hello.txt`.\n\nCriterion 1: met, checked with cat.");
    expect(result.turns).toBe(3);
    const usage = { inputTokens: 150, outputTokens: 60, cacheWriteTokens: 90, cacheReadTokens: 140 };
    expect(result.usage).toEqual(usage);
    expect(result.costUsd).toBeCloseTo((150 * 3 + 60 * 15 + 90 * 3.75 + 140 * 0.3) / 1e6, 12);
    expect(result.costUsd).toBe(computeCostUsd(MODEL, usage));

    expect(progress.map((p) => [p.turn, p.message])).toEqual([
      [1, "turn 1: str_replace_based_edit_tool create hello.txt"],
      [2, `turn 2: bash — cat hello.txt; echo "key=\${ANTHROPIC_API_KEY:-none}"`],
    ]);
    expect(progress[1]?.usage.inputTokens).toBe(130);

    expect(model.requests).toHaveLength(3);
    const [first, second, third] = model.requests;
    expect(first.model).toBe(MODEL);
    expect(first.max_tokens).toBe(4096);
    expect(first.tools).toEqual([
      { type: "text_editor_20250728", name: "str_replace_based_edit_tool" },
      { type: "bash_20250124", name: "bash" },
    ]);
    expect(first.system).toEqual([expect.objectContaining({ type: "text", cache_control: { type: "ephemeral" } })]);
    expect(first.messages[0].content[0].text).toContain("Add a greeting file");

    // The tool results go back in one user message, answering the right tool_use ids.
    expect(lastUserContent(second)).toEqual([
      { type: "tool_result", tool_use_id: "tu_1", content: "Created hello.txt (1 lines).", cache_control: { type: "ephemeral" } },
    ]);
    expect(lastUserContent(third)).toEqual([
      { type: "tool_result", tool_use_id: "tu_2", content: "hello from the agent\nkey=none\n", cache_control: { type: "ephemeral" } },
    ]);
    expect(JSON.stringify(model.requests)).not.toContain(API_KEY);

    // Exactly one breakpoint in the conversation, on the last block of the newest user message.
    for (const body of model.requests) {
      const marked = body.messages.flatMap((m: any, i: number) =>
        m.content.flatMap((b: any, j: number) => (b.cache_control ? [[i, j]] : [])),
      );
      const lastIndex = body.messages.length - 1;
      expect(marked).toEqual([[lastIndex, body.messages[lastIndex].content.length - 1]]);
      expect(body.messages[lastIndex].role).toBe("user");
    }
    expect(nock.isDone()).toBe(true);
  });

  it("hands a path escape back to the model as an error and goes on", async () => {
    const model = mockAnthropic([
      reply([toolUse("tu_1", "str_replace_based_edit_tool", { command: "view", path: "../../../../etc/passwd" })], "tool_use"),
      reply([toolUse("tu_2", "teleport", { to: "mars" })], "tool_use"),
      reply([text("Could not read it.")]),
    ]);

    const result = await agent().run(request());

    expect(result.summary).toBe("Could not read it.");
    const escape = lastUserContent(model.requests[1])[0];
    expect(escape).toMatchObject({ type: "tool_result", tool_use_id: "tu_1", is_error: true });
    expect(escape.content).toMatch(/outside the working directory/);
    expect(escape.content).not.toContain("root:");
    const unknown = lastUserContent(model.requests[2])[0];
    expect(unknown).toMatchObject({ type: "tool_result", tool_use_id: "tu_2", is_error: true });
    expect(unknown.content).toMatch(/Unknown tool "teleport"/);
    expect(nock.isDone()).toBe(true);
  });

  it("fails fast on 401 with an auth error that does not contain the key", async () => {
    // The SDK's default retries are on: a retried 401 would find no interceptor and fail differently.
    const model = mockAnthropic([{ status: 401, body: apiError("authentication_error", `invalid x-api-key ${API_KEY}`) }]);

    const error = await agentError(agent({ maxRetries: undefined }).run(request()));

    expect(error.code).toBe("auth");
    expect(error.message).toBe("The model API rejected the API key (HTTP 401). Set a valid ANTHROPIC_API_KEY.");
    expect(inspect(error, { depth: 10 })).not.toContain(API_KEY);
    expect(model.requests).toHaveLength(1);
    expect(nock.isDone()).toBe(true);
  });

  it("stops at the turn budget", async () => {
    const model = mockAnthropic([
      reply([toolUse("tu_1", "bash", { command: "true" })], "tool_use"),
      reply([toolUse("tu_2", "bash", { command: "touch should-not-run" })], "tool_use"),
    ]);

    const error = await agentError(agent({ maxTurns: 2 }).run(request()));

    expect(error.code).toBe("budget");
    expect(error.message).toMatch(/^Stopped after 2 turns \(the turn budget\)/);
    expect(error.usage).toEqual({ inputTokens: 20, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(existsSync(path.join(workdir, "should-not-run"))).toBe(false);
    expect(model.requests).toHaveLength(2);
    expect(nock.isDone()).toBe(true);
  });

  it("ends with cancelled when aborted in the middle of a command", async () => {
    mockAnthropic([reply([toolUse("tu_1", "bash", { command: "sleep 30" })], "tool_use")]);
    const controller = new AbortController();
    const started = Date.now();

    const error = await agentError(
      agent({ commandTimeoutMs: 20_000 }).run(
        request({
          signal: controller.signal,
          onProgress: () => setTimeout(() => controller.abort(), 200),
        }),
      ),
    );

    expect(error.code).toBe("cancelled");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(nock.isDone()).toBe(true);
  });

  it("asks the model to continue after max_tokens, without running a cut-off tool call", async () => {
    const model = mockAnthropic([
      reply([text("Let me write"), toolUse("tu_1", "str_replace_based_edit_tool", { command: "create", path: "half.txt" })], "max_tokens"),
      reply([text("Done after all.")]),
    ]);

    const result = await agent().run(request());

    expect(result.turns).toBe(2);
    expect(existsSync(path.join(workdir, "half.txt"))).toBe(false);
    const [cutOff, nudge] = lastUserContent(model.requests[1]);
    expect(cutOff).toMatchObject({ type: "tool_result", tool_use_id: "tu_1", is_error: true });
    expect(nudge).toMatchObject({ type: "text", cache_control: { type: "ephemeral" } });
    expect(nudge.text).toMatch(/continue/i);
    expect(nock.isDone()).toBe(true);
  });

  it("falls back to a fixed summary when the final message has no text", async () => {
    mockAnthropic([reply([])]);
    expect((await agent().run(request())).summary).toBe("The agent finished without a summary.");
    expect(nock.isDone()).toBe(true);
  });

  it("treats a refusal as a bad response", async () => {
    mockAnthropic([reply([], "refusal")]);
    const error = await agentError(agent().run(request()));
    expect(error.code).toBe("bad_response");
    expect(error.message).toMatch(/refusal/);
    expect(nock.isDone()).toBe(true);
  });

  it.each([
    [{ status: 529, body: apiError("overloaded_error", "Overloaded") }, "model_api", /HTTP 529/],
    [{ status: 429, body: apiError("rate_limit_error", "slow down") }, "model_api", /rate-limiting.*HTTP 429/],
    [{ status: 403, body: apiError("permission_error", "no access to model") }, "auth", /HTTP 403.*no access to model/],
    [{ status: 400, body: apiError("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum") }, "model_api", /larger than the model's context window/],
    [{ status: 400, body: apiError("invalid_request_error", "max_tokens: must be positive") }, "model_api", /HTTP 400.*max_tokens: must be positive/],
  ] as const)("maps HTTP %# to an AgentError a user can act on", async (scripted, code, message) => {
    mockAnthropic([scripted]);
    const error = await agentError(agent().run(request()));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(API_KEY);
    expect(nock.isDone()).toBe(true);
  });

  it("maps a connection failure to model_api without leaking the key", async () => {
    nock(BASE_URL).post("/v1/messages").replyWithError(`socket hang up near ${API_KEY}`);
    const error = await agentError(agent().run(request()));
    expect(error.code).toBe("model_api");
    expect(error.message).toMatch(/Could not reach the model API/);
    expect(error.message).not.toContain(API_KEY);
    // Loggers print the cause chain too.
    expect(inspect(error, { depth: 10 })).not.toContain(API_KEY);
    expect(inspect(error, { depth: 10 })).toContain("socket hang up near [redacted]");
    expect(nock.isDone()).toBe(true);
  });

  it("does not call the model when already cancelled", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await agentError(agent().run(request({ signal: controller.signal })));
    expect(error.code).toBe("cancelled");
    expect(nock.pendingMocks()).toEqual([]);
  });
});
