import Anthropic from "@anthropic-ai/sdk";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeAnthropicServer, type FakeAnthropicServer, type ScriptedMessage } from "../../bench/lib/fake-anthropic-server.js";
import { renderMessageEvents } from "../../bench/lib/sse.js";
import { computeCostUsd } from "../../src/agent/prices.js";
import { PROVIDER_KEY, startGateway, startScriptedUpstream, type GatewayHarness } from "../helpers/gateway.js";

const MODEL = "claude-sonnet-4-6";
const EPHEMERAL = { type: "ephemeral" } as const;
const SYSTEM = [{ type: "text" as const, text: `You are terse. ${"Context. ".repeat(600)}`, cache_control: EPHEMERAL }];
const REPLY: ScriptedMessage = {
  content: [
    { type: "text", text: "Looking at the file — ünïcödé and emoji 🐹 split across deltas." },
    { type: "tool_use", id: "toolu_1", name: "bash", input: { command: "ls -la" } },
  ],
  stop_reason: "tool_use",
};

let upstream: FakeAnthropicServer;
let gateway: GatewayHarness;
let client: Anthropic;

beforeEach(async () => {
  upstream = await startFakeAnthropicServer({ replies: () => REPLY, minCacheableTokens: 100 });
  gateway = await startGateway({ upstreamUrl: upstream.url });
  client = new Anthropic({ apiKey: gateway.token, baseURL: gateway.baseURL, maxRetries: 0 });
});

afterEach(async () => {
  await gateway.close();
  await upstream.close();
});

const params = (text: string) => ({
  model: MODEL,
  max_tokens: 1024,
  system: SYSTEM,
  messages: [{ role: "user" as const, content: [{ type: "text" as const, text, cache_control: EPHEMERAL }] }],
});

/** The upstream saw the provider key and nothing of the run credential. */
function expectKeysSwapped(index: number): void {
  const exchange = upstream.exchanges[index]!;
  expect(exchange.headers["x-api-key"]).toBe(PROVIDER_KEY);
  expect(exchange.headers.authorization).toBeUndefined();
  expect(JSON.stringify(exchange.headers) + exchange.body.toString("utf8")).not.toContain(gateway.token);
}

