import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRedactor, REDACTED } from "../../src/security/redactor.js";
import { ActiveBriefExistsError, createBriefStore, type BriefTaskIssue, type NewBrief } from "../../src/store/brief-store.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createRunStore } from "../../src/store/run-store.js";
import { buildNewRun, buildRunRequest } from "../helpers/runs.js";
import { anthropicKey } from "../security/fake-secrets.js";

let dir: string;
let db: SqliteDatabase;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hamster-briefs-"));
  db = openDatabase(dir);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const issue = (number: number, title = `Task ${number}`): BriefTaskIssue => ({
  owner: "acme",
  repo: "widgets",
  number,
  title,
  body: `Do ${number}.`,
  author: "alice",
  htmlUrl: `https://github.com/acme/widgets/issues/${number}`,
});

function buildBrief(overrides: Partial<NewBrief> = {}): NewBrief {
  return {
    installationId: 1,
    trigger: "comment",
    requestedBy: "alice",
    request: buildRunRequest({ issue: { number: 10, title: "The brief", body: "- [ ] #12", author: "alice", htmlUrl: "https://github.com/acme/widgets/issues/10" } }),
    parallel: 2,
    stack: false,
    tasks: [
      { taskId: "#12", issue: issue(12), blockedBy: [], state: "pending" },
      { taskId: "#13", issue: issue(13), blockedBy: ["#12"], state: "pending" },
      { taskId: "#14", issue: issue(14), blockedBy: ["#12"], state: "done" },
    ],
    ...overrides,
  };
}

describe("brief store", () => {
  it("records a brief with its tasks in the plan's order", () => {
    const briefs = createBriefStore(db, { now: () => new Date("2026-11-24T10:00:00.000Z") });
    const brief = briefs.createBrief(buildBrief());
    expect(brief).toMatchObject({ repoId: 42, repoOwner: "acme", repoName: "widgets", issueNumber: 10, state: "active", parallel: 2, stack: false, planCommentId: null, trigger: "comment" });
    expect(brief.request.issue.number).toBe(10);
    const tasks = briefs.listTasks(brief.id);
    expect(tasks.map((t) => [t.taskId, t.position, t.state, t.blockedBy])).toEqual([
      ["#12", 0, "pending", []],
      ["#13", 1, "pending", ["#12"]],
      ["#14", 2, "done", ["#12"]],
    ]);
    expect(tasks[0]).toMatchObject({ issue: issue(12), runId: null, prNumber: null, workBranch: null, note: null });
    expect(briefs.findActiveBrief(42, 10)?.id).toBe(brief.id);
    expect(briefs.listActiveBriefs().map((b) => b.id)).toEqual([brief.id]);
  });

  it("delivers one brief issue once at a time: a second active delivery is refused", () => {
    const briefs = createBriefStore(db);
    const first = briefs.createBrief(buildBrief());
    expect(() => briefs.createBrief(buildBrief())).toThrow(ActiveBriefExistsError);
    briefs.setBriefState(first.id, "finished");
    expect(briefs.findActiveBrief(42, 10)).toBeUndefined();
    const second = briefs.createBrief(buildBrief());
    expect(briefs.findLatestBrief(42, 10)?.id).toBe(second.id);
  });

  it("records each run of a task, forgetting the previous run's pull request, and finds tasks by run, pull request and issue", () => {
    const briefs = createBriefStore(db);
    const runs = createRunStore(db);
    const brief = briefs.createBrief(buildBrief());
    const first = runs.createRun(buildNewRun({ request: buildRunRequest({ issue: issue(12) }) }));
    briefs.recordTaskRun(brief.id, "#12", first.id);
    briefs.updateTask(brief.id, "#12", { state: "failed", prRepoId: 42, prNumber: 40, workBranch: "hamster/12-task-12", baseBranch: "main", note: "closed" });
    expect(briefs.getTask(brief.id, "#12")).toMatchObject({ prNumber: 40, workBranch: "hamster/12-task-12", baseBranch: "main" });
    expect(briefs.findTaskOfRun(first.id)).toEqual({ briefId: brief.id, taskId: "#12" });
    expect(briefs.findTasksByPullRequest(42, 40).map((t) => t.taskId)).toEqual(["#12"]);
    expect(briefs.findTasksByIssue("ACME", "Widgets", 12).map((t) => t.taskId)).toEqual(["#12"]);
    // A note stays until it is cleared or the task starts again.
    expect(briefs.updateTask(brief.id, "#12", { state: "failed" }).note).toBe("closed");

    runs.transitionRun(first.id, "failed");
    const retry = runs.createRun(buildNewRun({ request: buildRunRequest({ issue: issue(12) }) }));
    briefs.recordTaskRun(brief.id, "#12", retry.id);
    expect(briefs.getTask(brief.id, "#12")).toMatchObject({ state: "running", runId: retry.id, prNumber: null, workBranch: null, baseBranch: null, note: null });
    expect(briefs.findTasksByPullRequest(42, 40)).toEqual([]);
    expect(briefs.findTaskOfRun(first.id)).toEqual({ briefId: brief.id, taskId: "#12" });
    // Only the newest delivery of a brief issue answers to events.
    briefs.setBriefState(brief.id, "cancelled");
    expect(briefs.findTasksByIssue("acme", "widgets", 12).map((t) => t.briefId)).toEqual([brief.id]);
    const again = briefs.createBrief(buildBrief());
    expect(briefs.findTasksByIssue("acme", "widgets", 12).map((t) => t.briefId)).toEqual([again.id]);
  });

  it("adds up each task's runs' cost, unknown when a run did not report it", () => {
    const briefs = createBriefStore(db);
    const runs = createRunStore(db);
    const brief = briefs.createBrief(buildBrief());
    const usage = { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 };
    for (const [taskId, cost] of [["#12", 0.25], ["#12", 0.5], ["#13", null]] as const) {
      const run = runs.createRun(buildNewRun({ request: buildRunRequest({ issue: issue(Number(taskId.slice(1))) }) }));
      runs.updateRun(run.id, cost === null ? { usage: null } : { usage, costUsd: cost });
      runs.transitionRun(run.id, "succeeded");
      briefs.recordTaskRun(brief.id, taskId, run.id);
    }
    expect(briefs.getTaskCosts(brief.id)).toEqual(new Map([["#12", 0.75], ["#13", null]]));
  });

  it("keeps its rows over a restart, and stores the plan table's comment", () => {
    const brief = createBriefStore(db).createBrief(buildBrief());
    createBriefStore(db).setPlanCommentId(brief.id, 777);
    db.close();
    db = openDatabase(dir);
    const reopened = createBriefStore(db);
    expect(reopened.getBrief(brief.id)).toMatchObject({ planCommentId: 777, state: "active" });
    expect(reopened.listTasks(brief.id)).toHaveLength(3);
  });

  it("redacts secrets in the stored request and issues", () => {
    const secret = anthropicKey("brief-store");
    const redactor = createRedactor();
    redactor.addSecret(secret);
    const briefs = createBriefStore(db, { redact: redactor.redact });
    const brief = briefs.createBrief(buildBrief({ request: buildRunRequest({ instructions: `use ${secret}` }), tasks: [{ taskId: "#12", issue: { ...issue(12), body: secret }, blockedBy: [], state: "pending" }] }));
    expect(JSON.stringify(briefs.getBrief(brief.id))).not.toContain(secret);
    expect(briefs.getBrief(brief.id).request.instructions).toBe(`use ${REDACTED}`);
    expect(briefs.getTask(brief.id, "#12").issue.body).toBe(REDACTED);
  });
});
