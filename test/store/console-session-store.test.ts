import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createConsoleSessionStore, type ConsoleSessionStore } from "../../src/store/console-session-store.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";

let dir: string;
let db: SqliteDatabase;
let clock: number;
let sessions: ConsoleSessionStore;
const tokens = { accessToken: "user-token", expiresAt: null, refreshToken: null, refreshExpiresAt: null };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hamster-sessions-"));
  db = openDatabase(dir);
  clock = Date.parse("2026-01-01T00:00:00Z");
  sessions = createConsoleSessionStore(db, () => new Date(clock));
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("console sessions", () => {
  it("replaces a signing-in session with a signed-in one under a new id and a new CSRF token", () => {
    const pendingId = sessions.startSignIn("state-1", "/hamster/runs", 60_000);
    const pending = sessions.findSession(pendingId)!;
    expect(pending).toMatchObject({ user: null, oauthState: "state-1", next: "/hamster/runs", tokens: null });

    const id = sessions.completeSignIn(pendingId, { id: 7, login: "alice" }, tokens, 3_600_000);
    expect(id).not.toBe(pendingId);
    expect(sessions.findSession(pendingId)).toBeUndefined();
    const signedIn = sessions.findSession(id)!;
    expect(signedIn).toMatchObject({ user: { id: 7, login: "alice" }, oauthState: null, tokens });
    expect(signedIn.csrf).not.toBe(pending.csrf);
  });

  it("stores a hash of the id only, and forgets sessions once expired", () => {
    const id = sessions.startSignIn("state-2", null, 60_000);
    const stored = db.prepare("SELECT id_hash FROM console_sessions").pluck().all() as string[];
    expect(stored).toHaveLength(1);
    expect(stored[0]).not.toContain(id);
    clock += 60_000;
    expect(sessions.findSession(id)).toBeUndefined();
    // The next sign-in sweeps it away.
    sessions.startSignIn("state-3", null, 60_000);
    expect(db.prepare("SELECT count(*) FROM console_sessions").pluck().get()).toBe(1);
  });

  it("updates the tokens after a refresh and deletes a session at sign-out", () => {
    const id = sessions.completeSignIn(sessions.startSignIn("s", null, 60_000), { id: 7, login: "alice" }, tokens, 3_600_000);
    const fresh = { accessToken: "new-token", expiresAt: "2026-01-01T08:00:00.000Z", refreshToken: "r2", refreshExpiresAt: "2026-07-01T00:00:00.000Z" };
    sessions.updateTokens(id, fresh);
    expect(sessions.findSession(id)!.tokens).toEqual(fresh);
    sessions.deleteSession(id);
    expect(sessions.findSession(id)).toBeUndefined();
  });
});
