/** GitHub accepts an installation token as the password of this fixed user name. */
const TOKEN_USER = "x-access-token";

/** What replaces a secret in any text the app keeps or shows. */
const REDACTED = "***";

/** The value of the `Authorization` header git sends for an installation token. */
export function buildAuthorizationHeader(token: string): string {
  return `Basic ${Buffer.from(`${TOKEN_USER}:${token}`, "utf8").toString("base64")}`;
}

/**
 * Environment for ONE git command that needs the network. The token travels as an
 * `http.extraHeader` set through git's environment config, so it is never written to
 * `.git/config` and never appears in argv, which any local user can read in the
 * process list. Prompts are off so a missing or refused token fails instead of hanging.
 */
export function buildGitAuthEnv(token: string | undefined): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: "0" };
  if (token === undefined || token === "") return env;
  return {
    ...env,
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: ${buildAuthorizationHeader(token)}`,
  };
}

/**
 * Replaces the token and the encoded forms in which it can leak (the Basic header,
 * plain base64, URL-encoded) with `***`. Use on anything git printed before it is
 * logged, stored or shown.
 */
export function redactToken(text: string, token: string | undefined): string {
  if (token === undefined || token === "") return text;
  const forms = new Set([
    buildAuthorizationHeader(token).slice("Basic ".length),
    Buffer.from(token, "utf8").toString("base64"),
    Buffer.from(token, "utf8").toString("base64url"),
    encodeURIComponent(token),
    token,
  ]);
  let redacted = text;
  // Longest first, so a form containing another is replaced whole.
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    redacted = redacted.split(form).join(REDACTED);
  }
  return redacted;
}
