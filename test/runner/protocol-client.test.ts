import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProtocolClient, ProtocolError } from "../../src/runner/protocol-client.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

let server: Server;
let url: string;
let dir: string;
let seen: Seen[];
/** The answers, in turn: [status, body]. */
let answers: [number, unknown][];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hamster-client-"));
  seen = [];
  answers = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
      const [status, body] = answers.shift() ?? [200, {}];
      if (Buffer.isBuffer(body)) return void res.writeHead(status, { "content-type": "application/octet-stream" }).end(body);
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  await rm(dir, { recursive: true, force: true });
});

const client = (attempts = 3) => createProtocolClient({ url, credential: "hmr_1_secret", attempts, retryDelayMs: 1 });

describe("createProtocolClient", () => {
  it("sends the credential as a bearer token under the protocol's path", async () => {
    answers = [[200, { stop: null }]];
    expect(await client().heartbeat()).toEqual({ stop: null });
    expect(seen[0]).toMatchObject({ method: "POST", url: "/api/hamster/runner/v1/heartbeat" });
    expect(seen[0]!.headers.authorization).toBe("Bearer hmr_1_secret");
  });

  it("tries again after an answer that may pass, and gives up on one that will not", async () => {
    answers = [
      [503, { error: "busy" }],
      [200, { applied: 1, stop: null }],
    ];
    const events = [{ seq: 1, at: "2026-12-05T12:00:00.000Z", event: { kind: "note" as const, text: "x" } }];
    expect(await client().postEvents(events)).toEqual({ applied: 1, stop: null });
    expect(seen.map((s) => s.body.toString())).toEqual([JSON.stringify({ events }), JSON.stringify({ events })]);

    answers = [[400, { error: "The request body is malformed: events: too small" }]];
    const refused = await client().postEvents([]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProtocolError);
    expect(refused).toMatchObject({ status: 400, message: expect.stringMatching(/HTTP 400: The request body is malformed/) });
    expect(seen).toHaveLength(3);
  });

  it("says the app could not be reached after its tries", async () => {
    const closed = createProtocolClient({ url: "http://127.0.0.1:1", credential: "x", attempts: 2, retryDelayMs: 1 });
    await expect(closed.heartbeat()).rejects.toMatchObject({ name: "ProtocolError", status: null, message: expect.stringMatching(/could not be reached/) });
  });

  it("refuses an answer that is not the protocol's", async () => {
    answers = [[200, { stop: 42 }]];
    await expect(client().waitForControl(0)).rejects.toThrow(/not what version 1 of the runner protocol says/);
  });

  it("counts a result the app already has as sent", async () => {
    answers = [[409, { error: "The runner has posted its result already" }]];
    await expect(client().postResult({ outcome: "failed", error: { message: "x" } })).resolves.toBeUndefined();
  });

  it("streams bundles both ways", async () => {
    const file = join(dir, "work.bundle");
    await writeFile(file, Buffer.alloc(100_000, 3));
    await client().uploadWorkBundle(file);
    expect(seen[0]).toMatchObject({ method: "PUT", url: "/api/hamster/runner/v1/work.bundle" });
    expect(seen[0]!.headers["content-length"]).toBe("100000");
    expect(seen[0]!.body).toEqual(Buffer.alloc(100_000, 3));

    answers = [[200, Buffer.from("PACK\u0000bytes")]];
    await client().downloadSourceBundle(join(dir, "source.bundle"));
    expect(await readFile(join(dir, "source.bundle"), "utf8")).toBe("PACK\u0000bytes");
  });

  it("reads an issue, or null when there is none", async () => {
    answers = [
      [200, { issue: { title: "Brief", body: null } }],
      [200, { issue: null }],
    ];
    expect(await client().getIssue(3)).toEqual({ title: "Brief", body: null });
    expect(await client().getIssue(4)).toBeNull();
    expect(seen.map((s) => s.url)).toEqual(["/api/hamster/runner/v1/issues/3", "/api/hamster/runner/v1/issues/4"]);
  });
});
