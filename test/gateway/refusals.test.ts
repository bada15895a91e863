import Anthropic from "@anthropic-ai/sdk";
import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeAnthropicServer, type FakeAnthropicServer } from "../../bench/lib/fake-anthropic-server.js";
import type { GatewayBudgets } from "../../src/gateway/gateway-types.js";
import { PROVIDER_KEY, startGateway, type GatewayHarness, type GatewayHarnessOptions } from "../helpers/gateway.js";

const MODEL = "claude-sonnet-4-6";
const HEADERS = { "anthropic-version": "2023-06-01", "content-type": "application/json" };

let upstream: FakeAnthropicServer | undefined;
let gateway: GatewayHarness | undefined;

afterEach(async () => {
  await gateway?.close();
  await upstream?.close();
  gateway = undefined;
  upstream = undefined;
});

async function start(options: Omit<GatewayHarnessOptions, "upstreamUrl"> = {}): Promise<{ gateway: GatewayHarness; upstream: FakeAnthropicServer; client: Anthropic }> {
  upstream = await startFakeAnthropicServer({ replies: () => ({ content: [{ type: "text", text: "Done." }], stop_reason: "end_turn" }), minCacheableTokens: 0 });
  gateway = await startGateway({ upstreamUrl: upstream.url, ...options });
  return { gateway, upstream, client: new Anthropic({ apiKey: gateway.token, baseURL: gateway.baseURL, maxRetries: 0 }) };
}

const ask = (client: Anthropic, text = "Go on.") => client.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: text }] });

async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: unknown; headers: Headers }> {
  const response = await fetch(url, { method: "POST", headers, body });
  const text = await response.text();
  expect(text).not.toContain(PROVIDER_KEY);
  return { status: response.status, json: JSON.parse(text), headers: response.headers };
}

const apiError = (type: string, message: unknown = expect.any(String)) => ({ type: "error", error: { type, message } });

