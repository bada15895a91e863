import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrateDatabase, openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createDeliveryStore } from "../../src/store/delivery-store.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { createRunStore } from "../../src/store/run-store.js";
import { ActiveRunExistsError } from "../../src/store/run-writes.js";
import { buildNewRun, buildRunRequest } from "../helpers/runs.js";

let dir: string;
let db: SqliteDatabase;
let clock: number;
const now = () => new Date(clock);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hamster-store-"));
  db = openDatabase(dir);
  clock = Date.parse("2026-11-24T10:00:00.000Z");
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("openDatabase", () => {
  it("uses WAL and applies every migration once, also when opened again", () => {
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    db.close();
    db = openDatabase(dir);
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
  });

  it("refuses a database from a newer version of the app", () => {
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => (db = openDatabase(dir))).toThrow(/newer than this app knows/);
    db = openDatabase(join(dir, "other"));
  });
});

describe("runs", () => {
  it("records a queued run with its first transition", () => {
    const runs = createRunStore(db, now);
    const run = runs.createRun(buildNewRun());
    expect(run).toMatchObject({ id: 1, state: "queued", repoOwner: "acme", repoName: "widgets", issueNumber: 7, requestedBy: "alice" });
    expect(run.request.issue.title).toBe("Add retries");
    expect(runs.listTransitions(run.id)).toEqual([{ state: "queued", at: "2026-11-24T10:00:00.000Z", detail: "requested by @alice (label)" }]);
  });

  it("allows one active run per task, enforced by the database", () => {
    const runs = createRunStore(db, now);
    const first = runs.createRun(buildNewRun());
    expect(() => runs.createRun(buildNewRun({ deliveryId: "d-2" }))).toThrow(ActiveRunExistsError);
    try {
      runs.createRun(buildNewRun({ deliveryId: "d-3" }));
    } catch (error) {
      expect((error as ActiveRunExistsError).activeRun.id).toBe(first.id);
    }
    // Another issue of the same repository is another task.
    const other = runs.createRun(buildNewRun({ request: buildRunRequest({ issue: { ...buildRunRequest().issue, number: 8 } }) }));
    expect(other.id).toBe(first.id + 1);
    // Even a raw insert cannot get round it.
    expect(() =>
      db
        .prepare(`INSERT INTO runs (installation_id, repo_id, repo_owner, repo_name, issue_number, state, trigger, requested_by, request, created_at, updated_at)
                  VALUES (1, 42, 'acme', 'widgets', 7, 'implementing', 'label', 'x', '{}', 'now', 'now')`)
        .run(),
    ).toThrow(/UNIQUE/);
  });

  it("frees the task once its run ends", () => {
    const runs = createRunStore(db, now);
    const first = runs.createRun(buildNewRun());
    runs.transitionRun(first.id, "preparing");
    clock += 1500;
    const ended = runs.transitionRun(first.id, "failed", { reason: "model error" });
    expect(ended).toMatchObject({ state: "failed", reason: "model error", finishedAt: "2026-11-24T10:00:01.500Z" });
    expect(runs.findActiveRun(42, 7)).toBeUndefined();
    const second = runs.createRun(buildNewRun({ deliveryId: "d-2" }));
    expect(runs.findActiveRun(42, 7)?.id).toBe(second.id);
    expect(runs.listRunsForTask(42, 7).map((r) => r.state)).toEqual(["failed", "queued"]);
  });

  it("counts a task by its issue's repository when the code is in another one", () => {
    const runs = createRunStore(db, now);
    const issueRepo = { id: 77, owner: "acme", name: "tracker", htmlUrl: "https://github.com/acme/tracker" };
    // Issue #7 of acme/tracker, its code in acme/widgets (42), and issue #7 of acme/widgets itself: two tasks.
    const across = runs.createRun(buildNewRun({ request: buildRunRequest({ issueRepo }) }));
    const own = runs.createRun(buildNewRun());
    expect(across).toMatchObject({ repoId: 42, issueNumber: 7 });
    expect(runs.findActiveRun(77, 7)?.id).toBe(across.id);
    expect(runs.findActiveRun(42, 7)?.id).toBe(own.id);
    expect(runs.listRunsForTask(77, 7).map((r) => r.id)).toEqual([across.id]);
    expect(() => runs.createRun(buildNewRun({ request: buildRunRequest({ issueRepo }) }))).toThrow(ActiveRunExistsError);
  });

  it("never leaves a final state", () => {
    const runs = createRunStore(db, now);
    const run = runs.createRun(buildNewRun());
    runs.transitionRun(run.id, "succeeded");
    expect(() => runs.transitionRun(run.id, "implementing")).toThrow(/already ended/);
    expect(runs.getRun(run.id).state).toBe("succeeded");
  });

  it("patches only the fields given", () => {
    const runs = createRunStore(db, now);
    const run = runs.createRun(buildNewRun());
    runs.updateRun(run.id, { prNumber: 12, workBranch: "hamster/7-add-retries" });
    const patched = runs.updateRun(run.id, {
      checkRunId: 99,
      usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 3, cacheWriteTokens: 2 },
      costUsd: 0.25,
    });
    expect(patched).toMatchObject({ prNumber: 12, workBranch: "hamster/7-add-retries", checkRunId: 99, costUsd: 0.25 });
    expect(patched.usage).toEqual({ inputTokens: 10, outputTokens: 5, cacheReadTokens: 3, cacheWriteTokens: 2 });
  });

  it("stores usage an agent did not report as unknown, not as zero", () => {
    const runs = createRunStore(db, now);
    const run = runs.createRun(buildNewRun({ request: buildRunRequest({ agent: "codex" }) }));
    expect(run.usage).toEqual({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
    const unknown = runs.updateRun(run.id, { usage: null, costUsd: null, turns: 3 });
    expect(unknown).toMatchObject({ usage: null, costUsd: null, turns: 3 });
    // Other patches leave it unknown.
    expect(runs.updateRun(run.id, { progress: "turn 4: codex — verifying" })).toMatchObject({ usage: null, costUsd: null });
    const known = runs.updateRun(run.id, { usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0.01 });
    expect(known).toMatchObject({ usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0.01 });
  });

  it("keeps the rows in the file across reopening", () => {
    const runs = createRunStore(db, now);
    const run = runs.createRun(buildNewRun());
    runs.transitionRun(run.id, "preparing");
    db.close();
    db = openDatabase(dir);
    const reopened = createRunStore(db, now);
    expect(reopened.getRun(run.id).state).toBe("preparing");
    expect(reopened.listRunsInState("preparing").map((r) => r.id)).toEqual([run.id]);
  });
});

describe("migration 5", () => {
  it("marks the usage of earlier command-line agent runs as not reported, and keeps the built-in agent's", () => {
    const old = new Database(join(dir, "v4.db"));
    for (const migration of MIGRATIONS.slice(0, 4)) old.exec(migration);
    old.pragma("user_version = 4");
    const insert = old.prepare(`INSERT INTO runs (installation_id, repo_id, repo_owner, repo_name, issue_number, state, trigger, requested_by, request, created_at, updated_at)
      VALUES (1, 42, 'acme', 'widgets', ?, 'succeeded', 'label', 'alice', ?, '2026-11-24T10:00:00.000Z', '2026-11-24T10:00:00.000Z')`);
    insert.run(1, JSON.stringify(buildRunRequest({ agent: "claude" })));
    insert.run(2, JSON.stringify(buildRunRequest({ agent: "claude-code" })));
    old.prepare("UPDATE runs SET input_tokens = 100, cost_usd = 0.5 WHERE issue_number = 1").run();
    migrateDatabase(old);
    const [builtin, cli] = createRunStore(old, now).listRunsForTask(42, 1).concat(createRunStore(old, now).listRunsForTask(42, 2));
    expect(builtin).toMatchObject({ usage: { inputTokens: 100 }, costUsd: 0.5 });
    expect(cli).toMatchObject({ usage: null, costUsd: null });
    old.close();
  });
});

describe("deliveries", () => {
  it("sees a delivery id once", () => {
    const deliveries = createDeliveryStore(db, now);
    expect(deliveries.recordDelivery("abc", "issues")).toBe(true);
    expect(deliveries.recordDelivery("abc", "issues")).toBe(false);
    expect(deliveries.recordDelivery("def", "issue_comment")).toBe(true);
  });
});
