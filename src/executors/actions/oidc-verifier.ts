import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { parseActionsTokenClaims, type ActionsTokenClaims } from "./actions-token-claims.js";

export type { ActionsTokenClaims } from "./actions-token-claims.js";

/**
 * Verifies the OIDC tokens a Hamster workflow job presents: signed by the issuer's current
 * keys (found through its discovery document), issued by it, meant for this app, unexpired.
 * Whether the token's job may claim a given run is decided later (check-token-claims.ts).
 */

/** A token refused: the message tells the workflow's user what is wrong, never repeating the token. */
export class OidcRefusal extends Error {
  override readonly name = "OidcRefusal";
  constructor(
    readonly status: 401 | 403 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** The issuer's discovery document or keys could not be read: nothing is known about the token yet. */
export class OidcUnavailable extends Error {
  override readonly name = "OidcUnavailable";
}

export interface OidcVerifierOptions {
  /** e.g. `https://token.actions.githubusercontent.com`; a trailing slash is ignored. */
  readonly issuer: string;
  /** The app's public URL, which the workflow requests its token for. */
  readonly audience: string;
  /** Limit for each request to the issuer (discovery, keys); 5 s by default. */
  readonly timeoutMs?: number;
}

export interface OidcVerifier {
  /** The token's claims; throws OidcRefusal for a bad token, OidcUnavailable when the issuer cannot be read. */
  verify(token: string): Promise<ActionsTokenClaims>;
}

/** GitHub signs with RS256 only; anything else (`none`, HMAC with the public key…) is refused unread. */
const ALGORITHMS = ["RS256"];
const CLOCK_TOLERANCE_SEC = 30;
const DEFAULT_TIMEOUT_MS = 5_000;
/** GitHub's tokens are about a kilobyte; a much longer one is not worth parsing. */
const MAX_TOKEN_CHARS = 16_384;

export function createOidcVerifier(options: OidcVerifierOptions): OidcVerifier {
  const issuer = trimTrailingSlashes(options.issuer);
  const audience = trimTrailingSlashes(options.audience);
  const findKey = createIssuerKeys(issuer, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return {
    async verify(token) {
      if (token.length > MAX_TOKEN_CHARS) throw new OidcRefusal(401, MALFORMED);
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(token, findKey, {
          issuer,
          // The public URL with or without its trailing slash names the same app.
          audience: [audience, `${audience}/`],
          algorithms: ALGORITHMS,
          clockTolerance: CLOCK_TOLERANCE_SEC,
          requiredClaims: ["exp"],
        }));
      } catch (error) {
        throw explainFailure(error, issuer, audience);
      }
      const parsed = parseActionsTokenClaims(payload);
      if (!parsed.ok) {
        throw new OidcRefusal(401, `The OIDC token lacks claims Hamster needs, or has them in another form: ${parsed.problems.join(", ")}.`);
      }
      return parsed.claims;
    },
  };
}

function trimTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, "");
}

/**
 * The key that signed a token, from the issuer's JWKS. The discovery document is read once
 * (a failure is forgotten, so the next token asks again); jose's remote JWKS keeps the keys
 * and refetches them when they are stale or a token names a key it does not hold.
 */
function createIssuerKeys(issuer: string, timeoutMs: number): JWTVerifyGetKey {
  let discovered: Promise<{ jwksUri: URL; keys: ReturnType<typeof createRemoteJWKSet> }> | undefined;
  const discover = () =>
    (discovered ??= findJwksUri(issuer, timeoutMs).then(
      (jwksUri) => ({ jwksUri, keys: createRemoteJWKSet(jwksUri, { timeoutDuration: timeoutMs }) }),
      (error: unknown) => {
        discovered = undefined;
        throw error;
      },
    ));
  return async (header, token) => {
    const { jwksUri, keys } = await discover();
    try {
      return await keys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) {
        throw new OidcRefusal(401, `The OIDC token is signed by a key that ${issuer} does not publish (unknown signing key): it was not issued there.`);
      }
      if (error instanceof errors.JWKSMultipleMatchingKeys) {
        throw new OidcRefusal(401, `The OIDC token names no key id that picks one of the keys ${issuer} publishes.`);
      }
      throw new OidcUnavailable(`The OIDC issuer's signing keys at ${jwksUri.href} could not be read: ${describeFetchFailure(error, timeoutMs)}.`, {
        cause: error,
      });
    }
  };
}

