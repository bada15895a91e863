import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { COMMAND_AGENTS } from "../../src/agent/command/agents.js";
import { createCommandAgent } from "../../src/agent/command/command-agent.js";
import type { CommandAgentNetwork } from "../../src/agent/command/options.js";
import { createAgentRegistry } from "../../src/agent/registry.js";
import { AgentError, type AgentSession, type AgentSessionRequest } from "../../src/agent/provider.js";
import { parseHostPattern, type HostPattern } from "../../src/sandbox/egress-allowlist.js";
import { writeFakeCli } from "../agent/fixtures/fake-cli.js";
import { parseUpstreamProxies, type UpstreamProxies } from "../../src/sandbox/upstream-proxy.js";
import { startFakeUpstreamProxy } from "./fake-upstream-proxy.js";
import { createLayout, requireBubblewrap, type Layout } from "./sandbox-fixture.js";
import { anthropicLike } from "../security/fake-secrets.js";
import { waitFor } from "../helpers/wait.js";

/*
 * A command agent's CLI in a real sandbox with the default "proxy" network: it reaches an
 * allowed server on the host's 127.0.0.1 only through its session's egress proxy, and is
 * refused anything else. Nothing leaves the machine: refused hosts are never connected to.
 * `--noproxy ''` makes curl use the proxy for 127.0.0.1 too (NO_PROXY lists it). Only the
 * CLI's stdout comes back, so curl's errors are sent there.
 */

let layout: Layout;
let bin: string;
let server: Server;
let port: number;
let sessions: AgentSession[] = [];

