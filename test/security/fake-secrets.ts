import { createHash, generateKeyPairSync } from "node:crypto";

/**
 * Secret-shaped values for tests, built at run time from a seed so that no token-like
 * literal sits in the repository (secret scanning would flag it) and every run uses the same.
 */
const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function fakeChars(seed: string, length: number, alphabet = ALPHANUMERIC): string {
  let out = "";
  for (let block = 0; out.length < length; block++) {
    for (const byte of createHash("sha256").update(`${seed}:${block}`).digest()) {
      if (out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

const base64url = (text: string | Buffer) => Buffer.from(text).toString("base64url");

/** A classic token: prefix + 36 alphanumerics. */
export const classicToken = (prefix: "ghp" | "gho" | "ghu" | "ghs" | "ghr", seed: string = prefix) => `${prefix}_${fakeChars(seed, 36)}`;

/** A fine-grained personal access token: `github_pat_` + 22 + `_` + 59. */
export const fineGrainedToken = (seed = "pat") => `github_pat_${fakeChars(`${seed}-a`, 22)}_${fakeChars(`${seed}-b`, 59)}`;

/** The stateless installation token format (`ghs_<app id>_<JWT>`, about 520 characters). */
export function statelessInstallationToken(seed = "stateless"): string {
  const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: fakeChars(`${seed}-kid`, 16) }));
  const payload = base64url(
    JSON.stringify({ iss: "github", sub: "installation", ins: 987654, app: 123456, exp: 1_900_000_000, jti: fakeChars(`${seed}-jti`, 40) }),
  );
  const signature = base64url(Buffer.from(fakeChars(`${seed}-sig`, 256)));
  return `ghs_123456_${header}.${payload}.${signature}`;
}

/** Anthropic's key prefix, assembled so that no key-like literal sits in the repository. */
const ANTHROPIC_PREFIX = ["sk", "ant", ""].join("-");

/** `sk-ant-<rest>`: a fake Anthropic key of exactly the given shape, for tests that need one. */
export const anthropicLike = (rest: string) => `${ANTHROPIC_PREFIX}${rest}`;

export const anthropicKey = (seed = "anthropic") => anthropicLike(`api03-${fakeChars(seed, 80, `${ALPHANUMERIC}-_`)}AA`);

let pem: { pkcs1: string; pkcs8: string } | undefined;
/** Freshly generated RSA private keys in PKCS#1 and PKCS#8 PEM, once per test file. */
export function privateKeys(): { pkcs1: string; pkcs8: string } {
  pem ??= {
    pkcs1: generateKeyPairSync("rsa", { modulusLength: 1024, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey,
    pkcs8: generateKeyPairSync("rsa", { modulusLength: 1024, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey,
  };
  return pem;
}
