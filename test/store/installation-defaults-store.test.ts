import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createInstallationDefaultsStore } from "../../src/store/installation-defaults-store.js";

let dir: string;
let db: SqliteDatabase;
let clock: number;
const now = () => new Date(clock);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hamster-installation-defaults-"));
  db = openDatabase(dir);
  clock = Date.parse("2026-11-24T10:00:00.000Z");
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("installation defaults", () => {
  it("has none for an installation whose admins never saved any", () => {
    expect(createInstallationDefaultsStore(db, now).getDefaults(1)).toBeNull();
  });

  it("saves and reads back every key, with who saved them and when", () => {
    const store = createInstallationDefaultsStore(db, now);
    const budgets = { turns: 80, inputTokens: 2_000_000, outputTokens: 100_000, costUsd: 5.5, minutes: 45.5 };
    const saved = store.setDefaults(1, { agent: "claude", model: "claude-opus-5-5", executor: "actions", budgets }, "octocat");
    const expected = {
      installationId: 1,
      agent: "claude",
      model: "claude-opus-5-5",
      executor: "actions",
      budgets,
      updatedAt: "2026-11-24T10:00:00.000Z",
      updatedBy: "octocat",
    };
    expect(saved).toEqual(expected);
    expect(store.getDefaults(1)).toEqual(expected);
    expect(store.getDefaults(2)).toBeNull();
  });

  it("replaces them whole: a key not given again is cleared", () => {
    const store = createInstallationDefaultsStore(db, now);
    store.setDefaults(1, { agent: "claude", model: "claude-opus-5-5", budgets: { turns: 80, costUsd: 5 } }, "octocat");
    clock += 60_000;
    expect(store.setDefaults(1, { model: "claude-haiku-5-5", budgets: { costUsd: 2 } }, "hubot")).toEqual({
      installationId: 1,
      model: "claude-haiku-5-5",
      budgets: { costUsd: 2 },
      updatedAt: "2026-11-24T10:01:00.000Z",
      updatedBy: "hubot",
    });
  });

  it("keeps installations apart", () => {
    const store = createInstallationDefaultsStore(db, now);
    store.setDefaults(1, { model: "a-model", budgets: {} }, "octocat");
    store.setDefaults(2, { model: "b-model", budgets: {} }, "hubot");
    expect(store.getDefaults(1)?.model).toBe("a-model");
    expect(store.getDefaults(2)?.model).toBe("b-model");
  });
});