describe("the model gateway, forwarding", () => {
  it("answers a streamed call through the SDK, swaps the keys, and records the usage with the cache counts", async () => {
    const first = await client.messages.stream(params("List the files.")).finalMessage();
    const second = await client.messages.stream(params("List them again.")).finalMessage();

    expect(first.content).toEqual([expect.objectContaining(REPLY.content[0]), expect.objectContaining(REPLY.content[1])]);
    expectKeysSwapped(0);
    expectKeysSwapped(1);
    // The second call reads the system prompt the first one wrote to the cache.
    expect(upstream.usage[0]!.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(upstream.usage[1]!.cache_read_input_tokens).toBeGreaterThan(0);

    expect(gateway.calls.map(({ call }) => call)).toEqual(
      upstream.usage.map((u) => {
        const usage = { inputTokens: u.input_tokens, outputTokens: u.output_tokens, cacheReadTokens: u.cache_read_input_tokens, cacheWriteTokens: u.cache_creation_input_tokens };
        return { model: MODEL, usage, costUsd: computeCostUsd(MODEL, usage), status: 200, durationMs: expect.any(Number), streamed: true, complete: true, stopReason: "tool_use" };
      }),
    );
    expect(second.usage).toMatchObject({ input_tokens: upstream.usage[1]!.input_tokens, cache_read_input_tokens: upstream.usage[1]!.cache_read_input_tokens });
    expect(gateway.calls[0]!.grant).toMatchObject({ runId: gateway.runId, attempt: 1, installationId: 77 });
    expect(gateway.spend().turns).toBe(2);
    expect(gateway.errors).toEqual([]);
  });

  it("answers a call without streaming, and records its usage from the JSON body", async () => {
    const { data, response } = await client.messages.create(params("List the files.")).withResponse();
    expect(data.stop_reason).toBe("tool_use");
    expect(response.headers.get("request-id")).toBe("req_fake_1");
    expectKeysSwapped(0);
    const u = upstream.usage[0]!;
    expect(gateway.calls[0]!.call).toMatchObject({
      streamed: false,
      complete: true,
      stopReason: "tool_use",
      status: 200,
      usage: { inputTokens: u.input_tokens, outputTokens: u.output_tokens, cacheReadTokens: 0, cacheWriteTokens: u.cache_creation_input_tokens },
    });
  });

  it("takes the credential as a bearer token (as this SDK sends its key) or as x-api-key (as CLI agents do)", async () => {
    await client.messages.create(params("Hello."));
    expect(upstream.exchanges[0]!.headers).not.toHaveProperty("authorization");
    const viaHeader = await fetch(`${gateway.baseURL}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": gateway.token, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify(params("Hello.")),
    });
    expect(viaHeader.status).toBe(200);
    expectKeysSwapped(0);
    expectKeysSwapped(1);
    expect(gateway.calls).toHaveLength(2);
  });

  it("passes the streamed bytes through unchanged, and never shows the client the provider key", async () => {
    for (const stream of [true, false]) {
      const response = await fetch(`${gateway.baseURL}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": gateway.token, "anthropic-version": "2023-06-01", "content-type": "application/json" },
        body: JSON.stringify({ ...params("Bytes, please."), stream }),
      });
      const received = Buffer.from(await response.arrayBuffer());
      expectKeysSwapped(upstream.exchanges.length - 1);
      const sent = upstream.exchanges.at(-1)!.sent!;
      expect(received.equals(sent)).toBe(true);
      expect(response.headers.get("content-type")).toBe(stream ? "text/event-stream" : "application/json");
      expect(JSON.stringify([...response.headers]) + received.toString("utf8")).not.toContain(PROVIDER_KEY);
    }
  });

  it("forwards the request body byte for byte, so cache_control and everything else arrive as sent", async () => {
    // Odd spacing and key order: anything re-serialised on the way would show.
    const body = `{ "messages":[{"role":"user","content":[{"type":"text","text":"Hi","cache_control":{"type":"ephemeral","ttl":"1h"}}]}],\n "system":[{"text":"S","type":"text","cache_control":{"type":"ephemeral"}}], "max_tokens":16, "model":"${MODEL}" }`;
    const response = await fetch(`${gateway.baseURL}/v1/messages?beta=true`, {
      method: "POST",
      headers: { "x-api-key": gateway.token, "anthropic-version": "2023-06-01", "anthropic-beta": "extended-cache-ttl-2025-04-11", "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(200);
    expectKeysSwapped(0);
    const exchange = upstream.exchanges[0]!;
    expect(exchange.body.equals(Buffer.from(body))).toBe(true);
    expect(exchange.path).toBe("/v1/messages?beta=true");
    expect(exchange.headers).toMatchObject({ "anthropic-version": "2023-06-01", "anthropic-beta": "extended-cache-ttl-2025-04-11", "content-type": "application/json" });

    await client.messages.create(params("Via the SDK."));
    const sdkBody = JSON.parse(upstream.exchanges[1]!.body.toString("utf8"));
    expect(sdkBody.system[0].cache_control).toEqual(EPHEMERAL);
    expect(sdkBody.messages[0].content[0].cache_control).toEqual(EPHEMERAL);
  });

  it("forwards count_tokens without counting it as a turn", async () => {
    const counted = await client.messages.countTokens({ model: MODEL, messages: [{ role: "user", content: "How many?" }] });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(upstream.exchanges[0]!.path).toBe("/v1/messages/count_tokens");
    expectKeysSwapped(0);
    expect(gateway.calls).toEqual([]);
  });

  it("asks the model API for an uncompressed answer, so the bytes it reads are the bytes it passes on", async () => {
    // A server that compresses whenever the client accepts it, as the API's front end may.
    const events = renderMessageEvents({ id: "msg_z", model: MODEL, content: [{ type: "text", text: "Zipped?" }], stop_reason: "end_turn", usage: { input_tokens: 42, output_tokens: 7 } }).join("");
    const zipping = await startScriptedUpstream((req, res) => {
      const gzip = /gzip/.test(String(req.headers["accept-encoding"] ?? ""));
      res.writeHead(200, { "content-type": "text/event-stream", ...(gzip ? { "content-encoding": "gzip" } : {}) });
      res.end(gzip ? gzipSync(events) : events);
    });
    const other = await startGateway({ upstreamUrl: zipping.url });
    try {
      const sdk = new Anthropic({ apiKey: other.token, baseURL: other.baseURL, maxRetries: 0 });
      const message = await sdk.messages.stream(params("Zip it.")).finalMessage();
      expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "Zipped?" })]);
      expect(zipping.requests[0]!.headers["accept-encoding"]).toBe("identity");
      expect(other.calls[0]!.call.usage).toMatchObject({ inputTokens: 42, outputTokens: 7 });
    } finally {
      await other.close();
      await zipping.close();
    }
  });
});
