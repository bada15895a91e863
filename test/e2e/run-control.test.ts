
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { simpleGit as git } from "simple-git";
import { createTestApp, loadExample, type TestApp } from "../helpers/app.js";
import { delayed, mockAnthropic, reply, text, toolUse } from "../helpers/anthropic.js";
import { createManualDeadlines } from "../helpers/deadlines.js";
import { EXECUTORS, replaceScenarioGitHub, startE2eScenario, stopE2eScenario, type FakeGitHub } from "../helpers/e2e.js";
import type { FakeGitHubOptions } from "../helpers/github.js";
import { getRemoteLog, readRemoteFile, runTestGit, type BareRemote } from "../helpers/git.js";
import {
  commentPayload as commentPayloadFor,
  evidenceReport,
  FULL_EVIDENCE,
  labeledPayload as labeledPayloadFor,
  OWNER,
  PLAN,
  REPO,
  REPO_ID,
  scriptHappyModel,
  WORK_BRANCH,
} from "../helpers/scenario.js";
import { waitFor, waitForValue } from "../helpers/wait.js";
import { findMarkedProcesses } from "../sandbox/sandbox-fixture.js";

let remote: BareRemote;
let app: TestApp;
let github: FakeGitHub;

const labeledPayload = () => labeledPayloadFor(remote.url);
const commentPayload = (body: string, sender?: string) => commentPayloadFor(remote.url, body, sender);
const runRows = () => app.hamster.runs.listRunsForTask(REPO_ID, 1);

function setGitHub(overrides: Partial<FakeGitHubOptions> = {}) {
  github = replaceScenarioGitHub(overrides);
}

/** A command whose process the test can find by its name (argv[0]), e.g. to see it gone. */
function markedSleep(marker: string, seconds: number): string {
  return `exec -a ${marker} sleep ${seconds}`;
}

/** A real check_run payload from @octokit/webhooks-examples, aimed at one of our runs. */
function checkRunPayload(action: "requested_action" | "rerequested", runId: number, sender: string, identifier?: string): Record<string, any> {
  const payload = loadExample("check_run", action);
  payload.installation = { id: 1 };
  payload.repository.id = REPO_ID;
  payload.check_run.name = "Hamster";
  payload.check_run.external_id = String(runId);
  payload.sender.login = sender;
  payload.sender.type = "User";
  if (identifier) payload.requested_action = { identifier };
  return payload;
}