const DiscoverySchema = z.object({ jwks_uri: z.url({ protocol: /^https?$/ }) });

async function findJwksUri(issuer: string, timeoutMs: number): Promise<URL> {
  const where = `${issuer}/.well-known/openid-configuration`;
  const unavailable = (problem: string, cause?: unknown) =>
    new OidcUnavailable(`The OIDC issuer's discovery document at ${where} ${problem}.`, cause === undefined ? undefined : { cause });
  let body: unknown;
  try {
    const response = await fetch(where, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      throw unavailable(`answered HTTP ${response.status}`);
    }
    body = await response.json();
  } catch (error) {
    if (error instanceof OidcUnavailable) throw error;
    throw unavailable(`could not be read: ${describeFetchFailure(error, timeoutMs)}`, error);
  }
  const parsed = DiscoverySchema.safeParse(body);
  if (!parsed.success) throw unavailable("names no http(s) jwks_uri");
  return new URL(parsed.data.jwks_uri);
}

function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof errors.JWKSTimeout || (error instanceof Error && error.name === "TimeoutError")) return `no answer within ${timeoutMs} ms`;
  if (error instanceof SyntaxError) return "the answer is not JSON";
  // fetch's "fetch failed" says little; its cause says ECONNREFUSED, ENOTFOUND…
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") return cause.code;
  return error instanceof Error ? error.message : String(error);
}

const MALFORMED = "The OIDC token is malformed: it is not a signed JSON Web Token from GitHub Actions.";

/** jose's failures as the user's problem (a refusal) or the issuer's (unavailable); anything else is a bug and stays as is. */
function explainFailure(error: unknown, issuer: string, audience: string): unknown {
  if (error instanceof OidcRefusal || error instanceof OidcUnavailable) return error;
  if (error instanceof errors.JWTExpired) return new OidcRefusal(401, "The OIDC token has expired: request a new one right before the exchange.");
  if (error instanceof errors.JWTClaimValidationFailed) return refuseClaim(error, issuer, audience);
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new OidcRefusal(401, `The OIDC token's signature does not verify against the keys ${issuer} publishes.`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new OidcRefusal(401, `The OIDC token is not signed with ${ALGORITHMS.join(" or ")}, as GitHub Actions signs its tokens.`);
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return new OidcRefusal(401, MALFORMED);
  if (error instanceof errors.JOSEError) return new OidcRefusal(401, `The OIDC token cannot be verified (${error.code}).`);
  return error;
}

function refuseClaim(error: InstanceType<typeof errors.JWTClaimValidationFailed>, issuer: string, audience: string): OidcRefusal {
  const claimed = showClaim(error.payload[error.claim]);
  switch (error.claim) {
    case "iss":
      return new OidcRefusal(401, `The OIDC token was issued by ${claimed ?? "no one it names"}, not by ${issuer} (wrong issuer).`);
    case "aud":
      return new OidcRefusal(
        401,
        `The OIDC token is for ${claimed === undefined ? "no audience" : `audience ${claimed}`}, not ${audience} (wrong audience): ` +
          `the workflow must request it with audience=${audience}.`,
      );
    case "nbf":
    case "iat":
      return new OidcRefusal(401, `The OIDC token is not valid yet (${error.claim}): the clocks of GitHub and of the app disagree.`);
    case "exp":
      return new OidcRefusal(401, "The OIDC token has no valid expiry (exp).");
    default:
      return new OidcRefusal(401, `The OIDC token's ${error.claim} claim is not acceptable (${error.reason}).`);
  }
}

/** A claim of a token whose signature verified, shown short: it helps to see `https://x/` against `https://x`. */
function showClaim(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
