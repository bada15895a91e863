import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createRunStore, type RunStore } from "../../src/store/run-store.js";
import { buildNewRun, buildRunRequest } from "../helpers/runs.js";

/** RunStore.listRunsForRepos: the console's runs list, one statement whatever the filters. */

let dir: string;
let db: SqliteDatabase;
let runs: RunStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hamster-store-"));
  db = openDatabase(dir);
  runs = createRunStore(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function addRun(repoId: number, issue: number, title: string, state: "succeeded" | "failed" = "succeeded") {
  const base = buildRunRequest();
  const run = runs.createRun(buildNewRun({ request: buildRunRequest({ repo: { ...base.repo, id: repoId }, issue: { ...base.issue, number: issue, title } }) }));
  return runs.transitionRun(run.id, state);
}

describe("listRunsForRepos", () => {
  it("lists the given repositories' runs newest first, a page at a time", () => {
    const a1 = addRun(1, 1, "first");
    addRun(2, 1, "other repository");
    const a2 = addRun(1, 2, "second", "failed");
    const a3 = addRun(3, 5, "third");
    const ids = (query: Parameters<RunStore["listRunsForRepos"]>[0]) => runs.listRunsForRepos(query).map((run) => run.id);
    expect(ids({ repoIds: [1, 3], limit: 10 })).toEqual([a3.id, a2.id, a1.id]);
    expect(ids({ repoIds: [1, 3], limit: 2 })).toEqual([a3.id, a2.id]);
    expect(ids({ repoIds: [1, 3], limit: 2, beforeId: a2.id })).toEqual([a1.id]);
    expect(ids({ repoIds: [1, 3], states: ["failed"], limit: 10 })).toEqual([a2.id]);
    expect(ids({ repoIds: [1, 3], text: "SEC", limit: 10 })).toEqual([a2.id]);
    expect(ids({ repoIds: [1, 3], text: "#5", limit: 10 })).toEqual([a3.id]);
    expect(ids({ repoIds: [], limit: 10 })).toEqual([]);
  });

  it("reads the runs through the runs_by_repo index, not by scanning every run", () => {
    // The store's own statement, as it prepares it.
    const statements: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      statements.push(sql);
      return prepare(sql);
    }) as typeof db.prepare;
    createRunStore(db);
    db.prepare = prepare;
    const listing = statements.find((sql) => sql.includes("json_each(@repoIds)"));
    expect(listing).toBeDefined();
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${listing}`)
      .all({ repoIds: "[1,2]", states: null, beforeId: null, issueNumber: null, pattern: null, limit: 50 }) as { detail: string }[];
    const details = plan.map((row) => row.detail);
    expect(details).toContain("SEARCH runs USING INDEX runs_by_repo (repo_id=?)");
    expect(details.filter((detail) => /^SCAN runs\b/.test(detail))).toEqual([]);
  });
});
