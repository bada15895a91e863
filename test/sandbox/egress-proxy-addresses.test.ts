import { createServer, type Server } from "node:http";
import { isIP, type AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LookupHost } from "../../src/sandbox/egress-decision.js";
import { startEgressProxy, type EgressProxy } from "../../src/sandbox/egress-proxy.js";
import { allow, get, tunnel } from "./egress-client.js";

/*
 * Names that lead into the admin's own network, as inside an enterprise network where
 * the registry's name resolves to an internal mirror or a proxy that inspects TLS. The
 * resolver is faked; the only address ever connected to is this test's server on 127.0.0.1.
 */

const NAMES: Record<string, string[]> = {
  "registry.npmjs.org": ["127.0.0.1"],
  "npm.corp.example": ["10.20.30.40"],
  "mixed.example": ["127.0.0.1", "10.9.9.9"],
  "metadata.example": ["169.254.169.254"],
};

const lookup: LookupHost = async (name) => {
  const addresses = NAMES[name];
  if (addresses === undefined) throw new Error(`getaddrinfo ENOTFOUND ${name}`);
  return addresses.map((address) => ({ address, family: isIP(address) }));
};

let server: Server;
let port: number;
let proxy: EgressProxy | undefined;

beforeAll(async () => {
  server = createServer((req, res) => res.end(`mirror ${req.method} ${req.url} host=${req.headers.host}`));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function start(...hosts: string[]): Promise<EgressProxy> {
  await proxy?.close();
  proxy = await startEgressProxy({ allowHosts: allow(...hosts), ports: [port], connectTimeoutMs: 2_000, lookup });
  return proxy;
}

describe("a listed name that resolves to an address that is not public", () => {
  it("is refused, and the refusal says which address to list next to the name", async () => {
    const { socketPath } = await start("npm.corp.example");
    const answer = await tunnel(socketPath, `npm.corp.example:${port}`);
    expect(answer).toEqual({
      status: 403,
      body: "Hamster's egress proxy refused npm.corp.example: it resolves to 10.20.30.40, a private address, and a name may lead only to public addresses or to addresses listed in HAMSTER_SETUP_ALLOW_HOSTS; if that is where npm.corp.example should lead (an internal mirror, a proxy that inspects TLS), an admin of the Hamster server can add 10.20.30.40 (or a CIDR range that holds it) there, next to npm.corp.example.\n",
    });
    expect(proxy!.report().refused).toEqual([{ host: "npm.corp.example", requests: 1, reason: "resolves to 10.20.30.40, a private address", allowEntry: "10.20.30.40" }]);
  });

  it("passes once the entry the refusal named is listed, by both kinds of request", async () => {
    let { socketPath } = await start("registry.npmjs.org");
    expect((await tunnel(socketPath, `registry.npmjs.org:${port}`)).status).toBe(403);
    const entry = proxy!.report().refused[0]!.allowEntry!;
    expect(entry).toBe("127.0.0.1");
    ({ socketPath } = await start("registry.npmjs.org", entry));
    const tunnelled = await tunnel(socketPath, `registry.npmjs.org:${port}`);
    expect(tunnelled.status).toBe(200);
    expect(tunnelled.body).toContain(`mirror GET /tunnelled host=registry.npmjs.org:${port}`);
    expect(await get(socketPath, `http://registry.npmjs.org:${port}/pkg`)).toEqual({ status: 200, body: `mirror GET /pkg host=registry.npmjs.org:${port}` });
    expect(proxy!.report()).toEqual({ allowed: [{ host: "registry.npmjs.org", requests: 2 }], refused: [] });
  });

  it("passes when its address lies in a listed CIDR range, in any spelling", async () => {
    for (const range of ["127.0.0.0/8", "127.0.0.1/32", "::ffff:127.0.0.1"]) {
      const { socketPath } = await start("registry.npmjs.org", range);
      expect((await tunnel(socketPath, `registry.npmjs.org:${port}`)).status, range).toBe(200);
    }
    const { socketPath } = await start("registry.npmjs.org", "10.0.0.0/8", "127.0.0.2");
    expect((await tunnel(socketPath, `registry.npmjs.org:${port}`)).status).toBe(403);
  });

  it("is refused when any of its addresses is neither public nor listed", async () => {
    const { socketPath } = await start("mixed.example", "127.0.0.1");
    const answer = await get(socketPath, `http://mixed.example:${port}/`);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain("it resolves to 10.9.9.9, a private address");
  });

  it("gets no advice to list a link-local address (the metadata endpoint)", async () => {
    const { socketPath } = await start("metadata.example");
    const answer = await get(socketPath, `http://metadata.example:${port}/`);
    expect(answer).toEqual({
      status: 403,
      body: "Hamster's egress proxy refused metadata.example: it resolves to 169.254.169.254, a link-local address, and a name may lead only to public addresses or to addresses listed in HAMSTER_SETUP_ALLOW_HOSTS.\n",
    });
    expect(proxy!.report().refused[0]).not.toHaveProperty("allowEntry");
  });
});

describe("a listed address or range", () => {
  it("does not let a name through that is not listed itself", async () => {
    const { socketPath } = await start("127.0.0.0/8");
    const answer = await tunnel(socketPath, `registry.npmjs.org:${port}`);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain("refused registry.npmjs.org: it is not in HAMSTER_SETUP_ALLOW_HOSTS");
  });

  it("lets through the addresses in it asked for literally, and no others", async () => {
    const { socketPath } = await start("127.0.0.0/8");
    expect((await tunnel(socketPath, `127.0.0.1:${port}`)).status).toBe(200);
    expect((await get(socketPath, `http://[::ffff:127.0.0.1]:${port}/`)).status).toBe(200);
    expect((await tunnel(socketPath, `10.1.2.3:${port}`)).status).toBe(403);
  });
});
