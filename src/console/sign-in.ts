import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "probot";
import { getAuthenticatedUser } from "../github/user-api.js";
import { buildAuthorizeUrl, exchangeOAuthCode, OAuthError, type OAuthApp } from "../github/user-oauth.js";
import { createRandomToken, type ConsoleSessionStore } from "../store/console-session-store.js";
import { sendMessage, securityHeaders } from "./console-view.js";
import { readSessionCookie, renderClearedSessionCookie, renderSessionCookie } from "./session-cookie.js";

/** Sign-in through GitHub's OAuth web flow, and sign-out. */

export interface SignInOptions {
  readonly oauth: OAuthApp;
  /** The GitHub API the app talks to: https://api.github.com or a GHES's /api/v3. */
  readonly apiUrl: string;
  /** The console's public address (HAMSTER_PUBLIC_URL), without a trailing slash. */
  readonly publicUrl: string;
  readonly sessions: ConsoleSessionStore;
  readonly log: Logger;
  readonly now: () => Date;
}

/** A sign-in must come back from GitHub within this time. */
const SIGN_IN_TTL_MS = 10 * 60_000;
/** A session lasts a week; its GitHub token is refreshed within it, and access is asked of GitHub on every request anyway. */
export const SESSION_TTL_MS = 7 * 24 * 60 * 60_000;
export const DEFAULT_NEXT = "/hamster/runs";

/** Only a path of the console itself: never another site (`//host`, `/\host`), never the auth routes. */
export function parseNextPath(value: string | null | undefined): string {
  if (!value || !value.startsWith("/hamster/") || /[\\\s]/.test(value) || value.startsWith("/hamster/auth/") || value.startsWith("/hamster/login")) {
    return DEFAULT_NEXT;
  }
  return new URL(value, "http://console.invalid").origin === "http://console.invalid" ? value : DEFAULT_NEXT;
}

export function callbackUrl(options: Pick<SignInOptions, "publicUrl">): string {
  return `${options.publicUrl}/hamster/auth/callback`;
}

function isSecure(options: Pick<SignInOptions, "publicUrl">): boolean {
  return options.publicUrl.startsWith("https:");
}

function redirect(response: ServerResponse, location: string, cookie?: string): void {
  response.writeHead(303, { ...securityHeaders(), location, ...(cookie ? { "set-cookie": cookie } : {}) }).end();
}

/** GET /hamster/login?next=…: a new signing-in session holding a fresh `state`, then off to GitHub. */
export function startSignIn(options: SignInOptions, response: ServerResponse, next: string | null): void {
  const state = createRandomToken();
  const id = options.sessions.startSignIn(state, parseNextPath(next), SIGN_IN_TTL_MS);
  redirect(
    response,
    buildAuthorizeUrl(options.oauth, callbackUrl(options), state),
    renderSessionCookie(id, { secure: isSecure(options), maxAgeSeconds: SIGN_IN_TTL_MS / 1000 }),
  );
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * GET /hamster/auth/callback?code=…&state=…: the state must be the one this browser's signing-in
 * session holds; then the code becomes tokens, and the session a signed-in one with a new id.
 */
export async function finishSignIn(options: SignInOptions, request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  const pendingId = readSessionCookie(request);
  const pending = pendingId ? options.sessions.findSession(pendingId) : undefined;
  const state = url.searchParams.get("state");
  const code = url.searchParams.get("code");
  if (!pending || pending.user !== null || !pending.oauthState || !state || !sameText(state, pending.oauthState)) {
    return sendMessage(response, null, 400, "Sign-in failed", "This sign-in did not start here, or it took too long. Sign in again from the console.");
  }
  if (url.searchParams.get("error") || !code) {
    options.sessions.deleteSession(pending.id);
    return sendMessage(response, null, 400, "Sign-in cancelled", "GitHub did not sign you in. You can sign in again from the console.");
  }
  try {
    const tokens = await exchangeOAuthCode(options.oauth, code, callbackUrl(options), options.now());
    const user = await getAuthenticatedUser(options.apiUrl, tokens.accessToken);
    const id = options.sessions.completeSignIn(pending.id, user, tokens, SESSION_TTL_MS);
    options.log.info({ user: user.login }, "console sign-in");
    redirect(response, parseNextPath(pending.next), renderSessionCookie(id, { secure: isSecure(options), maxAgeSeconds: SESSION_TTL_MS / 1000 }));
  } catch (error) {
    options.log.warn({ err: error }, "console sign-in failed");
    const why = error instanceof OAuthError ? error.message : "GitHub could not be asked who you are.";
    sendMessage(response, null, 502, "Sign-in failed", why);
  }
}

/** POST /hamster/logout (its CSRF token checked by the router): the session is gone, here and in the browser. */
export function signOut(options: SignInOptions, response: ServerResponse, sessionId: string): void {
  options.sessions.deleteSession(sessionId);
  response.setHeader("set-cookie", renderClearedSessionCookie({ secure: isSecure(options) }));
  sendMessage(response, null, 200, "Signed out", "You are signed out of Hamster Deliver. Sign in again at /hamster/.");
}
