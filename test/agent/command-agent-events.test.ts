import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COMMAND_AGENTS } from "../../src/agent/command/agents.js";
import { createCommandAgent } from "../../src/agent/command/command-agent.js";
import type { AgentSession } from "../../src/agent/provider.js";
import type { RunEvent } from "../../src/domain/run-event.js";
import type { Task } from "../../src/task/task.js";
import { createCliArea, writeFakeCli } from "./fixtures/fake-cli.js";
import { anthropicLike } from "../security/fake-secrets.js";

const API_KEY = anthropicLike("command-events-key");
const TASK: Task = { number: 7, title: "Greet", description: "Say hello.", acceptanceCriteria: [], subtasks: [], instructions: "", comments: [] };

let root: string;
let bin: string;
let rec: string;
let workdir: string;
let sessions: AgentSession[];

beforeEach(async () => {
  ({ root, bin, rec, workdir } = await createCliArea("hamster-command-events-"));
  sessions = [];
});

afterEach(async () => {
  await Promise.all(sessions.map((session) => session.close()));
  await rm(root, { recursive: true, force: true });
});

/** A fake CLI whose n-th run prints the lines the test wrote to out-n. */
async function writeCli(name: string, runs: readonly string[]): Promise<string> {
  await Promise.all(runs.map((text, i) => writeFile(path.join(rec, `out-${i + 1}`), text, "utf8")));
  return writeFakeCli(bin, name, rec, `n=$(( $(cat "$rec/n" 2>/dev/null || echo 0) + 1 )); echo $n > "$rec/n"\ncat "$rec/out-$n"`);
}

async function start(agent: string, executable: string, events: RunEvent[]): Promise<AgentSession> {
  const spec = COMMAND_AGENTS.find((candidate) => candidate.name === agent)!;
  const provider = createCommandAgent(spec, {
    executablePath: executable,
    env: { PATH: `${bin}${path.delimiter}${process.env["PATH"] ?? "/usr/bin:/bin"}`, ANTHROPIC_API_KEY: API_KEY, OPENAI_API_KEY: API_KEY },
    commandTimeoutMs: 20_000,
  });
  const session = await provider.startSession({
    task: TASK,
    context: { repoInstructions: [] },
    workdir,
    model: "claude-sonnet-4-6",
    budgets: { turns: 10 },
    signal: new AbortController().signal,
    onEvent: (event) => events.push(event),
  });
  sessions.push(session);
  return session;
}

const jsonl = (...events: object[]): string => events.map((event) => `${JSON.stringify(event)}\n`).join("");
const USAGE = { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
const assistant = (id: string, content: object[]) => ({ type: "assistant", message: { id, model: "claude-sonnet-4-6", content, usage: USAGE } });
const result = (text: string) => ({ type: "result", subtype: "success", is_error: false, result: text, usage: USAGE });

describe("command-line agents' events", () => {
  it("Claude Code: reports its model and tool calls, turns going on across sends, its key taken out", async () => {
    const claude = await writeCli("claude", [
      jsonl(
        assistant("msg_1", [{ type: "tool_use", id: "tu_1", name: "Bash", input: { command: `curl -H 'x-api-key: ${API_KEY}' localhost` } }]),
        { type: "user", message: { content: [{ type: "tool_result", tool_use_id: "tu_1", content: "refused", is_error: true }] } },
        assistant("msg_2", [{ type: "text", text: "Planned." }]),
        result("Planned."),
      ),
      jsonl(assistant("msg_3", [{ type: "text", text: "Done." }]), result("Done.")),
    ]);
    const events: RunEvent[] = [];
    const session = await start("claude-code", claude, events);
    expect(await session.send("Plan.", "planning")).toBe("Planned.");
    expect(await session.send("Implement.", "implementing")).toBe("Done.");

    expect(events.map((e) => (e.kind === "model_call" ? `model ${e.turn}` : e.kind === "tool_call" ? `${e.tool} ${e.turn} ${e.outcome}` : e.kind))).toEqual([
      "model 1",
      "Bash 1 error",
      "model 2",
      "model 3",
    ]);
    expect(events[1]).toMatchObject({ summary: "curl -H 'x-api-key: [redacted]' localhost", detail: "refused" });
    expect(events[0]).toMatchObject({ usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: expect.any(Number) });
  });

  it("Codex and Aider: their plain output says nothing, so nothing is reported", async () => {
    for (const agent of ["codex", "aider"]) {
      await rm(path.join(rec, "n"), { force: true });
      const cli = await writeCli(agent, ["All done."]);
      const events: RunEvent[] = [];
      const session = await start(agent, cli, events);
      expect(await session.send("Implement.", "implementing")).toBe("All done.");
      expect(events).toEqual([]);
    }
  });
});
