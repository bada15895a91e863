import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrateDatabase, openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { createPreferenceStore } from "../../src/store/preference-store.js";

let dir: string;
let db: SqliteDatabase;
let clock: number;
const now = () => new Date(clock);
const alice = { id: 101, login: "alice" };
const bob = { id: 202, login: "bob" };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hamster-prefs-"));
  db = openDatabase(dir);
  clock = Date.parse("2026-11-24T10:00:00.000Z");
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("preferences", () => {
  it("has none for a user who never saved any", () => {
    const prefs = createPreferenceStore(db, now);
    expect(prefs.getPreferences(1, alice.id)).toBeNull();
    expect(prefs.resetPreferences(1, alice.id)).toBe(false);
  });

  it("saves and reads back every key", () => {
    const prefs = createPreferenceStore(db, now);
    const saved = prefs.setPreferences(1, alice, { agent: "claude", branch: "develop", model: "claude-sonnet-5-5" });
    expect(saved).toEqual({ agent: "claude", branch: "develop", model: "claude-sonnet-5-5" });
    expect(prefs.getPreferences(1, alice.id)).toEqual(saved);
  });

  it("merges: keys given replace, the others stay", () => {
    const prefs = createPreferenceStore(db, now);
    prefs.setPreferences(1, alice, { agent: "claude", branch: "develop" });
    expect(prefs.setPreferences(1, alice, { branch: "main", model: "claude-opus-4-1" })).toEqual({
      agent: "claude",
      branch: "main",
      model: "claude-opus-4-1",
    });
    expect(prefs.setPreferences(1, alice, {})).toEqual({ agent: "claude", branch: "main", model: "claude-opus-4-1" });
    expect(prefs.getPreferences(1, alice.id)).toEqual({ agent: "claude", branch: "main", model: "claude-opus-4-1" });
  });

  it("keeps users and installations apart", () => {
    const prefs = createPreferenceStore(db, now);
    prefs.setPreferences(1, alice, { agent: "claude" });
    prefs.setPreferences(1, bob, { model: "m1" });
    prefs.setPreferences(2, alice, { branch: "trunk" });
    expect(prefs.getPreferences(1, alice.id)).toEqual({ agent: "claude" });
    expect(prefs.getPreferences(1, bob.id)).toEqual({ model: "m1" });
    expect(prefs.getPreferences(2, alice.id)).toEqual({ branch: "trunk" });
    expect(prefs.getPreferences(2, bob.id)).toBeNull();
  });

  it("resets one user's preferences in one installation", () => {
    const prefs = createPreferenceStore(db, now);
    prefs.setPreferences(1, alice, { agent: "claude" });
    prefs.setPreferences(2, alice, { agent: "claude" });
    expect(prefs.resetPreferences(1, alice.id)).toBe(true);
    expect(prefs.getPreferences(1, alice.id)).toBeNull();
    expect(prefs.getPreferences(2, alice.id)).toEqual({ agent: "claude" });
    expect(prefs.resetPreferences(1, alice.id)).toBe(false);
    expect(prefs.setPreferences(1, alice, { model: "m2" })).toEqual({ model: "m2" });
  });

  it("records the latest login and time, keyed by the user id", () => {
    const prefs = createPreferenceStore(db, now);
    prefs.setPreferences(1, alice, { agent: "claude" });
    clock += 60_000;
    prefs.setPreferences(1, { id: alice.id, login: "alice-renamed" }, { model: "m1" });
    expect(db.prepare("SELECT installation_id, user_id, user_login, agent, branch, model, updated_at FROM preferences").all()).toEqual([
      { installation_id: 1, user_id: 101, user_login: "alice-renamed", agent: "claude", branch: null, model: "m1", updated_at: "2026-11-24T10:01:00.000Z" },
    ]);
  });

  it("survives reopening the database file", () => {
    createPreferenceStore(db, now).setPreferences(1, alice, { branch: "develop" });
    db.close();
    db = openDatabase(dir);
    expect(createPreferenceStore(db, now).getPreferences(1, alice.id)).toEqual({ branch: "develop" });
  });
});

describe("migration 3", () => {
  it("adds the preferences table and the runs' new columns to a database at version 2", () => {
    const file = join(dir, "v2.db");
    const old = new Database(file);
    old.exec(MIGRATIONS[0]!);
    old.exec(MIGRATIONS[1]!);
    old.pragma("user_version = 2");
    migrateDatabase(old);
    expect(old.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    const columns = (old.prepare("SELECT name, type, \"notnull\", dflt_value FROM pragma_table_info('runs')").all() as { name: string }[]).filter(
      (column) => ["heartbeat_at", "resume_count", "follow_up_of", "cancelled_by", "parameter_sources"].includes(column.name),
    );
    expect(columns).toEqual([
      { name: "heartbeat_at", type: "TEXT", notnull: 0, dflt_value: null },
      { name: "resume_count", type: "INTEGER", notnull: 1, dflt_value: "0" },
      { name: "follow_up_of", type: "INTEGER", notnull: 0, dflt_value: null },
      { name: "cancelled_by", type: "TEXT", notnull: 0, dflt_value: null },
      { name: "parameter_sources", type: "TEXT", notnull: 0, dflt_value: null },
    ]);
    expect(createPreferenceStore(old).getPreferences(1, 1)).toBeNull();
    old.close();
  });
});

describe("replacePreferences", () => {
  it("saves exactly the keys given, clearing the others, and deletes the row when none are given", () => {
    const prefs = createPreferenceStore(db, now);
    prefs.setPreferences(1, alice, { agent: "claude", branch: "develop", model: "claude-sonnet-5-5" });
    expect(prefs.replacePreferences(1, alice, { model: "claude-opus-5-5" })).toEqual({ model: "claude-opus-5-5" });
    expect(prefs.getPreferences(1, alice.id)).toEqual({ model: "claude-opus-5-5" });
    expect(prefs.replacePreferences(1, alice, {})).toBeNull();
    expect(prefs.getPreferences(1, alice.id)).toBeNull();
    expect(db.prepare("SELECT COUNT(*) AS n FROM preferences").get()).toEqual({ n: 0 });
  });

  it("touches no one else's", () => {
    const prefs = createPreferenceStore(db, now);
    prefs.setPreferences(1, bob, { branch: "main" });
    prefs.setPreferences(2, alice, { branch: "trunk" });
    prefs.replacePreferences(1, alice, { agent: "claude" });
    expect(prefs.getPreferences(1, bob.id)).toEqual({ branch: "main" });
    expect(prefs.getPreferences(2, alice.id)).toEqual({ branch: "trunk" });
  });
});
