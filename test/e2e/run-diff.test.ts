import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createRunDiffStore } from "../../src/store/run-diff-store.js";
import type { TestApp } from "../helpers/app.js";
import { createTestApp } from "../helpers/app.js";
import { delayed, mockAnthropic, reply, text, toolUse } from "../helpers/anthropic.js";
import { EXECUTORS, replaceScenarioGitHub, startE2eScenario, stopE2eScenario, type FakeGitHub } from "../helpers/e2e.js";
import { runTestGit, type BareRemote } from "../helpers/git.js";
import { commentPayload, labeledPayload, PLAN, REPO_ID, scriptHappyModel, WORK_BRANCH } from "../helpers/scenario.js";
import { waitFor, waitForValue } from "../helpers/wait.js";
import { findMarkedProcesses } from "../sandbox/sandbox-fixture.js";

let remote: BareRemote;
let app: TestApp;
let github: FakeGitHub;
let db: SqliteDatabase | undefined;

/** The diff the app stored for the task's only run, read through a second connection to its database. */
function storedDiff() {
  db ??= openDatabase(app.dataDir);
  const [run] = app.hamster.runs.listRunsForTask(REPO_ID, 1);
  return { run: run!, diff: createRunDiffStore(db).getRunDiff(run!.id) };
}

/** What git says the branch changed since it left main, on the remote itself. */
async function remoteDiff(): Promise<string> {
  const base = (await runTestGit(["--git-dir", remote.dir, "merge-base", "main", WORK_BRANCH])).trim();
  return runTestGit(["--git-dir", remote.dir, "diff", "--no-color", base, WORK_BRANCH, "--"]);
}

describe.each(EXECUTORS)("executor: %s", (executor) => {
  beforeEach(async () => ({ remote, app, github } = await startE2eScenario({ executor })));
  afterEach(async () => {
    db?.close();
    db = undefined;
    await stopE2eScenario(app, remote);
  });

  it("keeps the diff of a delivered run's branch against where it left the base branch", async () => {
    scriptHappyModel();
    await app.receive("issues", labeledPayload(remote.url));
    await app.hamster.idle();
    const { run, diff } = storedDiff();
    expect(run.state).toBe("succeeded");
    expect(diff).toMatchObject({ runId: run.id, headSha: run.headSha, truncated: false });
    expect(diff!.patch).toContain("diff --git a/hello.txt b/hello.txt");
    expect(diff!.patch).toContain("+hello\n");
    expect(diff!.patch).toBe(await remoteDiff());
  });

  it("keeps the diff of the partial work a cancelled run pushed", async () => {
    const marker = `hamster-e2e-diff-${process.pid}-${executor}`;
    mockAnthropic([
      reply([text(PLAN)], "end_turn"),
      reply([toolUse("toolu_1", "str_replace_based_edit_tool", { command: "create", path: "hello.txt", file_text: "hello\n" })], "tool_use"),
      reply([toolUse("toolu_2", "bash", { command: `exec -a ${marker} sleep 60` })], "tool_use"),
    ]);
    await app.receive("issues", labeledPayload(remote.url));
    await waitFor("the command", () => findMarkedProcesses(marker).length === 1);
    await app.receive("issue_comment", commentPayload(remote.url, "/cancel"));
    await app.hamster.idle();
    const { run, diff } = storedDiff();
    expect(run.state).toBe("cancelled");
    expect(diff?.headSha).toBe(run.headSha);
    expect(diff!.patch).toContain("+hello\n");
    expect(diff!.patch).toBe(await remoteDiff());
  });

  it("keeps the diff of an interrupted attempt's work, pushed before the run resumes", async () => {
    const model = mockAnthropic([
      reply([text(PLAN)], "end_turn"),
      reply([toolUse("toolu_1", "str_replace_based_edit_tool", { command: "create", path: "hello.txt", file_text: "hello\n" })], "tool_use"),
      delayed(20_000, reply([text("too late")], "end_turn")),
    ]);
    await app.receive("issues", labeledPayload(remote.url));
    await waitFor("the call after the edit", () => model.requests.length === 3);
    await app.hamster.drain(0);
    expect(storedDiff().diff).toBeUndefined();

    // The next process salvages the workspace (pushing its work) before the run starts again.
    const dataDir = app.dataDir;
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    await app.hamster.close();
    github = replaceScenarioGitHub({}, github);
    app = await createTestApp({ dataDir, executor });
    mockAnthropic([delayed(20_000, reply([text("too late")], "end_turn"))]);
    const diff = await waitForValue("the salvaged work's diff", () => storedDiff().diff);
    expect(diff.patch).toContain("+hello\n");
    expect(diff.patch).toBe(await remoteDiff());
    await app.hamster.drain(0);
  });
});