beforeAll(async () => {
  await requireBubblewrap();
  layout = createLayout();
  execFileSync("git", ["init", "-q", layout.workdir]);
  bin = path.join(layout.root, "bin");
  mkdirSync(bin, { recursive: true });
  server = createServer((req, res) => res.end(`model-api ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  sessions = [];
});

afterAll(async () => {
  layout?.cleanup();
  await new Promise((resolve) => server?.close(resolve));
});

function request(signal = new AbortController().signal): AgentSessionRequest {
  return {
    task: { number: 1, title: "Probe", description: "", acceptanceCriteria: [], subtasks: [], instructions: "", comments: [] },
    context: { repoInstructions: [] },
    workdir: layout.workdir,
    model: "claude-sonnet-4-6",
    budgets: { turns: 5 },
    signal,
  };
}

/** What HAMSTER_AGENT_CLI_ALLOW_HOSTS=127.0.0.1 gives, plus the test server's port. */
function allowTestServer(): CommandAgentNetwork {
  const pattern = (parseHostPattern("127.0.0.1") as { ok: true; pattern: HostPattern }).pattern;
  return { mode: "proxy", allowHosts: [pattern], extraPorts: [port] };
}

async function startClaude(body: string, network?: CommandAgentNetwork, signal?: AbortSignal): Promise<AgentSession> {
  const executable = await writeFakeCli(bin, "claude", layout.workdir, body);
  const agent = createCommandAgent(COMMAND_AGENTS.find((spec) => spec.name === "claude-code")!, {
    executablePath: executable,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ANTHROPIC_API_KEY: anthropicLike("test-key") },
    commandTimeoutMs: 15_000,
    sandbox: layout.settings(),
    ...(network ? { network } : {}),
  });
  const session = await agent.startSession(request(signal));
  sessions.push(session);
  return session;
}

// The host directory of the proxy's socket, from the sandbox's mount table (field 4 is the mount's root, field 5 where it is mounted).
const PRINT_EGRESS_DIR = `awk '$5 == "/tmp/.hamster-egress" { print "egress-dir=" $4 }' /proc/self/mountinfo`;

function egressDir(output: string): string {
  const match = /egress-dir=(\S+)/.exec(output);
  if (match === null) throw new Error(`no egress mount in:\n${output}`);
  return path.join(tmpdir(), path.basename(match[1]!));
}

describe("a command agent behind its egress proxy", () => {
  it("reaches an allowed host through the proxy, and only that: not another host, the metadata endpoint or the host directly", async () => {
    const session = await startClaude(
      [
        `curl -sS --max-time 5 --noproxy '' http://127.0.0.1:${port}/plain`,
        "echo",
        `curl -sS --max-time 5 --noproxy '' --proxytunnel http://127.0.0.1:${port}/tunnel`,
        "echo",
        "curl -sS --max-time 5 -w ' status=%{http_code}\\n' http://other.example/x",
        "curl -sS --max-time 5 https://other.example/x 2>&1; echo \"https-exit=$?\"",
        "curl -sS --max-time 5 -w ' status=%{http_code}\\n' http://169.254.169.254/latest/meta-data/",
        `curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:${port}/direct 2>&1; echo "direct-exit=$?"`,
        PRINT_EGRESS_DIR,
      ].join("\n"),
      allowTestServer(),
    );
    const output = await session.send("Probe the network.", "implementing");
    expect(output).toContain("model-api /plain\nmodel-api /tunnel");
    expect(output).toContain("Hamster's egress proxy refused other.example: it is not in HAMSTER_AGENT_CLI_ALLOW_HOSTS");
    expect(output).toMatch(/CONNECT tunnel failed, response 403[\s\S]*https-exit=56/);
    expect(output).toContain("refused 169.254.169.254");
    expect(output).not.toContain("model-api /direct");
    expect(output).toMatch(/direct-exit=7/);
    // One proxy for the session, gone with it.
    const dir = egressDir(output);
    expect(existsSync(dir)).toBe(true);
    await session.close();
    expect(existsSync(dir)).toBe(false);
  });

  it("names the refused hosts and the setting that allows them when the CLI fails", async () => {
    const session = await startClaude(
      [
        "curl -sS --max-time 5 http://other.example/x >/dev/null",
        "curl -sS --max-time 5 http://169.254.169.254/latest/meta-data/ >/dev/null",
        "echo 'Connection error.' >&2",
        "exit 1",
      ].join("\n"),
      allowTestServer(),
    );
    const error = await session.send("Go.", "implementing").then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(AgentError);
    const message = (error as AgentError).message;
    expect(message).toContain("exited with code 1");
    expect(message).toContain("Hamster's egress proxy refused: other.example (not in the allowlist), 169.254.169.254 (not in the allowlist)");
    expect(message).toContain("HAMSTER_AGENT_CLI_ALLOW_HOSTS");
    expect(message).toContain("HAMSTER_AGENT_CLI_NETWORK=host");
    expect(message).toContain("Connection error.");
  });

  it("allows only the model API by default: the test server on 127.0.0.1 is refused", async () => {
    const session = await startClaude(`curl -sS --max-time 5 --noproxy '' -w ' status=%{http_code}\\n' http://127.0.0.1:${port}/x; ${PRINT_EGRESS_DIR}`);
    const output = await session.send("Go.", "implementing");
    expect(output).toContain("status=403");
    expect(output).not.toContain("model-api");
  });

  it("reaches its model API through the app's upstream proxy, which resolves the name", async () => {
    const upstream = await startFakeUpstreamProxy(port);
    try {
      const parsed = parseUpstreamProxies({ HTTPS_PROXY: `http://127.0.0.1:${upstream.port}` }) as { ok: true; proxies: UpstreamProxies };
      const session = await startClaude(
        [
          "curl -sS --max-time 5 --proxytunnel http://api.anthropic.com:443/v1/messages",
          "echo",
          "curl -sS --max-time 5 --proxytunnel -w ' status=%{http_code}\\n' http://other.example:443/x 2>&1; true",
        ].join("\n"),
        { mode: "proxy", upstream: parsed.proxies },
      );
      const output = await session.send("Go.", "implementing");
      expect(output).toContain("model-api /v1/messages");
      expect(output).toContain("CONNECT tunnel failed, response 403");
      expect(upstream.received.map((r) => `${r.method} ${r.target}`)).toEqual(["CONNECT api.anthropic.com:443"]);
    } finally {
      await upstream.close();
    }
  });

  it("closes its proxy when the run is cancelled", async () => {
    const controller = new AbortController();
    const session = await startClaude(PRINT_EGRESS_DIR, allowTestServer(), controller.signal);
    const dir = egressDir(await session.send("Go.", "implementing"));
    expect(existsSync(dir)).toBe(true);
    controller.abort();
    await waitFor("the proxy's directory to go", () => !existsSync(dir));
  });
});

describe("a command agent with HAMSTER_AGENT_CLI_NETWORK=host", () => {
  it("starts no proxy and reaches the host's 127.0.0.1 directly (the registry passes the setting on)", async () => {
    await writeFakeCli(bin, "claude", layout.workdir, `curl -sS --max-time 5 http://127.0.0.1:${port}/direct; echo; echo "proxy=$HTTPS_PROXY"`);
    const builtin = { name: "claude", startSession: () => Promise.reject(new Error("not used")) };
    const registry = await createAgentRegistry({ builtin, env: { PATH: `${bin}${path.delimiter}${process.env["PATH"] ?? "/usr/bin:/bin"}` }, commandTimeoutMs: 15_000, sandbox: layout.settings(), cliNetwork: { mode: "host" } });
    const session = await registry.available["claude-code"]!.startSession(request());
    sessions.push(session);
    const output = await session.send("Go.", "implementing");
    expect(output).toContain("model-api /direct");
    expect(output).toMatch(/^proxy=$/m);
  });
});
