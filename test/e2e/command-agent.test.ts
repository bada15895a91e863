import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFakeCli } from "../agent/fixtures/fake-cli.js";
import { createTestApp, disableNetwork, type TestApp } from "../helpers/app.js";
import { EXECUTORS, replaceScenarioGitHub, scenarioGitHub, type FakeGitHub } from "../helpers/e2e.js";
import { createBareRemote, readRemoteFile, type BareRemote } from "../helpers/git.js";
import { commentPayload, evidenceReport, REPO_ID, WORK_BRANCH } from "../helpers/scenario.js";

/*
 * A run with a command-line agent, through the whole app: the agent's conversation across
 * the stages, its usage where it reports it, and whose test run the evidence comes from.
 * The fake CLIs run unsandboxed here so they can record their argv outside the checkout.
 */

let remote: BareRemote;
let github: FakeGitHub;
let app: TestApp | undefined;
let bin: string;

beforeEach(async () => {
  disableNetwork();
  remote = await createBareRemote();
  github = scenarioGitHub();
  bin = await mkdtemp(path.join(tmpdir(), "hamster-cli-bin-"));
  app = undefined;
});

afterEach(async () => {
  // The app is started by deliver(): a test that failed before it has none to close.
  await app?.close();
  await remote.cleanup();
  nock.cleanAll();
  nock.enableNetConnect();
  await rm(bin, { recursive: true, force: true });
});

/** The agent claims the test command as its evidence, though it never ran it: it only read the app's result. */
const REPORT = evidenceReport([
  { index: 1, status: "met", evidence: { kind: "file", path: "hello.txt", line: 1 } },
  { index: 2, status: "met", evidence: { kind: "command", command: "npm test", result: "ok, 3 tests passed" } },
]);

/**
 * A fake CLI whose n-th run (plan, implement, report) records its argv in bin/argv-n, makes
 * hello.txt on the second, and prints outputs[n - 1].
 */
async function writeAgentCli(name: string, outputs: readonly string[]): Promise<void> {
  await Promise.all(outputs.map((text, i) => writeFile(path.join(bin, `out-${i + 1}`), text, "utf8")));
  await writeFakeCli(
    bin,
    name,
    bin,
    `n=$(( $(cat "$rec/n" 2>/dev/null || echo 0) + 1 )); echo $n > "$rec/n"
printf '%s\\0' "$@" > "$rec/argv-$n"
[ $n -eq 2 ] && echo hello > hello.txt
cat "$rec/out-$n"`,
  );
}

async function argvOf(run: number): Promise<string[]> {
  return (await readFile(path.join(bin, `argv-${run}`), "utf8")).split("\0").slice(0, -1);
}

