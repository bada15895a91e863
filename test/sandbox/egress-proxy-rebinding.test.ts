import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEgressProxy } from "../../src/sandbox/egress-proxy.js";
import { allow } from "./egress-client.js";

/*
 * DNS rebinding: a name that passes the address check on the first answer must not be
 * looked up again for the connection. The resolver is faked (each answer differs, as a
 * rebinding server's would); the first answer is this test's server on 127.0.0.1, listed
 * so that it passes, and the second an address that is not listed.
 */

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((_req, res) => res.end("checked address"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

it("connects to the addresses it checked, with no second lookup", async () => {
  const answers = [[{ address: "127.0.0.1", family: 4 }], [{ address: "127.0.0.2", family: 4 }]];
  let lookups = 0;
  const lookup = async () => (lookups++, answers.shift() ?? []);
  const proxy = await startEgressProxy({ allowHosts: allow("rebind.example", "127.0.0.1"), ports: [port], connectTimeoutMs: 2_000, lookup });
  try {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ socketPath: proxy.socketPath, path: `http://rebind.example:${port}/`, timeout: 5_000 }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
        res.on("end", () => resolve(text));
      });
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", reject);
      req.end();
    });
    expect(body).toBe("checked address");
    expect(lookups).toBe(1);
  } finally {
    await proxy.close();
  }
});
