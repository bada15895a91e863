import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { PromptCacheSimulator, startFakeAnthropicServer, type FakeAnthropicServer } from "../../bench/lib/fake-anthropic-server.js";

const BP = { cache_control: { type: "ephemeral" } };
const system = (marked: boolean) => [{ type: "text", text: "S".repeat(4000), ...(marked ? BP : {}) }];
const user = (text: string, marked: boolean) => ({ role: "user", content: [{ type: "text", text, ...(marked ? BP : {}) }] });
const assistant = (text: string) => ({ role: "assistant", content: [{ type: "text", text }] });

const total = (u: { input_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number }) =>
  u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;

describe("PromptCacheSimulator", () => {
  it("writes up to the last breakpoint, reads the longest cached prefix, and bills the rest as input", () => {
    const cache = new PromptCacheSimulator(0);
    const systemOnly = cache.account({ system: system(true), messages: [] });
    expect(systemOnly.cache_read_input_tokens).toBe(0);
    expect(systemOnly.input_tokens).toBe(0);
    const systemTokens = systemOnly.cache_creation_input_tokens;
    expect(systemTokens).toBeGreaterThan(1000);

    const first = { system: system(true), messages: [user("U".repeat(2000), true)] };
    const one = cache.account(first);
    expect(one).toEqual({ input_tokens: 0, cache_read_input_tokens: systemTokens, cache_creation_input_tokens: total(one) - systemTokens });

    // The same prefix again, with the conversation grown by a turn: all of the first request is read.
    const second = { system: system(true), messages: [user("U".repeat(2000), false), assistant("A".repeat(800)), user("V".repeat(1200), true)] };
    const two = cache.account(second);
    expect(two.cache_read_input_tokens).toBe(total(one));
    expect(two.cache_creation_input_tokens).toBe(total(two) - total(one));
    expect(two.input_tokens).toBe(0);

    // A different first message shares only the system prompt; past the last breakpoint is plain input.
    const other = cache.account({ system: system(true), messages: [user("W".repeat(2000), true), assistant("B"), user("X".repeat(400), false)] });
    expect(other.cache_read_input_tokens).toBe(systemTokens);
    expect(other.input_tokens).toBeGreaterThan(90);
    expect(other.cache_creation_input_tokens).toBe(total(other) - systemTokens - other.input_tokens);
  });

  it("reads nothing without a breakpoint, and caches nothing below the minimum length", () => {
    const cache = new PromptCacheSimulator(2000);
    const small = cache.account({ system: system(true), messages: [user("hi", true)] });
    expect(small).toEqual({ input_tokens: total(small), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });

    const big = { system: system(false), messages: [user("U".repeat(8000), true)] };
    const written = cache.account(big);
    expect(written.cache_creation_input_tokens).toBe(total(written));
    const unmarked = cache.account({ system: system(false), messages: [user("U".repeat(8000), false)] });
    expect(unmarked).toEqual({ input_tokens: total(written), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  });
});

describe("the fake Anthropic server", () => {
  let server: FakeAnthropicServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("answers the SDK's streaming and plain calls with the scripted replies and cache accounting", async () => {
    server = await startFakeAnthropicServer({
      replies: [
        { content: [{ type: "tool_use", id: "t1", name: "bash", input: { command: "ls" } }], stop_reason: "tool_use" },
        { content: [{ type: "text", text: "done" }], stop_reason: "end_turn" },
      ],
      minCacheableTokens: 0,
    });
    const client = new Anthropic({ apiKey: "test", baseURL: server.url, maxRetries: 0 });
    const request = { model: "claude-x", max_tokens: 100, system: system(true) as Anthropic.TextBlockParam[], messages: [user("go", true) as Anthropic.MessageParam] };

    const streamed = await client.messages.stream(request).finalMessage();
    const plain = await client.messages.create(request);

    expect(streamed.content).toEqual([{ type: "tool_use", id: "t1", name: "bash", input: { command: "ls" } }]);
    expect(streamed.stop_reason).toBe("tool_use");
    expect(plain.content).toEqual([{ type: "text", text: "done" }]);
    expect(streamed.usage.cache_creation_input_tokens).toBeGreaterThan(1000);
    expect(plain.usage.cache_read_input_tokens).toBe(streamed.usage.cache_creation_input_tokens);
    expect(server.usage.map((u) => u.cache_read_input_tokens)).toEqual([0, plain.usage.cache_read_input_tokens]);
    expect(server.requests).toHaveLength(2);

    await expect(client.messages.create(request)).rejects.toThrow(/No scripted reply for request 3/);
  });
});
