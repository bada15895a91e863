import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createRunCredentialStore, parseRunCredential, type RunCredentialStore } from "../../src/store/run-credentials.js";
import { createRunStore } from "../../src/store/run-store.js";
import { buildNewRun, buildRunRequest } from "../helpers/runs.js";

let dir: string;
let db: SqliteDatabase;
let clock: number;
let credentials: RunCredentialStore;
let runId: number;
const now = () => new Date(clock);
const HOUR = 3_600_000;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hamster-credentials-"));
  db = openDatabase(dir);
  clock = Date.parse("2026-11-24T10:00:00.000Z");
  credentials = createRunCredentialStore(db, now);
  runId = createRunStore(db, now).createRun(buildNewRun()).id;
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function secondRun(): number {
  const request = buildRunRequest({ issue: { ...buildRunRequest().issue, number: 8 } });
  return createRunStore(db, now).createRun(buildNewRun({ deliveryId: "d-2", request })).id;
}

/** The secret part of a token (which may itself contain "_"). */
function secretOf(token: string): string {
  return /^hmr_\d+_(.{43})$/.exec(token)![1]!;
}

/** The same token with one character of its secret changed. */
function tamper(token: string): string {
  const last = token.at(-1) === "A" ? "B" : "A";
  return `${token.slice(0, -1)}${last}`;
}

describe("run credentials", () => {
  it("issues a token of the documented shape that verifies to its run and attempt", () => {
    const issued = credentials.issueRunCredential(runId, 1, HOUR);
    expect(issued.token).toMatch(new RegExp(`^hmr_${issued.credentialId}_[A-Za-z0-9_-]{43}$`));
    expect(issued.expiresAt.toISOString()).toBe("2026-11-24T11:00:00.000Z");
    expect(credentials.verifyRunCredential(issued.token)).toEqual({ credentialId: issued.credentialId, runId, attempt: 1 });
    // Each token is new randomness, even for the same run and attempt.
    expect(credentials.issueRunCredential(runId, 1, HOUR).token.slice(-43)).not.toBe(issued.token.slice(-43));
  });

  it("stores only the SHA-256 of the secret, never the token", () => {
    const { token, credentialId } = credentials.issueRunCredential(runId, 1, HOUR);
    const rows = db.prepare(`SELECT * FROM run_credentials`).all() as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    const secret = secretOf(token);
    expect(rows[0]).toMatchObject({
      id: credentialId,
      run_id: runId,
      attempt: 1,
      secret_hash: createHash("sha256").update(secret).digest("hex"),
      created_at: "2026-11-24T10:00:00.000Z",
      expires_at: "2026-11-24T11:00:00.000Z",
      revoked_at: null,
    });
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it("refuses a token once it has expired", () => {
    const { token } = credentials.issueRunCredential(runId, 1, HOUR);
    expect(credentials.verifyRunCredential(token, new Date(clock + HOUR - 1))).not.toBeNull();
    expect(credentials.verifyRunCredential(token, new Date(clock + HOUR))).toBeNull();
    clock += 2 * HOUR;
    expect(credentials.verifyRunCredential(token)).toBeNull();
  });

  it("revokes the earlier attempt's token when the next one is issued, and only that run's", () => {
    const other = secondRun();
    const otherToken = credentials.issueRunCredential(other, 1, HOUR).token;
    const first = credentials.issueRunCredential(runId, 1, HOUR).token;
    clock += 60_000;
    const second = credentials.issueRunCredential(runId, 2, HOUR).token;
    expect(credentials.verifyRunCredential(first)).toBeNull();
    expect(credentials.verifyRunCredential(second)).toMatchObject({ runId, attempt: 2 });
    expect(credentials.verifyRunCredential(otherToken)).toMatchObject({ runId: other, attempt: 1 });
    const revokedAt = db.prepare(`SELECT revoked_at FROM run_credentials WHERE run_id = ? ORDER BY id`).pluck().all(runId);
    expect(revokedAt).toEqual(["2026-11-24T10:01:00.000Z", null]);
  });

  it("revokes all of a run's tokens when its attempt ends", () => {
    const { token } = credentials.issueRunCredential(runId, 1, HOUR);
    expect(credentials.revokeRunCredentials(runId)).toBe(1);
    expect(credentials.verifyRunCredential(token)).toBeNull();
    expect(credentials.revokeRunCredentials(runId)).toBe(0);
  });

  it("refuses a wrong secret under a real id, and a real secret under another id", () => {
    const a = credentials.issueRunCredential(runId, 1, HOUR);
    const b = credentials.issueRunCredential(secondRun(), 1, HOUR);
    expect(credentials.verifyRunCredential(tamper(a.token))).toBeNull();
    const secretOfA = secretOf(a.token);
    expect(credentials.verifyRunCredential(`hmr_${b.credentialId}_${secretOfA}`)).toBeNull();
    expect(credentials.verifyRunCredential(`hmr_${b.credentialId + 100}_${secretOfA}`)).toBeNull();
    expect(credentials.verifyRunCredential(a.token)).not.toBeNull();
  });

  it("refuses malformed tokens without asking the database", () => {
    const { token, credentialId } = credentials.issueRunCredential(runId, 1, HOUR);
    const secret = secretOf(token);
    const malformed: unknown[] = [
      undefined,
      null,
      42,
      "",
      `Bearer ${token}`,
      ` ${token}`,
      `${token} `,
      `${token}\n`,
      `hmr_${credentialId}_${secret}A`,
      `hmr_${credentialId}_${secret.slice(1)}`,
      `hmr_0${credentialId}_${secret}`,
      `hmr_0_${secret}`,
      `hmr_-1_${secret}`,
      `hmr_99999999999999999_${secret}`,
      `hmr__${secret}`,
      `hmx_${credentialId}_${secret}`,
      `HMR_${credentialId}_${secret}`,
      `hmr_${credentialId}_${secret.slice(0, -1)}=`,
      `hmr_${credentialId}_${secret.slice(0, -1)}+`,
    ];
    db.close();
    // A closed database throws when asked: these must all be answered from their shape alone.
    for (const candidate of malformed) {
      expect(parseRunCredential(candidate), String(candidate)).toBeNull();
      expect(credentials.verifyRunCredential(candidate), String(candidate)).toBeNull();
    }
    db = openDatabase(dir);
  });

  it("refuses a lifetime that is not a positive number", () => {
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => credentials.issueRunCredential(runId, 1, ttl)).toThrow(RangeError);
    }
    expect(db.prepare(`SELECT COUNT(*) FROM run_credentials`).pluck().get()).toBe(0);
  });

  it("binds a credential to an existing run", () => {
    expect(() => credentials.issueRunCredential(runId + 1000, 1, HOUR)).toThrow(/FOREIGN KEY/);
  });
});
