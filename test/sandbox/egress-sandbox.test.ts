import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parseHostPattern, type HostPattern } from "../../src/sandbox/egress-allowlist.js";
import { startEgressProxy, type EgressProxy } from "../../src/sandbox/egress-proxy.js";
import { waitFor } from "../helpers/wait.js";
import { createLayout, findMarkedProcesses, requireBubblewrap, runSandboxed, waitUntil, type Layout } from "./sandbox-fixture.js";

/*
 * A "proxy" sandbox for real: the command reaches an allowed server on the host's
 * 127.0.0.1 only through the egress proxy (the bridge inside forwards to its socket), and
 * nothing else. `--noproxy ''` makes curl use the proxy for 127.0.0.1 too (NO_PROXY lists it).
 */

let layout: Layout;
let server: Server;
let port: number;
let proxy: EgressProxy;

beforeAll(async () => {
  await requireBubblewrap();
  layout = createLayout();
  server = createServer((req, res) => res.end(`allowed-server ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  const allowHosts = ["127.0.0.1"].map((host) => (parseHostPattern(host) as { ok: true; pattern: HostPattern }).pattern);
  proxy = await startEgressProxy({ allowHosts, ports: [80, 443, port], connectTimeoutMs: 2_000 });
});

afterAll(async () => {
  await proxy?.close();
  layout?.cleanup();
  await new Promise((resolve) => server?.close(resolve));
});

afterEach(() => vi.useRealTimers());

function runWithProxy(script: string) {
  return runSandboxed(layout, script, { policy: { network: "proxy", egressProxySocket: proxy.socketPath } });
}

describe("a sandbox with network proxy", () => {
  it("reaches an allowed server through the proxy, by plain HTTP and by a CONNECT tunnel", async () => {
    const result = await runWithProxy(
      [`curl -sS --max-time 5 --noproxy '' http://127.0.0.1:${port}/plain`, "echo", `curl -sS --max-time 5 --noproxy '' --proxytunnel http://127.0.0.1:${port}/tunnel`].join("\n"),
    );
    expect(result).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(result.output).toBe("allowed-server /plain\nallowed-server /tunnel");
  });

  it("gets 403 for a host that is not listed, over HTTP and HTTPS, and the metadata endpoint", async () => {
    const result = await runWithProxy(
      [
        "curl -sS --max-time 5 -w ' status=%{http_code}\\n' http://registry.example/pkg",
        "curl -sS --max-time 5 https://registry.example/pkg; echo \"https-exit=$?\"",
        "curl -sS --max-time 5 -w ' status=%{http_code}\\n' http://169.254.169.254/latest/meta-data/",
      ].join("\n"),
    );
    expect(result).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(result.output).toContain("Hamster's egress proxy refused registry.example: it is not in HAMSTER_SETUP_ALLOW_HOSTS");
    expect(result.output).toContain("status=403");
    expect(result.output).toMatch(/CONNECT tunnel failed, response 403[\s\S]*https-exit=56/);
    expect(result.output).toContain("refused 169.254.169.254");
    expect(proxy.report().refused.map((entry) => entry.host)).toEqual(expect.arrayContaining(["registry.example", "169.254.169.254"]));
  });

  it("cannot connect directly, bypassing the proxy, to the host's 127.0.0.1", async () => {
    const result = await runWithProxy(`curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:${port}/direct; echo "direct-exit=$?"`);
    expect(result.output).not.toContain("allowed-server");
    expect(result.output).toMatch(/direct-exit=7/);
  });

  it("sees the proxy variables, and passes on the command's exit code", async () => {
    const result = await runWithProxy('echo "$HTTPS_PROXY $http_proxy $NO_PROXY"; exit 3');
    expect(result).toMatchObject({ ending: "exited", exitCode: 3 });
    expect(result.output).toContain("http://127.0.0.1:3128 http://127.0.0.1:3128 localhost,127.0.0.1");
  });

  it("leaves no process behind when the command ends or times out (the bridge ends with the pid namespace)", async () => {
    const marker = `hamster-egress-leftover-${process.pid}`;
    const ended = await runWithProxy(`(exec -a ${marker} sleep 30) & echo started`);
    expect(ended).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(await waitUntil(() => findMarkedProcesses(marker).length === 0)).toBe(true);
    // The time limit is a timer: faked, it runs out once the background process runs, however slowly the sandbox started.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const timingOut = runSandboxed(layout, `(exec -a ${marker} sleep 30) & sleep 30`, {
      timeoutMs: 1_000,
      policy: { network: "proxy", egressProxySocket: proxy.socketPath },
    });
    await waitFor("the background process", () => findMarkedProcesses(marker).length === 1);
    await vi.advanceTimersByTimeAsync(1_000);
    const timedOut = await timingOut;
    expect(timedOut.ending).toBe("timeout");
    expect(await waitUntil(() => findMarkedProcesses(marker).length === 0)).toBe(true);
  });
});
