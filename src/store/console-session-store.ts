import { createHash, randomBytes } from "node:crypto";
import type { SqliteDatabase } from "./database.js";

/**
 * The web console's sessions. A session starts when someone asks to sign in (it holds the OAuth
 * `state` and where to go after), and is replaced by a new one, with a new id, when GitHub
 * signs them in. Only a hash of the id is stored: a copy of the database opens no session.
 * The user's GitHub tokens stay here, never in a cookie or a page.
 */

export interface UserTokens {
  readonly accessToken: string;
  /** ISO time the access token expires; null when it does not. */
  readonly expiresAt: string | null;
  readonly refreshToken: string | null;
  readonly refreshExpiresAt: string | null;
}

export interface ConsoleSession {
  /** The id as the cookie carries it. */
  readonly id: string;
  readonly csrf: string;
  /** Null while signing in. */
  readonly user: { readonly id: number; readonly login: string } | null;
  readonly oauthState: string | null;
  /** Where to go once signed in (a path under /hamster/). */
  readonly next: string | null;
  readonly tokens: UserTokens | null;
  readonly expiresAt: string;
}

interface SessionRow {
  csrf: string;
  user_id: number | null;
  user_login: string | null;
  oauth_state: string | null;
  next: string | null;
  access_token: string | null;
  token_expires_at: string | null;
  refresh_token: string | null;
  refresh_expires_at: string | null;
  expires_at: string;
}

/** A session id or CSRF token: 256 random bits, URL-safe. */
export function createRandomToken(): string {
  return randomBytes(32).toString("base64url");
}

function hashId(id: string): string {
  return createHash("sha256").update(id).digest("hex");
}

export type ConsoleSessionStore = ReturnType<typeof createConsoleSessionStore>;

export function createConsoleSessionStore(db: SqliteDatabase, now: () => Date = () => new Date()) {
  const insertStatement = db.prepare(`
    INSERT INTO console_sessions (id_hash, csrf, user_id, user_login, oauth_state, next, access_token, token_expires_at,
                                  refresh_token, refresh_expires_at, created_at, expires_at)
    VALUES (@idHash, @csrf, @userId, @userLogin, @oauthState, @next, @accessToken, @tokenExpiresAt,
            @refreshToken, @refreshExpiresAt, @createdAt, @expiresAt)`);
  const getStatement = db.prepare<[string, string], SessionRow>(`SELECT * FROM console_sessions WHERE id_hash = ? AND expires_at > ?`);
  const deleteStatement = db.prepare<[string]>(`DELETE FROM console_sessions WHERE id_hash = ?`);
  const pruneStatement = db.prepare<[string]>(`DELETE FROM console_sessions WHERE expires_at <= ?`);
  const updateTokensStatement = db.prepare(`
    UPDATE console_sessions SET access_token = @accessToken, token_expires_at = @tokenExpiresAt,
      refresh_token = @refreshToken, refresh_expires_at = @refreshExpiresAt WHERE id_hash = @idHash`);

  const inFuture = (ms: number) => new Date(now().getTime() + ms).toISOString();

  function insert(fields: {
    user: ConsoleSession["user"];
    oauthState: string | null;
    next: string | null;
    tokens: UserTokens | null;
    ttlMs: number;
  }): string {
    const id = createRandomToken();
    insertStatement.run({
      idHash: hashId(id),
      csrf: createRandomToken(),
      userId: fields.user?.id ?? null,
      userLogin: fields.user?.login ?? null,
      oauthState: fields.oauthState,
      next: fields.next,
      accessToken: fields.tokens?.accessToken ?? null,
      tokenExpiresAt: fields.tokens?.expiresAt ?? null,
      refreshToken: fields.tokens?.refreshToken ?? null,
      refreshExpiresAt: fields.tokens?.refreshExpiresAt ?? null,
      createdAt: now().toISOString(),
      expiresAt: inFuture(fields.ttlMs),
    });
    return id;
  }

  /** A session that is signing in: its id goes in the cookie, its state to GitHub. */
  function startSignIn(oauthState: string, next: string | null, ttlMs: number): string {
    pruneStatement.run(now().toISOString());
    return insert({ user: null, oauthState, next, tokens: null, ttlMs });
  }

  /** Replaces the signing-in session `pendingId` by a signed-in one with a new id (and a new CSRF token). */
  const completeSignIn = db.transaction((pendingId: string, user: { id: number; login: string }, tokens: UserTokens, ttlMs: number): string => {
    deleteStatement.run(hashId(pendingId));
    return insert({ user, oauthState: null, next: null, tokens, ttlMs });
  });

  /** The live session with this id, or undefined (unknown, or expired). */
  function findSession(id: string): ConsoleSession | undefined {
    const row = getStatement.get(hashId(id), now().toISOString());
    if (!row) return undefined;
    return {
      id,
      csrf: row.csrf,
      user: row.user_id === null || row.user_login === null ? null : { id: row.user_id, login: row.user_login },
      oauthState: row.oauth_state,
      next: row.next,
      tokens:
        row.access_token === null
          ? null
          : { accessToken: row.access_token, expiresAt: row.token_expires_at, refreshToken: row.refresh_token, refreshExpiresAt: row.refresh_expires_at },
      expiresAt: row.expires_at,
    };
  }

  function updateTokens(id: string, tokens: UserTokens): void {
    updateTokensStatement.run({
      idHash: hashId(id),
      accessToken: tokens.accessToken,
      tokenExpiresAt: tokens.expiresAt,
      refreshToken: tokens.refreshToken,
      refreshExpiresAt: tokens.refreshExpiresAt,
    });
  }

  function deleteSession(id: string): void {
    deleteStatement.run(hashId(id));
  }

  return { startSignIn, completeSignIn, findSession, updateTokens, deleteSession };
}
