import { readdirSync, readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApp } from "../helpers/app.js";
import { delayed, mockAnthropic, reply, text, toolUse } from "../helpers/anthropic.js";
import { replaceScenarioGitHub, startE2eScenario, stopE2eScenario, type FakeGitHub } from "../helpers/e2e.js";
import { readRemoteFile, type BareRemote } from "../helpers/git.js";
import { evidenceReport, FULL_EVIDENCE, labeledPayload, PLAN, REPO_ID, WORK_BRANCH } from "../helpers/scenario.js";
import { waitFor, waitForValue } from "../helpers/wait.js";

/*
 * Runs with `executor: process`: each attempt's stages run in a `hamster runner` process
 * (the compiled CLI) that reaches the app only over the runner protocol and the model gateway.
 */

let remote: BareRemote;
let app: TestApp;
let github: FakeGitHub;

beforeEach(async () => {
  ({ remote, github, app } = await startE2eScenario());
  github = replaceScenarioGitHub({ files: { ".github/hamster.yml": "executor: process\n" } });
});
afterEach(() => stopE2eScenario(app, remote));

const runRows = () => app.hamster.runs.listRunsForTask(REPO_ID, 1);

/** The runner processes of this app, by the URL they were given: pid and environment. */
function findRunners(): { pid: number; env: string }[] {
  const found: { pid: number; env: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (argv.includes("runner") && argv.includes(app.settings.publicUrl)) found.push({ pid: Number(entry), env: readFileSync(`/proc/${entry}/environ`, "utf8") });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

const implementing = [
  reply([toolUse("toolu_1", "str_replace_based_edit_tool", { command: "create", path: "hello.txt", file_text: "hello\n" })], "tool_use"),
  reply([toolUse("toolu_2", "bash", { command: "npm test" })], "tool_use"),
  reply([text("Done: hello.txt exists and the tests pass.")], "end_turn"),
  reply([text(evidenceReport(FULL_EVIDENCE))], "end_turn"),
];

describe("the process executor", () => {
  it("delivers a run from a runner process, its model calls through the gateway", async () => {
    const model = mockAnthropic([reply([text(PLAN)], "end_turn"), ...implementing]);
    await app.receive("issues", labeledPayload(remote.url));
    await app.hamster.idle();
    const [run] = runRows();
    expect(run).toMatchObject({ state: "succeeded", conclusion: "success" });
    expect(await readRemoteFile(remote.dir, WORK_BRANCH, "hello.txt")).toBe("hello\n");
    expect(model.requests).toHaveLength(5);
    expect(github.pulls).toHaveLength(1);
    expect(github.checkRuns.at(-1)!.output.text).toContain("5 model calls");
  });

  it("resumes a run whose runner was killed, once, with a new credential, and delivers one PR", async () => {
    mockAnthropic([reply([text(PLAN)], "end_turn"), delayed(20_000, reply([text("too late")], "end_turn")), ...implementing]);
    await app.receive("issues", labeledPayload(remote.url));
    await waitFor("implementing", () => runRows()[0]?.state === "implementing");
    const [runner] = await waitForValue("the runner", () => (findRunners().length === 1 ? findRunners() : undefined));
    const oldCredential = /(?:^|\0)HAMSTER_RUN_CREDENTIAL=([^\0]+)/.exec(runner!.env)?.[1];
    expect(oldCredential).toMatch(/^hmr_/);
    process.kill(runner!.pid, "SIGKILL");
    await app.hamster.idle();

    const [run] = runRows();
    expect(run).toMatchObject({ state: "succeeded", resumeCount: 1 });
    expect(await readRemoteFile(remote.dir, WORK_BRANCH, "hello.txt")).toBe("hello\n");
    expect(github.pulls).toHaveLength(1);
    const states = app.hamster.runs.listTransitions(run!.id).map((t) => t.state);
    expect(states.filter((s) => s === "preparing")).toHaveLength(2);
    // The first attempt's credential is refused, by the runner protocol and by the gateway.
    const job = await fetch(`${app.settings.publicUrl}/api/hamster/runner/v1/job`, { headers: { authorization: `Bearer ${oldCredential}` } });
    expect(job.status).toBe(401);
    const call = await fetch(`${app.settings.publicUrl}/api/hamster/model/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": oldCredential!, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-sonnet-5-5", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(call.status).toBe(401);
  });
});
