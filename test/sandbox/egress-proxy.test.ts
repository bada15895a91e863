import { statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEgressProxy, type EgressProxy } from "../../src/sandbox/egress-proxy.js";
import { allow, get, tunnel } from "./egress-client.js";

/* The egress proxy on its own: a real destination server on 127.0.0.1, reached through the proxy's Unix socket. */

let server: Server;
let port: number;
let proxy: EgressProxy | undefined;

beforeAll(async () => {
  server = createServer((req, res) => res.end(`hello ${req.method} ${req.url} host=${req.headers.host} proxy-auth=${req.headers["proxy-authorization"] ?? "none"}`));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function start(hosts: string[], ports = [port]): Promise<EgressProxy> {
  proxy = await startEgressProxy({ allowHosts: allow(...hosts), ports, connectTimeoutMs: 2_000 });
  return proxy;
}

describe("startEgressProxy", () => {
  it("listens on a socket in a private directory and removes it when closed", async () => {
    const { socketPath } = await start(["127.0.0.1"]);
    expect(statSync(path.dirname(socketPath)).mode & 0o777).toBe(0o700);
    expect(statSync(socketPath).isSocket()).toBe(true);
    await proxy!.close();
    proxy = undefined;
    expect(() => statSync(path.dirname(socketPath))).toThrow();
  });

  it("forwards a plain request to an allowed IP literal, without the proxy's own headers, and counts it", async () => {
    const { socketPath } = await start(["127.0.0.1"]);
    const answer = await get(socketPath, `http://127.0.0.1:${port}/pkg?v=1`, { "proxy-authorization": "Basic c2VjcmV0" });
    expect(answer).toEqual({ status: 200, body: `hello GET /pkg?v=1 host=127.0.0.1:${port} proxy-auth=none` });
    expect(proxy!.report()).toEqual({ allowed: [{ host: "127.0.0.1", requests: 1 }], refused: [] });
  });

  it("opens a CONNECT tunnel to an allowed IP literal", async () => {
    const { socketPath } = await start(["127.0.0.1"]);
    const answer = await tunnel(socketPath, `127.0.0.1:${port}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*hello GET \/tunnelled/);
  });

  it("refuses a host that is not listed, naming it and the setting that allows it, without resolving it", async () => {
    const { socketPath } = await start(["127.0.0.1", "*.example.org"]);
    const plain = await get(socketPath, "http://metadata.google.internal/computeMetadata/v1/");
    expect(plain.status).toBe(403);
    expect(plain.body).toBe("Hamster's egress proxy refused metadata.google.internal: it is not in HAMSTER_SETUP_ALLOW_HOSTS; an admin of the Hamster server can add it there.\n");
    expect(await tunnel(socketPath, "169.254.169.254:80")).toEqual({ status: 403, body: "Hamster's egress proxy refused 169.254.169.254: it is not in HAMSTER_SETUP_ALLOW_HOSTS.\n" });
    expect(await tunnel(socketPath, "example.org:443")).toMatchObject({ status: 403 });
    // The metadata endpoint's address is refused without the advice to list it.
    expect(proxy!.report().refused).toEqual([
      { host: "metadata.google.internal", requests: 1, reason: "not in the allowlist", allowEntry: "metadata.google.internal" },
      { host: "169.254.169.254", requests: 1, reason: "not in the allowlist" },
      { host: "example.org", requests: 1, reason: "not in the allowlist", allowEntry: "example.org" },
    ]);
  });

  it("refuses a listed NAME that resolves to loopback, by both kinds of request, unless its address is listed", async () => {
    const { socketPath } = await start(["localhost", "10.0.0.0/8"]);
    const plain = await get(socketPath, `http://localhost:${port}/`);
    expect(plain.status).toBe(403);
    expect(plain.body).toMatch(/refused localhost: it resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(await tunnel(socketPath, `localhost:${port}`)).toMatchObject({ status: 403 });
    expect(proxy!.report()).toMatchObject({ allowed: [], refused: [{ host: "localhost", requests: 2 }] });
  });

  it("refuses ports other than the allowed ones", async () => {
    const { socketPath } = await start(["127.0.0.1"], [80, 443]);
    const answer = await tunnel(socketPath, `127.0.0.1:${port}`);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain("only ports 80 and 443");
  });

  it("answers 502 when an allowed destination does not accept the connection", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { socketPath } = await start(["127.0.0.1"], [deadPort]);
    expect((await get(socketPath, `http://127.0.0.1:${deadPort}/`)).status).toBe(502);
    expect((await tunnel(socketPath, `127.0.0.1:${deadPort}`)).status).toBe(502);
  });

  it("refuses requests that are not proxy requests, and oversized headers", async () => {
    const { socketPath } = await start(["127.0.0.1"]);
    expect((await get(socketPath, "/not-absolute")).status).toBe(400);
    expect((await get(socketPath, `ftp://127.0.0.1:${port}/`)).status).toBe(400);
    expect((await get(socketPath, `http://127.0.0.1:${port}/`, { "x-big": "a".repeat(20_000) })).status).toBe(431);
  });
});
