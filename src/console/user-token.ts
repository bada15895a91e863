import { OAuthError, refreshOAuthTokens, type OAuthApp } from "../github/user-oauth.js";
import type { ConsoleSession, ConsoleSessionStore } from "../store/console-session-store.js";

/** The session's GitHub token is gone for good (expired and not refreshable, or revoked): sign in again. */
export class ConsoleSessionEnded extends Error {
  override readonly name = "ConsoleSessionEnded";
}

/** A token this close to its expiry is refreshed first, so it does not expire mid-request. */
const REFRESH_MARGIN_MS = 60_000;

/**
 * The user-to-server token of a session, refreshed when it expired or is about to. A refresh
 * token is good once: concurrent requests of one session share one refresh.
 */
export function createUserTokenSource(options: { oauth: OAuthApp; sessions: ConsoleSessionStore; now: () => Date }) {
  const refreshing = new Map<string, Promise<string>>();

  async function refresh(session: ConsoleSession): Promise<string> {
    // Another request may have refreshed it since this one read the session.
    const current = options.sessions.findSession(session.id);
    const tokens = current?.tokens;
    if (!current || !tokens) throw new ConsoleSessionEnded("The session has ended.");
    if (!isStale(tokens.expiresAt)) return tokens.accessToken;
    if (!tokens.refreshToken || isStale(tokens.refreshExpiresAt, 0)) throw new ConsoleSessionEnded("The GitHub sign-in has expired.");
    try {
      const fresh = await refreshOAuthTokens(options.oauth, tokens.refreshToken, options.now());
      options.sessions.updateTokens(session.id, fresh);
      return fresh.accessToken;
    } catch (error) {
      if (error instanceof OAuthError) throw new ConsoleSessionEnded(error.message);
      throw error;
    }
  }

  function isStale(expiresAt: string | null, marginMs = REFRESH_MARGIN_MS): boolean {
    return expiresAt !== null && Date.parse(expiresAt) - marginMs <= options.now().getTime();
  }

  return async function getUserToken(session: ConsoleSession): Promise<string> {
    const tokens = session.tokens;
    if (!tokens) throw new ConsoleSessionEnded("The session is not signed in.");
    if (!isStale(tokens.expiresAt)) return tokens.accessToken;
    let pending = refreshing.get(session.id);
    if (!pending) {
      pending = refresh(session).finally(() => refreshing.delete(session.id));
      refreshing.set(session.id, pending);
    }
    return pending;
  };
}
