import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { SqliteDatabase } from "./database.js";

/**
 * Run credentials: the bearer token a runner and the model gateway accept for one attempt of
 * one run. A token is `hmr_<row id>_<secret>`, the secret being 32 random bytes in base64url
 * (43 characters). Only the SHA-256 of the secret is stored: 256 random bits need no slow hash,
 * and a copy of the database file grants nothing. The row id finds the row; the hashes are
 * then compared in constant time, so response times do not tell how much of a guess was right.
 */

const TOKEN = /^hmr_([1-9][0-9]{0,15})_([A-Za-z0-9_-]{43})$/;
const SECRET_BYTES = 32;

/** A credential just issued: the token is shown this once and never again. */
export interface IssuedRunCredential {
  readonly token: string;
  readonly credentialId: number;
  readonly expiresAt: Date;
}

/** What a valid token stands for. The caller still checks that the run is active and on this attempt. */
export interface RunCredentialGrant {
  readonly credentialId: number;
  readonly runId: number;
  readonly attempt: number;
}

interface CredentialRow {
  run_id: number;
  attempt: number;
  secret_hash: string;
  expires_at: string;
  revoked_at: string | null;
}

/** The parts of a well-formed token, or null: the shape is checked before the database is asked. */
export function parseRunCredential(token: unknown): { readonly id: number; readonly secret: string } | null {
  if (typeof token !== "string") return null;
  const match = TOKEN.exec(token);
  if (match === null) return null;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) ? { id, secret: match[2]! } : null;
}

function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

export type RunCredentialStore = ReturnType<typeof createRunCredentialStore>;

/** The only SQL about run credentials. Statements are prepared once, here. */
export function createRunCredentialStore(db: SqliteDatabase, now: () => Date = () => new Date()) {
  const revokeStatement = db.prepare(`UPDATE run_credentials SET revoked_at = ? WHERE run_id = ? AND revoked_at IS NULL`);
  const insertStatement = db.prepare(
    `INSERT INTO run_credentials (run_id, attempt, secret_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
  );
  const getStatement = db.prepare<[number], CredentialRow>(
    `SELECT run_id, attempt, secret_hash, expires_at, revoked_at FROM run_credentials WHERE id = ?`,
  );

  /**
   * A new credential for the run's attempt, valid for `ttlMs`. Every earlier credential of the
   * run is revoked in the same transaction: an attempt presumed dead cannot go on working.
   */
  const issueRunCredential = db.transaction((runId: number, attempt: number, ttlMs: number): IssuedRunCredential => {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`A run credential's lifetime must be a positive number of milliseconds, not ${ttlMs}.`);
    const issuedAt = now();
    const expiresAt = new Date(issuedAt.getTime() + ttlMs);
    const secret = randomBytes(SECRET_BYTES).toString("base64url");
    revokeStatement.run(issuedAt.toISOString(), runId);
    const info = insertStatement.run(runId, attempt, hashSecret(secret).toString("hex"), issuedAt.toISOString(), expiresAt.toISOString());
    const credentialId = Number(info.lastInsertRowid);
    return { token: `hmr_${credentialId}_${secret}`, credentialId, expiresAt };
  });

  /** The grant of a token, or null when it is malformed, unknown, revoked or expired at `at`. */
  function verifyRunCredential(token: unknown, at: Date = now()): RunCredentialGrant | null {
    const parsed = parseRunCredential(token);
    if (parsed === null) return null;
    const row = getStatement.get(parsed.id);
    if (row === undefined) return null;
    const stored = Buffer.from(row.secret_hash, "hex");
    const given = hashSecret(parsed.secret);
    if (stored.length !== given.length || !timingSafeEqual(stored, given)) return null;
    if (row.revoked_at !== null || Date.parse(row.expires_at) <= at.getTime()) return null;
    return { credentialId: parsed.id, runId: row.run_id, attempt: row.attempt };
  }

  /** Revokes every credential of the run (its attempt ended); returns how many were not revoked yet. */
  function revokeRunCredentials(runId: number): number {
    return revokeStatement.run(now().toISOString(), runId).changes;
  }

  return { issueRunCredential, verifyRunCredential, revokeRunCredentials };
}
