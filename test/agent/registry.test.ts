import { realpathSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COMMAND_AGENTS } from "../../src/agent/command/agents.js";
import type { AgentProvider } from "../../src/agent/provider.js";
import { KNOWN_AGENT_NAMES, createAgentRegistry } from "../../src/agent/registry.js";
import { runTestGit } from "../helpers/git.js";
import { writeFakeCli } from "./fixtures/fake-cli.js";

let root: string;
let bin: string;
let rec: string;

/** Stands in for the built-in loop; the registry only has to hand it out. */
const builtin: AgentProvider = {
  name: "claude",
  startSession: () => Promise.reject(new Error("the built-in agent is not under test")),
};

beforeEach(async () => {
  root = realpathSync(await mkdtemp(path.join(tmpdir(), "hamster-registry-")));
  bin = path.join(root, "bin");
  rec = path.join(root, "rec");
  await Promise.all([mkdir(bin), mkdir(rec)]);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("KNOWN_AGENT_NAMES", () => {
  it("is the built-in agent and every command agent", () => {
    expect(KNOWN_AGENT_NAMES).toEqual(["claude", "claude-code", "codex", "aider"]);
    expect(KNOWN_AGENT_NAMES.slice(1)).toEqual(COMMAND_AGENTS.map((spec) => spec.name));
  });
});

describe("createAgentRegistry", () => {
  it("offers a command agent only when its executable is on the given PATH", async () => {
    await writeFakeCli(bin, "codex", rec, "echo hi");
    // Present but not executable: not installed as far as running it goes.
    await writeFile(path.join(bin, "aider"), "#!/bin/sh\n", { mode: 0o644 });
    const registry = await createAgentRegistry({ builtin, env: { PATH: bin }, commandTimeoutMs: 10_000 });

    expect(Object.keys(registry.available).sort()).toEqual(["claude", "codex"]);
    expect(registry.available["claude"]).toBe(builtin);
    expect(registry.available["codex"]?.name).toBe("codex");
    expect(registry.known).toEqual(KNOWN_AGENT_NAMES);

    const none = await createAgentRegistry({ builtin, env: {}, commandTimeoutMs: 10_000 });
    expect(Object.keys(none.available)).toEqual(["claude"]);
  });

  it("finds nothing for names that are members of every object", async () => {
    const registry = await createAgentRegistry({ builtin, env: { PATH: bin }, commandTimeoutMs: 10_000 });
    for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
      expect(registry.available[name]).toBeUndefined();
    }
  });

  it("explains why an agent is missing, in words a user can act on", async () => {
    await writeFakeCli(bin, "codex", rec, "echo hi");
    const registry = await createAgentRegistry({ builtin, env: { PATH: bin }, commandTimeoutMs: 10_000 });

    expect(registry.explainMissing("aider")).toBe(
      'The agent "aider" needs the `aider` command-line tool on the Hamster server, and it was not found on PATH. Install it there, or use agent=claude.',
    );
    expect(registry.explainMissing("claude-code")).toContain("needs the `claude` command-line tool");
    expect(registry.explainMissing("gemini")).toBe(
      'There is no agent "gemini". Known agents: claude, claude-code, codex, aider (available on this server: claude, codex).',
    );
    expect(registry.explainMissing("toString")).toContain('There is no agent "toString"');
    expect(registry.explainMissing("codex")).toBe('The agent "codex" is available on this Hamster server.');
    // Echoed back into a GitHub comment: quoted and bounded.
    const long = registry.explainMissing(`x${"y".repeat(500)}"`);
    expect(long.length).toBeLessThan(250);
  });

  it("wires a found CLI with the app's environment: it runs with its key and the PATH it was found on", async () => {
    const workdir = path.join(root, "checkout");
    await runTestGit(["init", "--quiet", "--initial-branch=main", workdir]);
    // Compared inside the fake: printed, the key would come back redacted.
    await writeFakeCli(bin, "codex", rec, '[ "$OPENAI_API_KEY" = sk-openai-test ] && echo key-ok; echo "token=$GITHUB_TOKEN path=$PATH"');
    const env = { PATH: `${bin}${path.delimiter}${process.env["PATH"] ?? "/usr/bin:/bin"}`, OPENAI_API_KEY: "sk-openai-test", GITHUB_TOKEN: "ghs_canary" };
    const registry = await createAgentRegistry({ builtin, env, commandTimeoutMs: 10_000 });
    const codex = registry.available["codex"];
    if (codex === undefined) throw new Error("codex should be available");

    const session = await codex.startSession({
      task: { number: 1, title: "T", description: "", acceptanceCriteria: [], subtasks: [], instructions: "", comments: [] },
      context: { repoInstructions: [] },
      workdir,
      model: "gpt-test",
      budgets: { turns: 5 },
      signal: new AbortController().signal,
    });
    try {
      expect(await session.send("Go.", "implementing")).toBe(`key-ok\ntoken= path=${env.PATH}`);
    } finally {
      await session.close();
    }
  });
});
