/**
 * GitHub's OAuth web flow for the app's own OAuth credentials (a GitHub App's client id and
 * secret), against github.com or a GitHub Enterprise Server. The tokens are user-to-server
 * tokens: they may expire, and then a refresh token gets a new pair.
 */

export interface OAuthApp {
  readonly clientId: string;
  readonly clientSecret: string;
  /** https://github.com, or the GHES address (`${GHE_PROTOCOL}://${GHE_HOST}`). */
  readonly webUrl: string;
}

export interface OAuthTokens {
  readonly accessToken: string;
  readonly expiresAt: string | null;
  readonly refreshToken: string | null;
  readonly refreshExpiresAt: string | null;
}

/** GitHub refused the exchange (bad code, expired refresh token, wrong credentials) or did not answer. */
export class OAuthError extends Error {
  override readonly name = "OAuthError";
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const OAUTH_TIMEOUT_MS = 10_000;

/** Where the browser goes to sign in; GitHub sends it back to `redirectUri` with `code` and `state`. */
export function buildAuthorizeUrl(app: OAuthApp, redirectUri: string, state: string): string {
  const url = new URL("/login/oauth/authorize", app.webUrl);
  url.searchParams.set("client_id", app.clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("state", state);
  url.searchParams.set("allow_signup", "false");
  return url.toString();
}

interface TokenAnswer {
  access_token?: string;
  expires_in?: number;
  refresh_token?: string;
  refresh_token_expires_in?: number;
  error?: string;
  error_description?: string;
}

async function requestTokens(app: OAuthApp, fields: Record<string, string>, now: Date): Promise<OAuthTokens> {
  let answer: TokenAnswer;
  try {
    const response = await fetch(new URL("/login/oauth/access_token", app.webUrl), {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: app.clientId, client_secret: app.clientSecret, ...fields }).toString(),
      signal: AbortSignal.timeout(OAUTH_TIMEOUT_MS),
      redirect: "error",
    });
    if (!response.ok) throw new OAuthError(`GitHub answered ${response.status} to the token request.`, "http_error");
    answer = (await response.json()) as TokenAnswer;
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    throw new OAuthError(`GitHub could not be reached for a token: ${(error as Error).message}`, "unreachable");
  }
  // GitHub answers 200 with an `error` field when it refuses.
  if (answer.error || typeof answer.access_token !== "string" || answer.access_token === "") {
    throw new OAuthError(`GitHub refused the token request: ${answer.error_description ?? answer.error ?? "no token in the answer"}`, answer.error ?? "no_token");
  }
  const after = (seconds: number | undefined) => (typeof seconds === "number" && seconds > 0 ? new Date(now.getTime() + seconds * 1000).toISOString() : null);
  return {
    accessToken: answer.access_token,
    expiresAt: after(answer.expires_in),
    refreshToken: typeof answer.refresh_token === "string" && answer.refresh_token !== "" ? answer.refresh_token : null,
    refreshExpiresAt: after(answer.refresh_token_expires_in),
  };
}

/** Trades the callback's code for the user's tokens. */
export function exchangeOAuthCode(app: OAuthApp, code: string, redirectUri: string, now: Date = new Date()): Promise<OAuthTokens> {
  return requestTokens(app, { code, redirect_uri: redirectUri }, now);
}

/** A new token pair for an expired access token. */
export function refreshOAuthTokens(app: OAuthApp, refreshToken: string, now: Date = new Date()): Promise<OAuthTokens> {
  return requestTokens(app, { grant_type: "refresh_token", refresh_token: refreshToken }, now);
}
