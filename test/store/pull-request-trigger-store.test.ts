import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createPullRequestTriggerStore } from "../../src/store/pull-request-trigger-store.js";

let dir: string;
let db: SqliteDatabase;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hamster-triggers-"));
  db = openDatabase(dir);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("pull request triggers", () => {
  it("lets one claim of a review or a head commit through, across store instances and a reopened database", () => {
    const first = createPullRequestTriggerStore(db);
    const second = createPullRequestTriggerStore(db);
    expect(first.claimTrigger(1, 10, "ci", "abc")).toBe(true);
    expect(second.claimTrigger(1, 10, "ci", "abc")).toBe(false);
    // Other commits, kinds, pull requests and repositories are their own.
    expect(second.claimTrigger(1, 10, "ci", "def")).toBe(true);
    expect(second.claimTrigger(1, 10, "review", "abc")).toBe(true);
    expect(second.claimTrigger(1, 11, "ci", "abc")).toBe(true);
    expect(second.claimTrigger(2, 10, "ci", "abc")).toBe(true);
    db.close();
    db = openDatabase(dir);
    expect(createPullRequestTriggerStore(db).claimTrigger(1, 10, "ci", "abc")).toBe(false);
  });

  it("gives a released claim back", () => {
    const store = createPullRequestTriggerStore(db);
    expect(store.claimTrigger(1, 10, "review", "7")).toBe(true);
    store.releaseTrigger(1, 10, "review", "7");
    expect(store.claimTrigger(1, 10, "review", "7")).toBe(true);
  });

  it("keeps what each head commit's checks led to, oldest first", () => {
    let clock = Date.parse("2026-12-01T10:00:00Z");
    const store = createPullRequestTriggerStore(db, () => new Date((clock += 1000)));
    store.claimTrigger(1, 10, "ci", "aaa");
    store.claimTrigger(1, 10, "ci", "bbb");
    store.claimTrigger(1, 10, "review", "5");
    store.recordCiOutcome(1, 10, "aaa", { outcome: "started", signature: "s1" });
    store.recordCiOutcome(1, 10, "bbb", { outcome: "no_progress", signature: "s1" });
    expect(store.listCiAttempts(1, 10)).toEqual([
      { headSha: "aaa", outcome: "started", signature: "s1", runId: null },
      { headSha: "bbb", outcome: "no_progress", signature: "s1", runId: null },
    ]);
    expect(store.listCiAttempts(1, 11)).toEqual([]);
  });

  it("remembers a CI failure that waits for a run once, until it is taken", () => {
    const store = createPullRequestTriggerStore(db);
    expect(store.takeCiWait(1, 10)).toBe(false);
    store.noteCiWait(1, 10);
    store.noteCiWait(1, 10);
    expect(store.takeCiWait(1, 11)).toBe(false);
    expect(store.takeCiWait(1, 10)).toBe(true);
    expect(store.takeCiWait(1, 10)).toBe(false);
  });
});
