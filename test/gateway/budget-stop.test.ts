import Anthropic from "@anthropic-ai/sdk";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeAnthropicServer, type FakeAnthropicServer } from "../../bench/lib/fake-anthropic-server.js";
import { createClaudeAgent } from "../../src/agent/claude-agent.js";
import { toAgentError } from "../../src/agent/model-api-error.js";
import { AgentError } from "../../src/agent/provider.js";
import { ZERO_USAGE } from "../../src/domain/usage.js";
import type { Task } from "../../src/task/task.js";
import { startGateway, type GatewayHarness } from "../helpers/gateway.js";

const MODEL = "claude-sonnet-4-6";
const task: Task = { number: 7, title: "Greet", description: "Say hello.", acceptanceCriteria: [], subtasks: [], instructions: "", comments: [] };

let upstream: FakeAnthropicServer;
let gateway: GatewayHarness;
let workdir: string;

beforeEach(async () => {
  upstream = await startFakeAnthropicServer({ replies: () => ({ content: [{ type: "text", text: "Done." }], stop_reason: "end_turn" }), minCacheableTokens: 0 });
  workdir = realpathSync(mkdtempSync(path.join(tmpdir(), "hamster-gateway-agent-")));
});

afterEach(async () => {
  await gateway.close();
  await upstream.close();
  rmSync(workdir, { recursive: true, force: true });
});

describe("a budget refusal from the model gateway", () => {
  it("becomes AgentError code budget, worded as a budget the agent checked itself", async () => {
    gateway = await startGateway({ upstreamUrl: upstream.url, budgets: { turns: 10, costUsd: 0.000_001 } });
    const client = new Anthropic({ apiKey: gateway.token, baseURL: gateway.baseURL, maxRetries: 0 });
    const ask = () => client.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "Hi" }] });
    await ask();
    const usage = { ...ZERO_USAGE, inputTokens: 10 };
    const mapped = toAgentError(await ask().catch((e: unknown) => e), { usage, secret: gateway.token, model: MODEL });
    expect(mapped).toBeInstanceOf(AgentError);
    expect(mapped).toMatchObject({ code: "budget", budget: "cost", usage });
    expect(mapped.message).toMatch(/^Stopped by the cost budget: \$0\.\d{4} of \$0\.0000 spent\. The work so far is kept\.$/);
  });

  it("still maps a plain 403 without the header to an access problem", async () => {
    gateway = await startGateway({ upstreamUrl: upstream.url, allowedModels: ["claude-haiku-4-5"] });
    const client = new Anthropic({ apiKey: gateway.token, baseURL: gateway.baseURL, maxRetries: 0 });
    const error = await client.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e);
    expect(toAgentError(error, { usage: ZERO_USAGE, secret: gateway.token, model: MODEL })).toMatchObject({ code: "auth", budget: undefined });
  });

  it("stops the built-in agent with that budget when its own budgets would have let it go on", async () => {
    gateway = await startGateway({ upstreamUrl: upstream.url, budgets: { turns: 1 } });
    const agent = createClaudeAgent({ apiKey: gateway.token, baseURL: gateway.baseURL, maxTokens: 1024, commandTimeoutMs: 10_000, maxRetries: 0 });
    const session = await agent.startSession({ task, context: { repoInstructions: [] }, workdir, model: MODEL, budgets: { turns: 50 }, signal: new AbortController().signal });
    try {
      expect(await session.send("Plan it.", "planning")).toBe("Done.");
      const error = await session.send("Now do it.", "implementing").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AgentError);
      expect(error).toMatchObject({ code: "budget", budget: "turns", message: "Stopped by the turn budget: 1 of 1 model calls used. The work so far is kept." });
      expect(upstream.requests).toHaveLength(1);
      expect(session.totals().turns).toBe(1);
    } finally {
      await session.close();
    }
  });
});