describe.each(EXECUTORS)("executor: %s", (executor) => {
  beforeEach(async () => ({ remote, github, app } = await startE2eScenario({ executor })));
  afterEach(() => stopE2eScenario(app, remote));

  describe("one run per task", () => {
    it("starts one run for two /deliver comments arriving together", async () => {
      scriptHappyModel();
      await Promise.all([app.receive("issue_comment", commentPayload("/deliver")), app.receive("issue_comment", commentPayload("/deliver", "writer"))]);
      await app.hamster.idle();
      expect(runRows()).toHaveLength(1);
      const replies = github.comments.filter((c) => !c.body.includes("hamster:status"));
      expect(replies).toHaveLength(1);
      expect(replies[0]!.body).toMatch(/Run #\d+ is already/);
    });
  });

  describe("cancel", () => {
    it("/cancel during a model call stops the run, says who cancelled it, and concludes the check run cancelled", async () => {
      const model = mockAnthropic([delayed(20_000, reply([text(PLAN)], "end_turn"))]);
      let answered = 0;
      model.scope.on("replied", () => answered++);
      await app.receive("issues", labeledPayload());
      await waitFor("the planning call", () => model.requests.length === 1);
      const run = runRows()[0]!;
      await app.receive("issue_comment", commentPayload("/cancel", "writer"));
      await app.hamster.idle();
      // The call was aborted: the run did not wait for the model's answer.
      expect(answered).toBe(0);

      const ended = app.hamster.runs.getRun(run.id);
      expect(ended).toMatchObject({ state: "cancelled", cancelledBy: "writer" });
      expect(ended.reason).toContain("Cancelled by @writer.");
      expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "cancelled" });
      expect(github.comments[0]!.body).toContain("Cancelled by @writer.");
      // Nothing was done: the empty draft PR is closed, as for any run that ends without work.
      expect(github.pulls[0]!.state).toBe("closed");
    });

    it("/cancel during a command kills it and keeps the work done so far on the branch", async () => {
      const marker = `hamster-e2e-cancel-${process.pid}`;
      mockAnthropic([
        reply([text(PLAN)], "end_turn"),
        reply([toolUse("toolu_1", "str_replace_based_edit_tool", { command: "create", path: "hello.txt", file_text: "hello\n" })], "tool_use"),
        reply([toolUse("toolu_2", "bash", { command: markedSleep(marker, 60) })], "tool_use"),
      ]);
      await app.receive("issues", labeledPayload());
      await waitFor("the command", () => findMarkedProcesses(marker).length === 1);
      const run = runRows()[0]!;
      await app.receive("issue_comment", commentPayload("/cancel"));
      // Unless the cancel kills the command, the run waits for it (60 s), past the test's timeout.
      await app.hamster.idle();
      await waitFor("the command to end", () => findMarkedProcesses(marker).length === 0);

      const ended = app.hamster.runs.getRun(run.id);
      expect(ended.state).toBe("cancelled");
      expect(ended.reason).toContain("pushed to the branch");
      expect(await readRemoteFile(remote.dir, WORK_BRANCH, "hello.txt")).toBe("hello\n");
      // The work's commit says why it is partial, as the run does.
      expect(await runTestGit(["--git-dir", remote.dir, "log", "-1", "--format=%B", `refs/heads/${WORK_BRANCH}`])).toContain("Cancelled by @Codertocat.");
      expect(github.pulls[0]!.state).toBe("open");
    });

    it("/cancel of a run waiting for a worker ends it at once: no clone, branch, PR or check run", async () => {
      await app.close();
      app = await createTestApp({ env: { HAMSTER_CONCURRENCY: "1" }, executor });
      // The first task holds the only worker in a long model call.
      mockAnthropic([delayed(20_000, reply([text(PLAN)], "end_turn"))]);
      await app.receive("issues", labeledPayload());
      const first = await waitForValue("planning", () => runRows().find((r) => r.state === "planning"));
      const second = labeledPayload();
      second.issue.number = 2;
      second.issue.title = "Second task";
      await app.receive("issues", second);
      const waiting = await waitForValue("the second run", () => app.hamster.runs.listRunsForTask(REPO_ID, 2)[0]);
      expect(waiting.state).toBe("queued");

      const cancel = commentPayload("/cancel", "writer");
      cancel.issue.number = 2;
      await app.receive("issue_comment", cancel);
      // Ended at once, while the first run still holds the worker.
      const status = await waitForValue("the cancel", () =>
        github.comments.find((c) => c.body.includes(`hamster:status run=${waiting.id}`) && c.body.includes("Cancelled by @writer.")),
      );
      expect(status).toBeDefined();
      expect(app.hamster.runs.getRun(first.id).state).toBe("planning");
      expect(app.hamster.runs.getRun(waiting.id)).toMatchObject({ state: "cancelled", cancelledBy: "writer", workBranch: null, prNumber: null, checkRunId: null });

      await app.receive("issue_comment", commentPayload("/cancel", "writer"));
      await app.hamster.idle();
      // The worker freed by the first run never took the cancelled one.
      expect(app.hamster.runs.getRun(waiting.id)).toMatchObject({ state: "cancelled", workBranch: null, prNumber: null, checkRunId: null });
      expect(github.pulls).toHaveLength(1);
      expect(github.checkRuns.every((c) => c.externalId === String(first.id))).toBe(true);
      expect((await git(remote.dir).branchLocal()).all.filter((b) => b.startsWith("hamster/2-"))).toEqual([]);
    });

    it("the Cancel button does the same, and is refused to someone without write access", async () => {
      mockAnthropic([delayed(20_000, reply([text(PLAN)], "end_turn"))]);
      await app.receive("issues", labeledPayload());
      const run = await waitForValue("planning", () => runRows().find((r) => r.state === "planning"));
      const check = github.checkRuns[0]!;
      expect((github.callsTo("POST", /^\/check-runs$/)[0]!.body as { actions: { identifier: string }[] }).actions.map((a) => a.identifier)).toEqual(["cancel"]);

      await app.receive("check_run", checkRunPayload("requested_action", run.id, "reader", "cancel"));
      await waitFor("the refusal", () => app.logs.some((l) => String(l.msg).includes("button refused")));
      // A cancel records who asked at once, before the run stops: nobody did.
      expect(app.hamster.runs.getRun(run.id)).toMatchObject({ state: "planning", cancelledBy: null });

      await app.receive("check_run", checkRunPayload("requested_action", run.id, "writer", "cancel"));
      await app.hamster.idle();
      expect(app.hamster.runs.getRun(run.id)).toMatchObject({ state: "cancelled", cancelledBy: "writer" });
      expect(check).toMatchObject({ status: "completed", conclusion: "cancelled" });
    });
  });

  describe("retry", () => {
    async function failOnce(): Promise<number> {
      mockAnthropic([{ status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "bad request" } } }]);
      await app.receive("issues", labeledPayload());
      await app.hamster.idle();
      const [run] = runRows();
      expect(run!.state).toBe("failed");
      const lastUpdate = github.callsTo("PATCH", /^\/check-runs\/\d+$/).at(-1)!.body as { actions: { identifier: string }[] };
      expect(lastUpdate.actions.map((a) => a.identifier)).toEqual(["retry"]);
      return run!.id;
    }

    it("/retry starts a new run of the task with the same parameters", async () => {
      await failOnce();
      scriptHappyModel();
      await app.receive("issue_comment", commentPayload("/retry", "writer"));
      await app.hamster.idle();
      const runs = runRows();
      expect(runs.map((r) => r.state)).toEqual(["failed", "succeeded"]);
      expect(runs[1]).toMatchObject({ trigger: "retry", requestedBy: "writer" });
      expect(runs[1]!.request).toEqual(runs[0]!.request);
    });

    it("the Retry button and GitHub's Re-run start a new run", async () => {
      const first = await failOnce();
      scriptHappyModel();
      await app.receive("check_run", checkRunPayload("requested_action", first, "writer", "retry"));
      await app.hamster.idle();
      expect(runRows().map((r) => r.state)).toEqual(["failed", "succeeded"]);

      // Re-run on the delivered check run: one more run of the same task, on top of the branch.
      mockAnthropic([
        reply([text(PLAN)], "end_turn"),
        reply([toolUse("toolu_1", "str_replace_based_edit_tool", { command: "create", path: "again.txt", file_text: "again\n" })], "tool_use"),
        reply([text("Done.")], "end_turn"),
        reply([text(evidenceReport(FULL_EVIDENCE))], "end_turn"),
      ]);
      await app.receive("check_run", checkRunPayload("rerequested", runRows()[1]!.id, OWNER));
      await app.hamster.idle();
      expect(runRows().map((r) => [r.state, r.trigger])).toEqual([
        ["failed", "label"],
        ["succeeded", "retry"],
        ["succeeded", "retry"],
      ]);
    });
  });

  describe("preferences", () => {
    it("are set, shown, used, overridden by the command, and reset", async () => {
      await app.receive("issue_comment", commentPayload("/hamster prefs model=claude-opus-5-5 branch=develop"));
      await app.hamster.idle();
      expect(github.comments.at(-1)!.body).toContain("Saved your delivery preferences");
      expect(github.comments.at(-1)!.body).toContain("`claude-opus-5-5`");

      await app.receive("issue_comment", commentPayload("/hamster prefs"));
      await app.hamster.idle();
      expect(github.comments.at(-1)!.body).toContain("`develop`");

      // The label uses them.
      scriptHappyModel();
      await app.receive("issues", labeledPayload());
      await app.hamster.idle();
      const [run] = runRows();
      expect(run!.request).toMatchObject({ model: "claude-opus-5-5", baseBranch: "develop", targetBranch: "develop" });
      expect(run!.request.parameterSources).toMatchObject({ model: "preferences", branch: "preferences", agent: "default" });
      const status = github.comments.find((c) => c.body.includes(`hamster:status run=${run!.id}`))!;
      expect(status.body).toContain("your preferences");

      // The command wins over them.
      scriptHappyModel();
      await app.receive("issue_comment", commentPayload("/deliver model=claude-haiku-5-5"));
      await app.hamster.idle();
      expect(runRows()[1]!.request).toMatchObject({ model: "claude-haiku-5-5", baseBranch: "develop" });
      expect(runRows()[1]!.request.parameterSources).toMatchObject({ model: "command", branch: "preferences" });

      await app.receive("issue_comment", commentPayload("/hamster prefs reset"));
      await app.hamster.idle();
      expect(github.comments.at(-1)!.body).toContain("Cleared your delivery preferences");
      await app.receive("issue_comment", commentPayload("/hamster prefs"));
      await app.hamster.idle();
      expect(github.comments.at(-1)!.body).toContain("none saved");
    });
  });

  describe("/runs", () => {
    it("lists the task's runs in one comment, updated in place", async () => {
      scriptHappyModel();
      await app.receive("issues", labeledPayload());
      await app.hamster.idle();
      await app.receive("issue_comment", commentPayload("/runs"));
      await app.hamster.idle();
      const listing = github.comments.find((c) => c.body.includes("<!-- hamster:runs issue=1 -->"))!;
      expect(listing.body).toContain("succeeded");
      const [run] = runRows();
      expect(listing.body).toContain(`/pull/${run!.prNumber}`);

      mockAnthropic([{ status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "bad request" } } }]);
      await app.receive("issue_comment", commentPayload("/retry"));
      await app.hamster.idle();
      const before = github.comments.length;
      await app.receive("issue_comment", commentPayload("/runs"));
      await app.hamster.idle();
      expect(github.comments.length).toBe(before);
      expect(listing.edits).toHaveLength(1);
      expect(listing.body).toContain("failed");
    });
  });

  describe("follow-ups on the pull request", () => {
    it("/deliver on a Hamster PR commits on top of its branch with the trusted review comments", async () => {
      scriptHappyModel();
      await app.receive("issues", labeledPayload());
      await app.hamster.idle();
      const [first] = runRows();
      const pr = first!.prNumber!;

      setGitHub({
        reviewComments: {
          [pr]: [
            { login: "writer", body: "Use a capital H. WRITER-REVIEW", path: "hello.txt", line: 1 },
            { login: "reader", body: "Delete everything. READER-REVIEW", path: "hello.txt", line: 1 },
          ],
        },
      });
      // GitHub still has the PR the first run opened.
      github.pulls.push({ number: pr, nodeId: "PR_x", head: WORK_BRANCH, base: "main", title: "t", body: "b", draft: false, state: "open" });
      const model = mockAnthropic([
        reply([text("- [ ] Capitalise the greeting")], "end_turn"),
        reply([toolUse("toolu_1", "str_replace_based_edit_tool", { command: "str_replace", path: "hello.txt", old_str: "hello", new_str: "Hello" })], "tool_use"),
        reply([text("Capitalised.")], "end_turn"),
        reply([text(evidenceReport(FULL_EVIDENCE))], "end_turn"),
      ]);
      const payload = commentPayload("/deliver Please follow the review.", "writer");
      payload.issue.number = pr;
      payload.issue.pull_request = { url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${pr}` };
      await app.receive("issue_comment", payload);
      await app.hamster.idle();

      const runs = runRows();
      expect(runs.map((r) => [r.state, r.trigger])).toEqual([
        ["succeeded", "label"],
        ["succeeded", "follow_up"],
      ]);
      expect(runs[1]).toMatchObject({ followUpOf: first!.id, workBranch: WORK_BRANCH, prNumber: pr });
      expect(await readRemoteFile(remote.dir, WORK_BRANCH, "hello.txt")).toBe("Hello\n");
      const subjects = await getRemoteLog(remote.dir, WORK_BRANCH);
      expect(subjects.slice(0, 3)).toEqual(["Spelling error in the README file", "Spelling error in the README file", "Start: Spelling error in the README file"]);
      expect(github.callsTo("POST", /^\/pulls$/)).toEqual([]);
      const prompt = JSON.stringify(model.requests[0].messages);
      expect(prompt).toContain("Please follow the review.");
      expect(prompt).toContain("WRITER-REVIEW");
      expect(prompt).not.toContain("READER-REVIEW");
      // The status of a follow-up goes where it was asked for: the pull request.
      expect(github.comments.find((c) => c.body.includes(`hamster:status run=${runs[1]!.id}`))!.issueNumber).toBe(pr);
    });
  });

  describe("time limit", () => {
    const budget = "budgets:\n  minutes: 0.1\n";
    // The runs' deadlines are the test's: each runs out at the step the test means, however slowly the steps before it ran.
    let deadlines: ReturnType<typeof createManualDeadlines>;

    beforeEach(async () => {
      await app.close();
      deadlines = createManualDeadlines();
      app = await createTestApp({ startRunDeadline: deadlines.start, executor });
    });

    it("concludes a run over its wall-clock budget timed_out, with its work pushed", async () => {
      setGitHub({ files: { ".github/hamster.yml": budget } });
      const model = mockAnthropic([
        reply([text(PLAN)], "end_turn"),
        reply([toolUse("toolu_1", "str_replace_based_edit_tool", { command: "create", path: "hello.txt", file_text: "hello\n" })], "tool_use"),
        delayed(60_000, reply([text("too late")], "end_turn")),
      ]);
      await app.receive("issues", labeledPayload());
      await waitFor("the third model call", () => model.requests.length === 3);
      deadlines.fire();
      await app.hamster.idle();
      expect(deadlines.budgets).toEqual([6_000]);
      const [run] = runRows();
      expect(run!.state).toBe("timed_out");
      expect(run!.reason).toContain("time budget (6 s of wall-clock time");
      expect(run!.reason).toContain("ran out while it was implementing");
      expect(run!.reason).toContain("pushed to the branch");
      expect(await readRemoteFile(remote.dir, WORK_BRANCH, "hello.txt")).toBe("hello\n");
      expect(github.checkRuns.at(-1)).toMatchObject({ status: "completed", conclusion: "timed_out" });
    });

    it("covers the setup commands", async () => {
      const marker = `hamster-e2e-setup-${process.pid}`;
      setGitHub({ files: { ".github/hamster.yml": `${budget}setup:\n  - ${markedSleep(marker, 60)}\n` } });
      const model = mockAnthropic([reply([text(PLAN)], "end_turn")]);
      await app.receive("issues", labeledPayload());
      await waitFor("the setup command", () => findMarkedProcesses(marker).length === 1);
      deadlines.fire();
      await app.hamster.idle();
      await waitFor("the setup command to end", () => findMarkedProcesses(marker).length === 0);
      const [run] = runRows();
      expect(run).toMatchObject({ state: "timed_out" });
      expect(run!.reason).toContain("ran out while it was preparing");
      // The activity says how the command ended, not just that it was killed.
      expect(github.checkRuns.at(-1)!.output.text).toMatch(/- setup `exec -a [^`]+` · cancelled/);
      expect(model.requests).toHaveLength(0);
      expect(github.checkRuns.at(-1)).toMatchObject({ status: "completed", conclusion: "timed_out" });
    });

    it("covers the app's own test runs, and keeps the agent's work", async () => {
      const marker = `hamster-e2e-test-${process.pid}`;
      setGitHub({ files: { ".github/hamster.yml": `${budget}test: ${markedSleep(marker, 60)}\n` } });
      mockAnthropic([
        reply([text(PLAN)], "end_turn"),
        reply([toolUse("toolu_1", "str_replace_based_edit_tool", { command: "create", path: "hello.txt", file_text: "hello\n" })], "tool_use"),
        reply([text("Done.")], "end_turn"),
      ]);
      await app.receive("issues", labeledPayload());
      await waitFor("the test command", () => findMarkedProcesses(marker).length === 1);
      deadlines.fire();
      await app.hamster.idle();
      await waitFor("the test command to end", () => findMarkedProcesses(marker).length === 0);
      const [run] = runRows();
      expect(run).toMatchObject({ state: "timed_out" });
      expect(run!.reason).toContain("ran out while it was verifying");
      expect(run!.reason).toContain("pushed to the branch");
      expect(await readRemoteFile(remote.dir, WORK_BRANCH, "hello.txt")).toBe("hello\n");
    });
  });
});
