import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCommandEnv } from "../../src/agent/tools/bash.js";
import { parseSettings } from "../../src/config/env.js";
import { RunFailure } from "../../src/domain/run-failure.js";
import { runSetupCommands } from "../../src/runner/run-setup.js";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startFakeUpstreamProxy } from "../sandbox/fake-upstream-proxy.js";
import { createLayout, requireBubblewrap, type Layout } from "../sandbox/sandbox-fixture.js";

/* Setup commands in a real sandbox, with the network each HAMSTER_SETUP_NETWORK gives them. No request leaves the machine: the hosts asked for are refused or unreachable. */

let layout: Layout;

beforeAll(async () => {
  await requireBubblewrap();
  layout = createLayout();
});

afterAll(() => layout?.cleanup());

function setup(commands: string[], env: Record<string, string> = {}) {
  const settings = parseSettings({ HAMSTER_DATA_DIR: layout.dataDir, HAMSTER_COMMAND_TIMEOUT_SECONDS: "20", ...env });
  return runSetupCommands({
    commands,
    settings: { ...settings, sandbox: { ...settings.sandbox, hidePaths: [layout.dataDir, layout.appDir, layout.keyFile] } },
    workdir: layout.workdir,
    home: layout.home,
    readOnlyPaths: [],
    env: buildCommandEnv({ HOME: layout.home }),
    signal: new AbortController().signal,
    onCommand: () => undefined,
  });
}

describe("runSetupCommands", () => {
  it("runs through the egress proxy by default, and names the refused hosts and the fix when a command fails", async () => {
    // The socket directory's name, as the mount table inside shows it.
    const failure = await setup(["grep -o 'hamster-egress-[A-Za-z0-9]*' /proc/self/mountinfo > first.txt", "curl -sS --max-time 5 https://not-allowed.example/x"]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RunFailure);
    const message = (failure as RunFailure).message;
    expect(message).toContain("The setup command `curl -sS --max-time 5 https://not-allowed.example/x` from .github/hamster.yml failed (exit code 56).");
    expect(message).toContain("Hamster's egress proxy refused: not-allowed.example (not in the allowlist)");
    expect(message).toContain("HAMSTER_SETUP_ALLOW_HOSTS");
    // The proxy is closed on failure too: its directory is gone.
    const socketDir = readFileSync(join(layout.workdir, "first.txt"), "utf8").trim();
    expect(socketDir).toMatch(/^hamster-egress-\w+$/);
    expect(existsSync(join(tmpdir(), socketDir))).toBe(false);
  });

  it("reports what the proxy allowed and refused when setup succeeds", async () => {
    const report = await setup(["curl -sS --max-time 5 http://blocked.example/ >/dev/null; true"]);
    expect(report).toEqual({ allowed: [], refused: [{ host: "blocked.example", requests: 1, reason: "not in the allowlist", allowEntry: "blocked.example" }] });
  });

  it("chains the egress proxy to the app's HTTP_PROXY and HTTPS_PROXY, which get the allowed names to resolve", async () => {
    const destination = createServer((req, res) => res.end(`destination ${req.url}`));
    await new Promise<void>((resolve) => destination.listen(0, "127.0.0.1", resolve));
    const upstream = await startFakeUpstreamProxy((destination.address() as AddressInfo).port);
    try {
      const proxyUrl = `http://127.0.0.1:${upstream.port}`;
      const report = await setup(
        [
          "curl -sS --max-time 5 http://registry.corp.test/plain > plain.txt",
          "curl -sS --max-time 5 --proxytunnel http://registry.corp.test:443/tunnel > tunnel.txt",
          "curl -sS --max-time 5 http://other.corp.test/ >/dev/null; true",
        ],
        { HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl, HAMSTER_SETUP_ALLOW_HOSTS: "registry.corp.test" },
      );
      expect(readFileSync(join(layout.workdir, "plain.txt"), "utf8")).toBe("upstream GET http://registry.corp.test/plain");
      expect(readFileSync(join(layout.workdir, "tunnel.txt"), "utf8")).toBe("destination /tunnel");
      expect(upstream.received.map((r) => `${r.method} ${r.target}`)).toEqual(["GET http://registry.corp.test/plain", "CONNECT registry.corp.test:443"]);
      expect(report.refused).toEqual([{ host: "other.corp.test", requests: 1, reason: "not in the allowlist", allowEntry: "other.corp.test" }]);
    } finally {
      await upstream.close();
      await new Promise((resolve) => destination.close(resolve));
    }
  });

  it("gives no network with HAMSTER_SETUP_NETWORK=none, and no proxy to blame", async () => {
    const failure = await setup(["curl -sS --max-time 5 http://blocked.example/"], { HAMSTER_SETUP_NETWORK: "none" }).catch((error: unknown) => error);
    expect((failure as RunFailure).message).not.toContain("egress proxy");
    expect((failure as RunFailure).message).toMatch(/Could not resolve host|Couldn't resolve/);
  });

  it("does nothing, and starts no proxy, without commands", async () => {
    expect(await setup([])).toEqual({ allowed: [], refused: [] });
  });
});