describe("the model gateway, refusing", () => {
  it("answers 401 to a missing, unknown, malformed, revoked or expired credential, and the SDK raises AuthenticationError", async () => {
    const { gateway, upstream } = await start();
    const unknown = `hmr_999_${"A".repeat(43)}`;
    const refusedOf = async (apiKey: string) => {
      const client = new Anthropic({ apiKey, baseURL: gateway.baseURL, maxRetries: 0 });
      const error = await ask(client).catch((e: unknown) => e);
      expect(error, apiKey).toBeInstanceOf(Anthropic.AuthenticationError);
      expect((error as InstanceType<typeof Anthropic.AuthenticationError>).error).toEqual(apiError("authentication_error"));
    };
    await refusedOf(unknown);
    await refusedOf("not-a-credential");
    await refusedOf(PROVIDER_KEY);
    const missing = await post(`${gateway.baseURL}/v1/messages`, JSON.stringify({ model: MODEL }), HEADERS);
    expect(missing).toMatchObject({ status: 401, json: apiError("authentication_error") });

    // The run's next attempt gets a new credential: the first one is refused from then on.
    const next = gateway.credentials.issueRunCredential(gateway.runId, 2, 60_000);
    await refusedOf(gateway.token);
    await ask(new Anthropic({ apiKey: next.token, baseURL: gateway.baseURL, maxRetries: 0 }));
    const expiring = gateway.credentials.issueRunCredential(gateway.runId, 3, 1);
    while (Date.now() <= expiring.expiresAt.getTime()) await new Promise((resolve) => setTimeout(resolve, 2));
    await refusedOf(expiring.token);
    expect(upstream.exchanges).toHaveLength(1);
  });

  it.each<[string, GatewayBudgets, string, RegExp]>([
    ["turns", { turns: 1 }, "turns", /the turn budget: 1 of 1 model calls used/],
    ["input tokens", { turns: 10, inputTokens: 1 }, "input_tokens", /the input token budget/],
    ["output tokens", { turns: 10, outputTokens: 1 }, "output_tokens", /the output token budget/],
    ["cost", { turns: 10, costUsd: 0.000_001 }, "cost", /the cost budget: \$0\.\d{4} of \$0\.0000 spent/],
  ])("refuses a call past the %s budget with 403 and x-hamster-budget, without calling the model API", async (_name, budgets, header, detail) => {
    const { gateway, upstream, client } = await start({ budgets });
    await ask(client);
    const error = await ask(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const refused = error as InstanceType<typeof Anthropic.PermissionDeniedError>;
    expect(refused.headers.get("x-hamster-budget")).toBe(header);
    expect(refused.error).toEqual(apiError("permission_error", expect.stringMatching(detail)));
    expect(upstream.exchanges).toHaveLength(1);
    expect(gateway.calls).toHaveLength(1);
    // Counting tokens costs nothing: it is still answered.
    await client.messages.countTokens({ model: MODEL, messages: [{ role: "user", content: "How many?" }] });
    expect(upstream.exchanges).toHaveLength(2);
  });

  it("refuses a model the run may not use, with 403 and no budget header", async () => {
    const { upstream, client } = await start({ allowedModels: ["claude-haiku-4-5"] });
    const error = (await ask(client).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.PermissionDeniedError>;
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(error.headers.get("x-hamster-budget")).toBeNull();
    expect(error.apiMessage).toContain(`may not call the model "${MODEL}"`);
    expect(upstream.exchanges).toHaveLength(0);
  });

  it("answers 400 to a body that is not JSON, not an object, or names no model", async () => {
    const { gateway, upstream } = await start();
    const headers = { ...HEADERS, "x-api-key": gateway.token };
    for (const body of ["{not json", "[1, 2]", "null", JSON.stringify({ max_tokens: 5 }), JSON.stringify({ model: "  " })]) {
      const answer = await post(`${gateway.baseURL}/v1/messages`, body, headers);
      expect(answer, body).toMatchObject({ status: 400, json: apiError("invalid_request_error") });
    }
    expect(upstream.exchanges).toHaveLength(0);
  });

  it("answers 413 to a body over the limit, declared or streamed, and still serves the next request", async () => {
    const { gateway, upstream, client } = await start({ maxBodyBytes: 4096 });
    const big = JSON.stringify({ model: MODEL, max_tokens: 5, messages: [{ role: "user", content: "x".repeat(10_000) }] });
    const declared = await post(`${gateway.baseURL}/v1/messages`, big, { ...HEADERS, "x-api-key": gateway.token });
    expect(declared).toMatchObject({ status: 413, json: apiError("request_too_large") });

    // Without a content-length the limit is found while reading.
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${gateway.baseURL}/v1/messages`, { method: "POST", headers: { ...HEADERS, "x-api-key": gateway.token, "transfer-encoding": "chunked" } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      for (let i = 0; i < 10; i++) req.write(big.slice(i * 1000, (i + 1) * 1000));
      req.end(big.slice(10_000));
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body)).toEqual(apiError("request_too_large"));
    const sdkError = await ask(client, "x".repeat(10_000)).catch((e: unknown) => e);
    expect(sdkError).toMatchObject({ status: 413 });
    expect(upstream.exchanges).toHaveLength(0);
    await ask(client);
    expect(upstream.exchanges).toHaveLength(1);
  });

  it("answers 404 and 405 under its path, and leaves other paths to the server", async () => {
    const { gateway } = await start();
    const headers = { ...HEADERS, "x-api-key": gateway.token };
    expect(await post(`${gateway.baseURL}/v1/complete`, "{}", headers)).toMatchObject({ status: 404, json: apiError("not_found_error") });
    const get = await fetch(`${gateway.baseURL}/v1/messages`, { headers });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    const outside = await fetch(`${gateway.url}/api/hamster/modelling/v1/messages`, { method: "POST", headers, body: "{}" });
    expect(await outside.json()).toEqual({ error: "not found" });
  });

  it("answers 500 without retries when the installation has no provider key", async () => {
    const { upstream, client } = await start({ providerKey: null });
    const error = (await ask(client).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.InternalServerError>;
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error.headers.get("x-should-retry")).toBe("false");
    expect(error.apiMessage).toContain("no model API key is configured");
    expect(upstream.exchanges).toHaveLength(0);
  });
});
