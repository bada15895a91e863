import { exchangeWebFlowCode, getWebFlowAuthorizationUrl, refreshToken } from "@octokit/oauth-methods";
import { createUserOctokit } from "./user-octokit.js";

/**
 * GitHub's OAuth web flow for the app's own OAuth credentials (a GitHub App's client id and
 * secret), against github.com or a GitHub Enterprise Server, through @octokit/oauth-methods.
 * The tokens are user-to-server tokens: they may expire, and then a refresh token gets a new pair.
 */

export interface OAuthApp {
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * The REST API the app talks to: https://api.github.com, or `${GHE_PROTOCOL}://${GHE_HOST}/api/v3`.
   * @octokit/oauth-methods signs in on its web host: github.com, or the GHES address without /api/v3.
   */
  readonly apiUrl: string;
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

/** The token endpoint's answer, as far as it is read here. */
interface TokenAnswer {
  readonly access_token?: unknown;
  readonly expires_in?: unknown;
  readonly refresh_token?: unknown;
  readonly refresh_token_expires_in?: unknown;
}

/** Where the browser goes to sign in; GitHub sends it back to `redirectUri` with `code` and `state`. */
export function buildAuthorizeUrl(app: OAuthApp, redirectUri: string, state: string): string {
  return getWebFlowAuthorizationUrl({
    clientType: "github-app",
    clientId: app.clientId,
    redirectUrl: redirectUri,
    state,
    allowSignup: false,
    request: createUserOctokit(app.apiUrl).request,
  }).url;
}

/**
 * The library's error as an OAuthError: GitHub's refusal (an answer with an `error` field,
 * which the library throws as a 400 carrying the answer), another status, no answer at all
 * (a request error without a response), or an answer the library could not read.
 */
function toOAuthError(error: unknown): OAuthError {
  const failure = (typeof error === "object" && error !== null ? error : {}) as {
    status?: unknown;
    response?: { data?: { error?: unknown; error_description?: unknown } };
    message?: unknown;
  };
  const refusal = failure.response?.data?.error;
  if (typeof refusal === "string") {
    const description = failure.response?.data?.error_description;
    return new OAuthError(`GitHub refused the token request: ${typeof description === "string" ? description : refusal}`, refusal);
  }
  if (failure.response !== undefined) return new OAuthError(`GitHub answered ${String(failure.status)} to the token request.`, "http_error");
  if (typeof failure.status === "number") return new OAuthError(`GitHub could not be reached for a token: ${String(failure.message)}`, "unreachable");
  return new OAuthError(`GitHub's answer to the token request could not be read: ${String(failure.message ?? error)}`, "bad_answer");
}

/**
 * The tokens of GitHub's answer. Expiry is counted from `now`, the console's clock, which is
 * what later decides whether a token is stale (the library counts from GitHub's Date header).
 */
function readTokens(answer: TokenAnswer, now: Date): OAuthTokens {
  if (typeof answer.access_token !== "string" || answer.access_token === "") throw new OAuthError("GitHub refused the token request: no token in the answer", "no_token");
  const after = (seconds: unknown) => (typeof seconds === "number" && seconds > 0 ? new Date(now.getTime() + seconds * 1000).toISOString() : null);
  return {
    accessToken: answer.access_token,
    expiresAt: after(answer.expires_in),
    refreshToken: typeof answer.refresh_token === "string" && answer.refresh_token !== "" ? answer.refresh_token : null,
    refreshExpiresAt: after(answer.refresh_token_expires_in),
  };
}

async function requestTokens(send: () => Promise<{ data: TokenAnswer }>, now: Date): Promise<OAuthTokens> {
  let answer: TokenAnswer;
  try {
    answer = (await send()).data;
  } catch (error) {
    throw toOAuthError(error);
  }
  return readTokens(answer, now);
}

/** Trades the callback's code for the user's tokens. */
export function exchangeOAuthCode(app: OAuthApp, code: string, redirectUri: string, now: Date = new Date()): Promise<OAuthTokens> {
  const { clientId, clientSecret } = app;
  const request = createUserOctokit(app.apiUrl).request;
  return requestTokens(() => exchangeWebFlowCode({ clientType: "github-app", clientId, clientSecret, code, redirectUrl: redirectUri, request }), now);
}

/** A new token pair for an expired access token. */
export function refreshOAuthTokens(app: OAuthApp, refreshTokenValue: string, now: Date = new Date()): Promise<OAuthTokens> {
  const { clientId, clientSecret } = app;
  const request = createUserOctokit(app.apiUrl).request;
  return requestTokens(() => refreshToken({ clientType: "github-app", clientId, clientSecret, refreshToken: refreshTokenValue, request }), now);
}
