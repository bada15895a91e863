import Anthropic from "@anthropic-ai/sdk";
import { createServer, request as httpRequest, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { listenOnLoopback } from "../../bench/lib/http.js";
import { renderSseEvent } from "../../bench/lib/sse.js";
import { startGateway, startScriptedUpstream, type GatewayHarness, type ScriptedUpstream } from "../helpers/gateway.js";

const MODEL = "claude-sonnet-4-6";
const HEADERS = { "anthropic-version": "2023-06-01", "content-type": "application/json" };
const BODY = JSON.stringify({ model: MODEL, max_tokens: 64, stream: true, messages: [{ role: "user", content: "Hi" }] });
const MESSAGE_START = renderSseEvent("message_start", {
  message: { id: "msg_1", type: "message", role: "assistant", model: MODEL, content: [], usage: { input_tokens: 1200, output_tokens: 1, cache_read_input_tokens: 800, cache_creation_input_tokens: 0 } },
});

let upstream: ScriptedUpstream | undefined;
let gateway: GatewayHarness | undefined;

afterEach(async () => {
  await gateway?.close();
  await upstream?.close();
  gateway = undefined;
  upstream = undefined;
});

async function start(answer: Parameters<typeof startScriptedUpstream>[0]): Promise<{ gateway: GatewayHarness; upstream: ScriptedUpstream }> {
  upstream = await startScriptedUpstream(answer);
  gateway = await startGateway({ upstreamUrl: upstream.url });
  return { gateway, upstream };
}

/** Rejects after `ms`: bounds every wait on something that should happen soon. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function startStream(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream" });
  res.write(MESSAGE_START);
}

describe("the model gateway, when the model API fails or the client leaves", () => {
  it.each([
    [529, "overloaded_error", "Overloaded"],
    [500, "api_error", "Internal server error"],
  ])("passes a %i through with its body, once: retrying is the client's job", async (status, type, message) => {
    const errorBody = JSON.stringify({ type: "error", error: { type, message } });
    const { gateway, upstream } = await start((_req, res) => res.writeHead(status, { "content-type": "application/json", "x-should-retry": "true" }).end(errorBody));

    const response = await fetch(`${gateway.baseURL}/v1/messages`, { method: "POST", headers: { ...HEADERS, "x-api-key": gateway.token }, body: BODY });
    expect(response.status).toBe(status);
    expect(response.headers.get("x-should-retry")).toBe("true");
    expect(await response.text()).toBe(errorBody);

    const client = new Anthropic({ apiKey: gateway.token, baseURL: gateway.baseURL, maxRetries: 0 });
    const error = await client.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error).toMatchObject({ status, type, apiMessage: message });
    expect(upstream.requests).toHaveLength(2);
    expect(gateway.calls.map(({ call }) => [call.status, call.usage.inputTokens])).toEqual([
      [status, 0],
      [status, 0],
    ]);
    // A failed call is not a turn: the SDK's retries must not use up the turn budget.
    expect(gateway.spend().turns).toBe(0);
  });

  it("answers 502 when the model API cannot be reached", async () => {
    const probe = createServer();
    const port = await listenOnLoopback(probe);
    await new Promise((resolve) => probe.close(resolve));
    gateway = await startGateway({ upstreamUrl: `http://127.0.0.1:${port}` });
    const client = new Anthropic({ apiKey: gateway.token, baseURL: gateway.baseURL, maxRetries: 0 });
    const error = await client.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, type: "api_error", apiMessage: "Hamster: the model API could not be reached (ECONNREFUSED)." });
    expect(gateway.calls[0]?.call).toMatchObject({ status: 502, complete: false });
  });

  it("cuts the client's stream when the model API breaks off, and records what was used", async () => {
    const { gateway } = await start((_req, res) => {
      startStream(res);
      setImmediate(() => res.socket?.destroy());
    });
    const response = await fetch(`${gateway.baseURL}/v1/messages`, { method: "POST", headers: { ...HEADERS, "x-api-key": gateway.token }, body: BODY });
    expect(response.status).toBe(200);
    await expect(response.arrayBuffer()).rejects.toThrow();
    const call = await gateway.waitForCall(0, 5_000);
    expect(call).toMatchObject({ status: 200, streamed: true, complete: false, usage: { inputTokens: 1200, cacheReadTokens: 800, outputTokens: 1 } });
  });

  it("aborts the upstream request when the client leaves mid-stream", async () => {
    const { gateway, upstream } = await start((_req, res) => startStream(res));
    const controller = new AbortController();
    const response = await fetch(`${gateway.baseURL}/v1/messages`, { method: "POST", headers: { ...HEADERS, "x-api-key": gateway.token }, body: BODY, signal: controller.signal });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString("utf8")).toBe(MESSAGE_START);
    controller.abort();

    expect(await within(upstream.requests[0]!.closed, 5_000, "the upstream request closing")).toEqual({ finished: false });
    const call = await gateway.waitForCall(0, 5_000);
    expect(call).toMatchObject({ status: 200, complete: false, usage: { inputTokens: 1200 } });
  });

  it("aborts the upstream request when the client leaves before the model answers", async () => {
    let received: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (received = resolve));
    const { gateway, upstream } = await start(() => received());
    const controller = new AbortController();
    const pending = fetch(`${gateway.baseURL}/v1/messages`, { method: "POST", headers: { ...HEADERS, "x-api-key": gateway.token }, body: BODY, signal: controller.signal });
    await within(arrived, 5_000, "the request reaching the model API");
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect(await within(upstream.requests[0]!.closed, 5_000, "the upstream request closing")).toEqual({ finished: false });
  });

  it("holds the model API back while the client does not read (no buffering), then passes every byte on", async () => {
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, "a");
    let written = 0;
    let blocked: () => void = () => undefined;
    const firstBlock = new Promise<void>((resolve) => (blocked = resolve));
    const { gateway } = await start((_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(total) });
      const pump = (): void => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) {
            blocked();
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const done = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${gateway.baseURL}/v1/messages`, { method: "POST", headers: { ...HEADERS, "x-api-key": gateway.token } }, (res) => {
        res.pause();
        void within(firstBlock, 5_000, "the model API being held back")
          .then(() => new Promise((r) => setTimeout(r, 200)))
          .then(() => {
            // A gateway that buffered would have read all of it by now, from a client that reads nothing.
            expect(written).toBeLessThan(total);
            let received = 0;
            res.on("data", (data: Buffer) => (received += data.length));
            res.on("end", () => resolve(received));
            res.resume();
          })
          .catch(reject);
      });
      req.on("error", reject);
      req.end(JSON.stringify({ model: MODEL, max_tokens: 1 }));
    });
    expect(await within(done, 20_000, "the whole answer arriving")).toBe(total);
  });
});
