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
  kind: "checks.create" | "checks.update" | "issues.createComment" | "issues.updateComment" | "issues.listComments";
  params: Record<string, any>;
}

interface StoredComment {
  id: number;
  issue_number: number;
  body: string;
  user: { login: string; type: string };
}

/**
 * Just the calls the reporter makes, recorded; `failNext` makes the next write fail, and
 * `loseNextAnswer` makes GitHub do the next write but the answer never arrive.
 */
function fakeOctokit() {
  const calls: Call[] = [];
  const comments: StoredComment[] = [];
  let nextId = 100;
  const state = { failNext: false, loseNextAnswer: false };
  const answer = (kind: Call["kind"], act: (params: Record<string, any>, id: number) => void = () => {}) => async (params: Record<string, any>) => {
    calls.push({ kind, params });
    if (state.failNext) {
      state.failNext = false;
      throw Object.assign(new Error("Server Error"), { status: 502 });
    }
    const id = params["check_run_id"] ?? params["comment_id"] ?? nextId++;
    act(params, id);
    if (state.loseNextAnswer) {
      state.loseNextAnswer = false;
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }) });
    }
    return { data: { id, html_url: `https://github.com/acme/widgets/x/${id}` } };
  };
  const listComments = async (params: Record<string, any>) => {
    calls.push({ kind: "issues.listComments", params });
    const all = comments.filter((c) => c.issue_number === params["issue_number"]);
    const perPage = params["per_page"] ?? 30;
    const page = params["page"] ?? 1;
    return { data: all.slice((page - 1) * perPage, page * perPage) };
  };
  const octokit = {
    rest: {
      checks: { create: answer("checks.create"), update: answer("checks.update") },
      issues: {
        createComment: answer("issues.createComment", (p, id) =>
          comments.push({ id, issue_number: p["issue_number"], body: p["body"], user: { login: "hamster[bot]", type: "Bot" } }),
        ),
        updateComment: answer("issues.updateComment", (p, id) => {
          const comment = comments.find((c) => c.id === id);
          if (comment) comment.body = p["body"];
        }),
        listComments,
      },
    },
    paginate: {
      // Page by page, as Octokit's iterator does, until a page comes back short.
      async *iterator(list: typeof listComments, params: Record<string, any>) {
        for (let page = 1; page <= 100; page++) {
          const response = await list({ ...params, page });
          yield response;
          if (response.data.length < (params["per_page"] ?? 30)) return;
        }
      },
    },
  } as unknown as GitHubClient;
  const count = (kind: Call["kind"]) => calls.filter((c) => c.kind === kind).length;
  return { octokit, calls, comments, count, state };
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
    await reporter.createStatusComment(run.id);
    await reporter.publishStatusComment(run.id);
    expect(github.count("issues.createComment")).toBe(1);
    expect(github.count("issues.updateComment")).toBe(0);
    // A run recorded just now has no comment to look for.
    expect(github.count("issues.listComments")).toBe(0);

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
    await reporter.createStatusComment(run.id);
    runs.transitionRun(run.id, "preparing");
    github.state.failNext = true;
    await expect(reporter.publishStatusComment(run.id)).rejects.toThrow("Server Error");
    await reporter.publishStatusComment(run.id);
    await reporter.publishStatusComment(run.id);
    expect(github.count("issues.updateComment")).toBe(2);
  });
});

describe("a status comment whose id was not stored", () => {
  /** The app posted the comment, GitHub created it, and the id never reached the run's row. */
  async function postAndLoseTheAnswer(runId: number, github: ReturnType<typeof fakeOctokit>) {
    github.state.loseNextAnswer = true;
    await expect(createRunReporter({ octokit: github.octokit, runs, now: () => NOW }).createStatusComment(runId)).rejects.toThrow("fetch failed");
    expect(runs.getRun(runId).statusCommentId).toBeNull();
    expect(github.comments).toHaveLength(1);
  }

  it("is found by its marker and adopted: edited in place, never posted twice", async () => {
    const github = fakeOctokit();
    const run = runs.createRun(buildNewRun());
    await postAndLoseTheAnswer(run.id, github);

    // The next reporter (a restarted app, or the run's worker) looks before it posts.
    const reporter = createRunReporter({ octokit: github.octokit, runs, now: () => NOW });
    await reporter.publishStatusComment(run.id);
    expect(github.comments).toHaveLength(1);
    expect(runs.getRun(run.id).statusCommentId).toBe(github.comments[0]!.id);
    // Its text is already the current one: nothing to send.
    expect(github.count("issues.updateComment")).toBe(0);

    runs.transitionRun(run.id, "preparing");
    await reporter.publishStatusComment(run.id);
    expect(github.count("issues.createComment")).toBe(1);
    expect(github.comments[0]!.body).toContain("preparing");
    // Looked for once: the id is stored now.
    expect(github.count("issues.listComments")).toBe(1);
  });

  it("is looked for among the comments since the run was created, and the pages after it are not read", async () => {
    const github = fakeOctokit();
    const run = runs.createRun(buildNewRun());
    await postAndLoseTheAnswer(run.id, github);
    for (let i = 0; i < 250; i++) github.comments.push({ id: 10_000 + i, issue_number: 7, body: `comment ${i}`, user: { login: "alice", type: "User" } });

    await createRunReporter({ octokit: github.octokit, runs, now: () => NOW }).publishStatusComment(run.id);
    const lists = github.calls.filter((c) => c.kind === "issues.listComments");
    expect(lists).toHaveLength(1);
    // Created at 10:00 by the app's clock; an hour's margin for GitHub's.
    expect(lists[0]!.params).toMatchObject({ owner: "acme", repo: "widgets", issue_number: 7, since: "2026-11-24T09:00:00Z", per_page: 100 });
    expect(github.count("issues.createComment")).toBe(1);
  });

  it("is the app's comment that starts with this run's marker: a quote by a person, another run's comment or a marker further down is not adopted", async () => {
    const github = fakeOctokit();
    const other = runs.createRun(buildNewRun());
    runs.transitionRun(other.id, "failed", { reason: "x" });
    const run = runs.createRun(buildNewRun());
    github.comments.push(
      { id: 1, issue_number: 7, body: `<!-- hamster:status run=${run.id} -->\nquoted by hand`, user: { login: "alice", type: "User" } },
      { id: 2, issue_number: 7, body: `<!-- hamster:status run=${other.id} -->\nthe other run`, user: { login: "hamster[bot]", type: "Bot" } },
      { id: 3, issue_number: 7, body: `Thanks!\n<!-- hamster:status run=${run.id} -->`, user: { login: "hamster[bot]", type: "Bot" } },
    );
    await createRunReporter({ octokit: github.octokit, runs, now: () => NOW }).publishStatusComment(run.id);
    expect(github.count("issues.createComment")).toBe(1);
    expect(runs.getRun(run.id).statusCommentId).toBe(github.comments.at(-1)!.id);
    expect(github.comments.slice(0, 3).map((c) => c.body)).toEqual([
      `<!-- hamster:status run=${run.id} -->\nquoted by hand`,
      `<!-- hamster:status run=${other.id} -->\nthe other run`,
      `Thanks!\n<!-- hamster:status run=${run.id} -->`,
    ]);
  });
});