const events = (...lines: object[]): string => lines.map((line) => `${JSON.stringify(line)}\n`).join("");
const result = (text: string, inputTokens: number) => ({
  type: "result",
  subtype: "success",
  is_error: false,
  result: text,
  usage: { input_tokens: inputTokens, output_tokens: 10, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
});

describe.each(EXECUTORS)("executor: %s", (executor) => {
  /** Starts the app (which looks for agent CLIs on its PATH once, at start) and runs the task with `agent`. */
  async function deliver(agent: string) {
    app = await createTestApp({ env: { HAMSTER_SANDBOX: "off" }, executor, agentEnv: { PATH: `${bin}${path.delimiter}${process.env["PATH"] ?? "/usr/bin:/bin"}` } });
    await app.receive("issue_comment", commentPayload(remote.url, `/deliver agent=${agent}`));
    await app.hamster.idle();
    const [run] = app.hamster.runs.listRunsForTask(REPO_ID, 1);
    return run!;
  }

  describe("a run with Claude Code", () => {
    it("is one conversation, counts its tokens, and credits the test run to Hamster when the agent did not run it", async () => {
      await writeAgentCli("claude", [
        events({ type: "system", subtype: "init" }, result("- [ ] Create hello.txt", 100)),
        events({ type: "assistant", message: { content: [{ type: "tool_use", id: "t1", name: "Write", input: { file_path: "hello.txt" } }] } }, result("Created hello.txt.", 200)),
        events(result(REPORT, 300)),
      ]);
      const run = await deliver("claude-code");

      expect(run).toMatchObject({ state: "succeeded", conclusion: "success", turns: 3 });
      expect(run.usage).toEqual({ inputTokens: 600, outputTokens: 30, cacheReadTokens: 0, cacheWriteTokens: 0 });
      const [plan, implement, report] = [await argvOf(1), await argvOf(2), await argvOf(3)];
      const id = plan[plan.indexOf("--session-id") + 1];
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(implement[implement.indexOf("--resume") + 1]).toBe(id);
      expect(report[report.indexOf("--resume") + 1]).toBe(id);
      expect(plan.slice(plan.indexOf("--permission-mode"), plan.indexOf("--permission-mode") + 4)).toEqual(["--permission-mode", "acceptEdits", "--allowedTools", "Bash"]);

      const body = github.pulls[0]!.body;
      expect(body).toContain("`npm test` → passed (verified by Hamster's test run, not by the agent)");
      expect(body).not.toContain("3 tests passed");
      expect(body).toContain("Tokens: 600 input, 0 cache read, 0 cache write, 30 output · cost $");
    });
  });

  describe("a run with an agent that reports no usage", () => {
    // Codex calls its model with its own provider key, which a runner never holds: with the process executor it is refused (below).
    it.skipIf(executor !== "local")("shows 'not reported' for tokens and cost, not zero, and says Hamster's run passed too", async () => {
      await writeAgentCli("codex", ["- [ ] Create hello.txt\n", "Created hello.txt.\n", `${REPORT}\n`]);
      const run = await deliver("codex");

      expect(run).toMatchObject({ state: "succeeded", usage: null, costUsd: null, turns: 3 });
      const final = github.checkRuns[github.checkRuns.length - 1]!;
      const status = github.comments.find((comment) => comment.body.includes("Hamster run #"))!;
      for (const text of [final.output.summary, status.body, github.pulls[0]!.body]) {
        expect(text).toContain("Tokens: not reported · cost not reported");
        expect(text).not.toContain("$0.0000");
      }
      expect(github.pulls[0]!.body).toContain("Hamster's test run passed too; this agent does not report the commands it ran");
    });

    it.skipIf(executor === "local")("is refused when it is asked for, because it needs its own provider key, and nothing is created", async () => {
      await writeAgentCli("codex", ["never run\n"]);
      await deliver("codex");

      expect(app!.hamster.runs.listRunsForTask(REPO_ID, 1)).toEqual([]);
      expect(github.pulls).toEqual([]);
      expect(github.checkRuns).toEqual([]);
      expect(github.comments).toHaveLength(1);
      expect(github.comments[0]!.body).toContain('The agent "codex" calls its model with its own provider key, which a runner never holds');
      expect(github.comments[0]!.body).toContain(`executor: ${executor}`);
    });
  });

  describe("a run with Claude Code behind the model gateway", () => {
    it("gives the CLI the gateway and a run credential, never the provider key, and meters its calls", async () => {
      // The model API behind the gateway: it must see the app's key, and answers with usage.
      const upstreamKeys: string[] = [];
      nock("https://api.anthropic.com")
        .post("/v1/messages")
        .times(3)
        .reply(function () {
          upstreamKeys.push(String(this.req.headers["x-api-key"]));
          return [200, { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-5-5", content: [{ type: "text", text: "ok" }], stop_reason: "end_turn", usage: { input_tokens: 40, output_tokens: 4 } }];
        });
      // Each run prints its environment (as its bash tool would) and makes one model call through the gateway.
      const call = `env > "$rec/env-$n"
curl -s -o "$rec/reply-$n" -w '%{http_code}' -X POST "$ANTHROPIC_BASE_URL/v1/messages" -H "x-api-key: $ANTHROPIC_API_KEY" -H "anthropic-version: 2023-06-01" -H "content-type: application/json" -d '{"model":"claude-sonnet-5-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}' > "$rec/status-$n"`;
      const outputs = [
        events(result("- [ ] Create hello.txt", 100)),
        events(result("Created hello.txt.", 200)),
        events(result(REPORT, 300)),
      ];
      await Promise.all(outputs.map((text, i) => writeFile(path.join(bin, `out-${i + 1}`), text, "utf8")));
      await writeFakeCli(bin, "claude", bin, `n=$(( $(cat "$rec/n" 2>/dev/null || echo 0) + 1 )); echo $n > "$rec/n"\n${call}\n[ $n -eq 2 ] && echo hello > hello.txt\ncat "$rec/out-$n"`);
      const run = await deliver("claude-code");
      expect(run.state).toBe("succeeded");

      const providerKey = app!.settings.anthropicApiKey!;
      const env = await readFile(path.join(bin, "env-1"), "utf8");
      expect(env).toContain(`ANTHROPIC_BASE_URL=${app!.settings.publicUrl}/api/hamster/model`);
      const credential = /^ANTHROPIC_API_KEY=(hmr_\S+)$/m.exec(env)?.[1];
      expect(credential).toBeDefined();
      for (const n of [1, 2, 3]) {
        expect(await readFile(path.join(bin, `env-${n}`), "utf8")).not.toContain(providerKey);
        expect(await readFile(path.join(bin, `status-${n}`), "utf8")).toBe("200");
      }
      expect(upstreamKeys).toEqual([providerKey, providerKey, providerKey]);
      // The gateway metered the calls: they are in the check run's activity.
      const text = github.checkRuns.at(-1)!.output.text ?? "";
      expect(text).toContain("### Activity");
      expect(text).toMatch(/3 model calls/);
      // The run is over: its credential is refused.
      const after = await fetch(`${app!.settings.publicUrl}/api/hamster/model/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": credential!, "anthropic-version": "2023-06-01", "content-type": "application/json" },
        body: JSON.stringify({ model: "claude-sonnet-5-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
      });
      expect(after.status).toBe(401);
    });
  });

  describe("a run with Claude Code past its cost budget", () => {
    it("is refused by the gateway at the limit and ends stopped by the cost budget, its work pushed", async () => {
      github = replaceScenarioGitHub({ files: { ".github/hamster.yml": "budgets:\n  cost_usd: 0.001\n" } });
      nock("https://api.anthropic.com")
        .post("/v1/messages")
        .reply(200, { id: "m", type: "message", role: "assistant", model: "claude-sonnet-5-5", content: [{ type: "text", text: "ok" }], stop_reason: "end_turn", usage: { input_tokens: 2000, output_tokens: 10 } });
      // Each run writes its part, then calls the model through the gateway; a refused call ends the CLI with an error result, as Claude Code's.
      const script = `n=$(( $(cat "$rec/n" 2>/dev/null || echo 0) + 1 )); echo $n > "$rec/n"
[ $n -eq 2 ] && echo hello > hello.txt
status=$(curl -s -o "$rec/reply-$n" -w '%{http_code}' -X POST "$ANTHROPIC_BASE_URL/v1/messages" -H "x-api-key: $ANTHROPIC_API_KEY" -H "anthropic-version: 2023-06-01" -H "content-type: application/json" -d '{"model":"claude-sonnet-5-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}')
if [ "$status" != 200 ]; then node -e 'const [s, f] = process.argv.slice(1); console.log(JSON.stringify({ type: "result", subtype: "success", is_error: true, result: "API Error: " + s + " " + require("fs").readFileSync(f, "utf8") }))' "$status" "$rec/reply-$n"; exit 1; fi
cat "$rec/out-$n"`;
      await writeFile(path.join(bin, "out-1"), events(result("- [ ] Create hello.txt", 100)), "utf8");
      await writeFakeCli(bin, "claude", bin, script);
      const run = await deliver("claude-code");

      expect(run.state).toBe("failed");
      expect(run.reason).toContain("Stopped by the cost budget");
      expect(run.reason).toContain("pushed to the branch");
      expect(await readRemoteFile(remote.dir, WORK_BRANCH, "hello.txt")).toBe("hello\n");
      expect(github.checkRuns.at(-1)).toMatchObject({ status: "completed", conclusion: "failure" });
    });
  });
});
