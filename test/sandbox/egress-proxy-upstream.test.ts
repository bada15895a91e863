import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LookupHost } from "../../src/sandbox/egress-decision.js";
import { startEgressProxy, type EgressProxy } from "../../src/sandbox/egress-proxy.js";
import { parseUpstreamProxies, type UpstreamProxies } from "../../src/sandbox/upstream-proxy.js";
import { allow, get, tunnel } from "./egress-client.js";
import { startFakeUpstreamProxy, type FakeUpstreamProxy } from "./fake-upstream-proxy.js";

/*
 * The egress proxy chained to the app's own proxy, as corporate networks require: a small
 * CONNECT proxy on 127.0.0.1 stands for the corporate one, records what it gets and takes
 * every tunnel to this test's destination server. The resolver is faked and records what
 * it was asked: names that go through the upstream are resolved there, not here.
 */

const CREDENTIALS = `Basic ${Buffer.from("hamster:s3cret").toString("base64")}`;

let destination: Server;
let destinationPort: number;
let upstream: FakeUpstreamProxy;
let proxy: EgressProxy | undefined;
let lookups: string[];

const lookup: LookupHost = async (name) => {
  lookups.push(name);
  if (name === "mirror.corp.example") return [{ address: "127.0.0.1", family: 4 }];
  throw new Error(`getaddrinfo ENOTFOUND ${name}`);
};

beforeAll(async () => {
  destination = createServer((req, res) => res.end(`destination ${req.method} ${req.url} host=${req.headers.host}`));
  await new Promise<void>((resolve) => destination.listen(0, "127.0.0.1", resolve));
  destinationPort = (destination.address() as AddressInfo).port;
  upstream = await startFakeUpstreamProxy(destinationPort);
});

afterAll(async () => {
  await upstream.close();
  await new Promise((resolve) => destination.close(resolve));
});

