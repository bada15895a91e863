import { createHmac } from "node:crypto";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { createNodeMiddleware, createProbot } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installWebhookBodyGuard, parseWebhookBody } from "../../src/server/webhook-body-guard.js";
import { generatePrivateKey } from "../helpers/app.js";

describe("parseWebhookBody", () => {
  it("says an empty body is empty", () => {
    expect(parseWebhookBody(new Uint8Array())).toEqual({ ok: false, error: "The request body is empty: a webhook delivery carries its event as JSON." });
  });

  it("says a body that is not JSON is not JSON, and why", () => {
    const body = parseWebhookBody(Buffer.from("payload=%7B%7D"));
    expect(body.ok).toBe(false);
    expect(!body.ok && body.error).toMatch(/^The request body is not valid JSON: .+/);
    expect(parseWebhookBody(Buffer.from("   ")).ok).toBe(false);
  });

  it("hands on JSON as the text @octokit/webhooks would have decoded (byte order mark dropped)", () => {
    expect(parseWebhookBody(Buffer.from('{"zen":"ü"}'))).toEqual({ ok: true, text: '{"zen":"ü"}' });
    expect(parseWebhookBody(Buffer.from('\uFEFF{"a":1}'))).toEqual({ ok: true, text: '{"a":1}' });
  });
});

/** Probot's node middleware with the guard at a 1 KiB limit, on 127.0.0.1. */
describe("installWebhookBodyGuard", () => {
  const secret = "guard-secret";
  const received: string[] = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const probot = createProbot({
      env: { APP_ID: "1", PRIVATE_KEY: generatePrivateKey(), WEBHOOK_SECRET: secret },
      overrides: { log: pino({ level: "silent" }) },
    });
    const middleware = await createNodeMiddleware(
      (app) => {
        installWebhookBodyGuard(app, 1024);
        app.onAny((event) => void received.push(event.id));
      },
      { probot },
    );
    server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end("next")));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const headers = (id: string, body: string) => ({
    "content-type": "application/json",
    "x-github-event": "ping",
    "x-github-delivery": id,
    "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
  });

  it("passes a signed body within the limit on to @octokit/webhooks", async () => {
    const body = JSON.stringify({ zen: "x".repeat(1000) });
    const response = await fetch(`${base}/api/github/webhooks`, { method: "POST", body, headers: headers("within", body) });
    expect(response.status).toBe(200);
    expect(received).toContain("within");
  });

  it("refuses a body streamed past the limit with 413 and closes the connection", async () => {
    const answer = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const request = httpRequest(`${base}/api/github/webhooks`, { method: "POST", headers: headers("past", "{}"), agent: false }, (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, connection: response.headers.connection });
      });
      request.on("error", reject);
      // Chunked, no Content-Length: 2 KiB in two writes, the request left open.
      request.write(Buffer.alloc(1024, " "));
      request.write(Buffer.alloc(1024, " "));
    });
    expect(answer).toEqual({ status: 413, connection: "close" });
    expect(received).not.toContain("past");
  });

  it("leaves other paths and methods to the handlers after it", async () => {
    expect(await (await fetch(`${base}/elsewhere`, { method: "POST", body: "" })).text()).toBe("next");
    expect((await fetch(`${base}/api/github/webhooks`)).status).toBe(404);
  });
});
