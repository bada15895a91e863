import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GitHubClient } from "../../src/github/client.js";
import { createRunReporter } from "../../src/reporter/run-reporter.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createRunStore, type RunStore } from "../../src/store/run-store.js";
import { buildNewRun } from "../helpers/runs.js";

const NOW = new Date("2026-11-24T10:00:00.000Z");

interface Call {
  kind: "checks.create" | "checks.update" | "issues.createComment" | "issues.updateComment";
  params: Record<string, any>;
}

/** Just the four calls the reporter makes, recorded; `failNext` makes the next update fail. */
function fakeOctokit() {
  const calls: Call[] = [];
  let nextId = 100;
  const state = { failNext: false };
  const answer = (kind: Call["kind"]) => async (params: Record<string, any>) => {
    calls.push({ kind, params });
    if (state.failNext) {
      state.failNext = false;
      throw Object.assign(new Error("Server Error"), { status: 502 });
    }
    const id = params["check_run_id"] ?? params["comment_id"] ?? nextId++;
    return { data: { id, html_url: `https://github.com/acme/widgets/x/${id}` } };
  };
  const octokit = {
    rest: {
      checks: { create: answer("checks.create"), update: answer("checks.update") },
      issues: { createComment: answer("issues.createComment"), updateComment: answer("issues.updateComment") },
    },
  } as unknown as GitHubClient;
  const count = (kind: Call["kind"]) => calls.filter((c) => c.kind === kind).length;
  return { octokit, calls, count, state };
}

let dataDir: string;
let db: SqliteDatabase;
let runs: RunStore;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "hamster-reporter-"));
  db = openDatabase(dataDir);
  runs = createRunStore(db, () => NOW);
});

afterEach(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the run reporter", () => {
  it("does not send a check-run update whose rendering has not changed", async () => {
    const github = fakeOctokit();
    const reporter = createRunReporter({ octokit: github.octokit, runs, now: () => NOW });
    const run = runs.createRun(buildNewRun());
    runs.transitionRun(run.id, "preparing");
    await reporter.startCheckRun(run.id, "a".repeat(40));
    expect(github.count("checks.create")).toBe(1);

    // Rendered exactly as created: nothing to send.
    await reporter.publishCheckRun(run.id);
    await reporter.publishCheckRun(run.id);
    expect(github.count("checks.update")).toBe(0);

    runs.transitionRun(run.id, "planning");
    await reporter.publishCheckRun(run.id);
    await reporter.publishCheckRun(run.id);
    expect(github.count("checks.update")).toBe(1);

    runs.updateRun(run.id, { progress: "turn 1: bash — npm test" });
    await reporter.publishCheckRun(run.id);
    runs.updateRun(run.id, { progress: "turn 1: bash — npm test" });
    await reporter.publishCheckRun(run.id);
    expect(github.count("checks.update")).toBe(2);

    // The end changes the conclusion: sent, once.
    runs.transitionRun(run.id, "failed", { reason: "The model API answered 401." });
    await reporter.publishCheckRun(run.id);
    await reporter.publishCheckRun(run.id);
    expect(github.count("checks.update")).toBe(3);
    expect(github.calls.at(-1)!.params).toMatchObject({ status: "completed", conclusion: "failure" });
  });

  it("creates the status comment once and edits it only when its text changes", async () => {
    const github = fakeOctokit();
    const reporter = createRunReporter({ octokit: github.octokit, runs, now: () => NOW });
    const run = runs.createRun(buildNewRun());
    await reporter.publishStatusComment(run.id);
    await reporter.publishStatusComment(run.id);
    expect(github.count("issues.createComment")).toBe(1);
    expect(github.count("issues.updateComment")).toBe(0);

    runs.transitionRun(run.id, "preparing");
    await reporter.publish(run.id);
    await reporter.publish(run.id);
    expect(github.count("issues.updateComment")).toBe(1);
    expect(github.calls.at(-1)!.params["body"]).toContain("preparing");
  });

  it("remembers per target: a new check run and another reporter start afresh", async () => {
    const github = fakeOctokit();
    const reporter = createRunReporter({ octokit: github.octokit, runs, now: () => NOW });
    const run = runs.createRun(buildNewRun());
    runs.transitionRun(run.id, "preparing");
    const first = await reporter.startCheckRun(run.id, "a".repeat(40));
    runs.transitionRun(run.id, "planning");
    await reporter.publishCheckRun(run.id);
    const second = await reporter.startCheckRun(run.id, "b".repeat(40));
    expect(second).not.toBe(first);
    await reporter.publishCheckRun(run.id);
    expect(github.count("checks.update")).toBe(1);

    // Another reporter (another process, the admission of the trigger) has not sent anything yet.
    const other = createRunReporter({ octokit: github.octokit, runs, now: () => NOW });
    await other.publishCheckRun(run.id);
    expect(github.count("checks.update")).toBe(2);
    expect(github.calls.at(-1)!.params["check_run_id"]).toBe(second);
  });

  it("sends again after a failed send", async () => {
    const github = fakeOctokit();
    const reporter = createRunReporter({ octokit: github.octokit, runs, now: () => NOW });
    const run = runs.createRun(buildNewRun());
    await reporter.publishStatusComment(run.id);
    runs.transitionRun(run.id, "preparing");
    github.state.failNext = true;
    await expect(reporter.publishStatusComment(run.id)).rejects.toThrow("Server Error");
    await reporter.publishStatusComment(run.id);
    await reporter.publishStatusComment(run.id);
    expect(github.count("issues.updateComment")).toBe(2);
  });
});
