// nock first: the Anthropic client must see the patched global fetch.
import nock from "nock";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClaudeAgent } from "../../src/agent/claude-agent.js";
import { COMMAND_AGENTS } from "../../src/agent/command/agents.js";
import { createCommandAgent } from "../../src/agent/command/command-agent.js";
import type { AgentSession, AgentSessionRequest } from "../../src/agent/provider.js";
import { mockAnthropic, reply, text, toolUse } from "../helpers/anthropic.js";
import { writeFakeCli } from "../agent/fixtures/fake-cli.js";
import { CANARY, createLayout, requireBubblewrap, type Layout } from "./sandbox-fixture.js";
import { anthropicLike } from "../security/fake-secrets.js";

/* The agents run every command in the sandbox they are given: the Claude loop's bash tool, and a command agent's CLI. */

let layout: Layout;
let sessions: AgentSession[] = [];

beforeAll(async () => {
  await requireBubblewrap();
  layout = createLayout();
  execFileSync("git", ["init", "-q", layout.workdir]);
  nock.disableNetConnect();
});

afterEach(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  sessions = [];
  nock.cleanAll();
});

afterAll(() => {
  nock.enableNetConnect();
  layout?.cleanup();
});

function request(): AgentSessionRequest {
  return {
    task: { number: 1, title: "Probe", description: "", acceptanceCriteria: [], subtasks: [], instructions: "", comments: [] },
    context: { repoInstructions: [] },
    workdir: layout.workdir,
    model: "claude-sonnet-4-6",
    budgets: { turns: 5 },
    signal: new AbortController().signal,
  };
}

// What a command can see: its processes, the hidden data, its HOME (writable), a write outside.
const PROBE = [
  `echo "procs=$(ls -d /proc/[0-9]* | wc -l)"`,
  `cat ${path.join("$DATA", "canary")} 2>/dev/null; echo "data-exit=$?"`,
  `touch "$HOME/written" && echo home-writable`,
  `touch "$OUTSIDE/x" 2>/dev/null; echo "outside-exit=$?"`,
].join("; ");

function probe(): string {
  return PROBE.replace("$DATA", layout.dataDir).replace("$OUTSIDE", layout.outside);
}

describe("the Claude agent with a sandbox", () => {
  it("runs the bash tool in the sandbox, with its session HOME writable", async () => {
    const model = mockAnthropic([reply([toolUse("tu_1", "bash", { command: probe() })], "tool_use"), reply([text("Done.")])]);
    const agent = createClaudeAgent({ apiKey: anthropicLike("test"), baseURL: "https://api.anthropic.com", maxTokens: 1024, commandTimeoutMs: 10_000, maxRetries: 0, sandbox: layout.settings() });
    const session = await agent.startSession(request());
    sessions.push(session);
    expect(await session.send("Probe the sandbox.", "implementing")).toBe("Done.");
    const result = JSON.stringify(model.requests[1].messages.at(-1).content[0].content);
    expect(result).toMatch(/procs=[1-9]\b/);
    expect(result).toContain("data-exit=1");
    expect(result).toContain("home-writable");
    expect(result).toContain("outside-exit=1");
    expect(result).not.toContain(CANARY);
    expect(nock.isDone()).toBe(true);
  });
});

describe("a command agent with a sandbox", () => {
  it("runs its CLI in the sandbox, with its own HOME writable, and the host network when asked for it", async () => {
    const bin = path.join(layout.root, "bin");
    mkdirSync(bin, { recursive: true });
    // The record goes to stdout: the CLI cannot write outside the checkout and its HOME.
    const executable = await writeFakeCli(bin, "claude", layout.workdir, `${probe()}; [ -e /proc/net/dev ] && echo "ifaces=$(tail -n +3 /proc/net/dev | wc -l)"`);
    const spec = COMMAND_AGENTS.find((candidate) => candidate.name === "claude-code")!;
    const agent = createCommandAgent(spec, {
      executablePath: executable,
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ANTHROPIC_API_KEY: anthropicLike("test-key") },
      commandTimeoutMs: 10_000,
      // The policy's network "none" is not the CLI's: HAMSTER_AGENT_CLI_NETWORK=host gives it the host's
      // (the default, its own egress proxy, is tested in agent-egress.test.ts).
      sandbox: layout.settings(),
      network: { mode: "host" },
    });
    const session = await agent.startSession(request());
    sessions.push(session);
    const output = await session.send("Probe the sandbox.", "implementing");
    expect(output).toMatch(/procs=[1-9]\b/);
    expect(output).toContain("data-exit=1");
    expect(output).toContain("home-writable");
    expect(output).toContain("outside-exit=1");
    expect(output).not.toContain(CANARY);
    // The host's interfaces, more than a lone loopback.
    const hostIfaces = execFileSync("sh", ["-c", "tail -n +3 /proc/net/dev | wc -l"], { encoding: "utf8" }).trim();
    expect(output).toContain(`ifaces=${hostIfaces}`);
  });
});