beforeEach(() => {
  lookups = [];
  upstream.received.length = 0;
  upstream.status = 200;
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

function upstreamFrom(env: Record<string, string>): UpstreamProxies {
  const parsed = parseUpstreamProxies(env);
  if (!parsed.ok || parsed.proxies === undefined) throw new Error(`no upstream in ${JSON.stringify(env)}`);
  return parsed.proxies;
}

async function start(hosts: string[], env: Record<string, string> = {}): Promise<EgressProxy> {
  const url = `http://hamster:s3cret@127.0.0.1:${upstream.port}`;
  const upstreamProxies = upstreamFrom({ HTTPS_PROXY: url, HTTP_PROXY: url, NO_PROXY: "mirror.corp.example,localhost", ...env });
  proxy = await startEgressProxy({ allowHosts: allow(...hosts), ports: [80, 443, destinationPort], connectTimeoutMs: 2_000, upstream: upstreamProxies, lookup });
  return proxy;
}

describe("an egress proxy with an upstream proxy", () => {
  it("tunnels an allowed name through the upstream, with the upstream's credentials, resolving nothing itself", async () => {
    const { socketPath } = await start(["registry.npmjs.org"]);
    const answer = await tunnel(socketPath, "registry.npmjs.org:443");
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("destination GET /tunnelled host=registry.npmjs.org:443");
    expect(upstream.received).toEqual([{ method: "CONNECT", target: "registry.npmjs.org:443", host: "registry.npmjs.org:443", proxyAuthorization: CREDENTIALS }]);
    expect(lookups).toEqual([]);
    expect(proxy!.report()).toEqual({ allowed: [{ host: "registry.npmjs.org", requests: 1 }], refused: [] });
  });

  it("sends a plain request to the upstream in absolute form, with the upstream's credentials and never the client's", async () => {
    const { socketPath } = await start(["registry.npmjs.org"]);
    const answer = await get(socketPath, "http://registry.npmjs.org/pkg?v=1", { "proxy-authorization": "Basic Y2xpZW50" });
    expect(answer).toEqual({ status: 200, body: "upstream GET http://registry.npmjs.org/pkg?v=1" });
    expect(upstream.received).toEqual([{ method: "GET", target: "http://registry.npmjs.org/pkg?v=1", host: "registry.npmjs.org", proxyAuthorization: CREDENTIALS }]);
  });

  it("still refuses names that are not listed, ports not allowed, and addresses not listed, before asking the upstream", async () => {
    const { socketPath } = await start(["registry.npmjs.org"]);
    expect((await tunnel(socketPath, "evil.example:443")).status).toBe(403);
    expect((await get(socketPath, "http://evil.example/")).status).toBe(403);
    expect((await tunnel(socketPath, "registry.npmjs.org:8443")).status).toBe(403);
    expect((await tunnel(socketPath, "127.0.0.1:443")).status).toBe(403);
    expect((await get(socketPath, "http://169.254.169.254/latest/meta-data/")).status).toBe(403);
    expect(upstream.received).toEqual([]);
  });

  it("reaches NO_PROXY hosts directly, with the address checks of a direct connection", async () => {
    let { socketPath } = await start(["mirror.corp.example"]);
    const refused = await tunnel(socketPath, `mirror.corp.example:${destinationPort}`);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain("it resolves to 127.0.0.1, a loopback address");
    await proxy!.close();
    ({ socketPath } = await start(["mirror.corp.example", "127.0.0.1"]));
    const direct = await tunnel(socketPath, `mirror.corp.example:${destinationPort}`);
    expect(direct.status).toBe(200);
    expect(direct.body).toContain(`destination GET /tunnelled host=mirror.corp.example:${destinationPort}`);
    expect(lookups).toEqual(["mirror.corp.example", "mirror.corp.example"]);
    expect(upstream.received).toEqual([]);
  });

  it("tunnels through HTTP_PROXY when HTTPS_PROXY is not set, and sends everything there with an empty NO_PROXY", async () => {
    proxy = await startEgressProxy({
      allowHosts: allow("mirror.corp.example"),
      ports: [443],
      connectTimeoutMs: 2_000,
      upstream: upstreamFrom({ http_proxy: `127.0.0.1:${upstream.port}` }),
      lookup,
    });
    expect((await tunnel(proxy.socketPath, "mirror.corp.example:443")).status).toBe(200);
    expect(upstream.received).toEqual([{ method: "CONNECT", target: "mirror.corp.example:443", host: "mirror.corp.example:443", proxyAuthorization: undefined }]);
    expect(lookups).toEqual([]);
  });

  it("answers 502 with the upstream's refusal, and never shows the upstream's credentials", async () => {
    const { socketPath } = await start(["registry.npmjs.org"]);
    upstream.status = 407;
    const tunnelled = await tunnel(socketPath, "registry.npmjs.org:443");
    expect(tunnelled.status).toBe(502);
    expect(tunnelled.body).toContain(`Hamster's egress proxy could not reach registry.npmjs.org:443: the upstream proxy http://127.0.0.1:${upstream.port} answered 407 Refused (it wants credentials`);
    const plain = await get(socketPath, "http://registry.npmjs.org/");
    expect(plain.status).toBe(502);
    expect(plain.body).toContain(`the upstream proxy http://127.0.0.1:${upstream.port} answered 407`);
    upstream.status = 403;
    expect(await tunnel(socketPath, "registry.npmjs.org:443")).toMatchObject({ status: 502, body: expect.stringContaining("answered 403 Refused") });
    for (const body of [tunnelled.body, plain.body]) expect(body).not.toContain("s3cret");
  });

  it("answers 502 when the upstream cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { socketPath } = await start(["registry.npmjs.org"], { HTTPS_PROXY: `http://127.0.0.1:${deadPort}`, HTTP_PROXY: `http://127.0.0.1:${deadPort}` });
    const tunnelled = await tunnel(socketPath, "registry.npmjs.org:443");
    expect(tunnelled.status).toBe(502);
    expect(tunnelled.body).toContain(`could not reach registry.npmjs.org:443 through the upstream proxy http://127.0.0.1:${deadPort}: connect ECONNREFUSED`);
    expect((await get(socketPath, "http://registry.npmjs.org/")).status).toBe(502);
  });
});
