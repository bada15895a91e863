import { describe, expect, it } from "vitest";
import { buildAuthorizationHeader } from "../../src/workspace/git-auth.js";
import { buildSecretSources, createRedactor, MIN_SECRET_LENGTH, REDACTED } from "../../src/security/redactor.js";
import { anthropicLike, anthropicKey, classicToken, fakeChars, fineGrainedToken, privateKeys, statelessInstallationToken } from "./fake-secrets.js";

const redact = (text: string) => createRedactor().redact(text);

describe("token shapes", () => {
  it.each(["ghp", "gho", "ghu", "ghs", "ghr"] as const)("redacts a classic %s_ token with its 36 characters", (prefix) => {
    const token = classicToken(prefix);
    expect(token).toHaveLength(40);
    expect(redact(`token ${token} in use`)).toBe(`token ${REDACTED} in use`);
  });

  it("redacts a stateless installation token (ghs_<app id>_<JWT>) whole, also inside a remote URL", () => {
    const token = statelessInstallationToken();
    expect(token.length).toBeGreaterThan(400);
    expect(token.split(".")).toHaveLength(3);
    expect(redact(`https://x-access-token:${token}@github.com/acme/widgets.git`)).toBe(
      `https://x-access-token:${REDACTED}@github.com/acme/widgets.git`,
    );
    expect(redact(`"${token}"`)).toBe(`"${REDACTED}"`);
  });

  it("keeps the full stop after a token", () => {
    expect(redact(`The token was ${classicToken("ghs")}.`)).toBe(`The token was ${REDACTED}.`);
    expect(redact(`Then ${statelessInstallationToken()}. Next`)).toBe(`Then ${REDACTED}. Next`);
  });

  it("redacts a fine-grained personal access token", () => {
    const token = fineGrainedToken();
    expect(token).toHaveLength("github_pat_".length + 22 + 1 + 59);
    expect(redact(`GH_TOKEN=${token}\n`)).toBe(`GH_TOKEN=${REDACTED}\n`);
  });

  it("redacts an Anthropic API key", () => {
    expect(redact(`x-api-key: ${anthropicKey()}`)).toBe(`x-api-key: ${REDACTED}`);
  });

  it("redacts PEM private keys, PKCS#1 and PKCS#8, also JSON-escaped and cut off", () => {
    const { pkcs1, pkcs8 } = privateKeys();
    expect(redact(`key:\n${pkcs1}done`)).toBe(`key:\n${REDACTED}\ndone`);
    expect(redact(`key: ${pkcs8.trim()} done`)).toBe(`key: ${REDACTED} done`);
    expect(redact(`{"key":${JSON.stringify(pkcs1)}}`)).toBe(`{"key":"${REDACTED}\\n"}`);
    expect(redact(`start ${pkcs1.slice(0, 200)}`)).toBe(`start ${REDACTED}`);
  });

  it("redacts base64 of tokens and keys, and git's Basic credential for any token, unknown to it", () => {
    for (const token of [classicToken("ghs"), classicToken("ghp"), statelessInstallationToken(), fineGrainedToken(), anthropicKey()]) {
      for (const encoding of ["base64", "base64url"] as const) {
        expect(redact(`b64 ${Buffer.from(token).toString(encoding)} end`)).toBe(`b64 ${REDACTED} end`);
      }
      expect(redact(`Authorization: ${buildAuthorizationHeader(token)}`)).toBe(`Authorization: Basic ${REDACTED}`);
    }
    expect(redact(`extraheader=AUTHORIZATION: ${buildAuthorizationHeader("v1.opaque-password")}`)).toBe(`extraheader=AUTHORIZATION: Basic ${REDACTED}`);
  });

  it("leaves ordinary text alone: commit SHAs, short prefixes, words", () => {
    const text = [
      "commit 3f786850e387550fdab836ed7e6dc881de23001b",
      `ghp_short and ${anthropicLike("short")}`,
      "BEGIN PUBLIC KEY is fine",
      "a github_pat_ mention",
      "https://github.com/acme/widgets/pull/12",
    ].join("\n");
    expect(redact(text)).toBe(text);
  });
});

describe("known secrets", () => {
  const secret = "s3cr3t-Value/with+chars=&more";

  it("redacts the value and its encodings: base64, base64url, x-access-token base64 (git's header), URL-encoded, JSON-escaped", () => {
    const redactor = createRedactor({ secrets: [secret] });
    const forms = [
      secret,
      Buffer.from(secret).toString("base64"),
      Buffer.from(secret).toString("base64").replace(/=+$/, ""),
      Buffer.from(secret).toString("base64url"),
      Buffer.from(`x-access-token:${secret}`).toString("base64"),
      encodeURIComponent(secret),
    ];
    for (const form of forms) expect(redactor.redact(`before ${form} after`)).toBe(`before ${REDACTED} after`);
    expect(redactor.redact(`Authorization: ${buildAuthorizationHeader(secret)}`)).toBe(`Authorization: Basic ${REDACTED}`);
    const quoted = `He said "${secret}"`;
    expect(redactor.redact(JSON.stringify(quoted))).toBe(JSON.stringify(`He said "${REDACTED}"`));
    const withQuote = 'pass"word\\value';
    expect(createRedactor({ secrets: [withQuote] }).redact(JSON.stringify({ p: withQuote }))).toBe(`{"p":"${REDACTED}"}`);
  });

  it("ignores values shorter than 8 characters and trims the ones it keeps", () => {
    const redactor = createRedactor({ secrets: ["abc1234", "", "  short  "] });
    expect(MIN_SECRET_LENGTH).toBe(8);
    expect(redactor.redact("abc1234 short")).toBe("abc1234 short");
    redactor.addSecret("file-secret-value\n");
    expect(redactor.redact("x file-secret-value y")).toBe(`x ${REDACTED} y`);
  });

  it("escapes the literal: regular-expression characters in a secret match only themselves", () => {
    const redactor = createRedactor({ secrets: ["a.b*c+d?(e)[f]{g}|h^$\\"] });
    expect(redactor.redact("aXb*c+d?(e)[f]{g}|h^$\\")).toBe("aXb*c+d?(e)[f]{g}|h^$\\");
    expect(redactor.redact("-a.b*c+d?(e)[f]{g}|h^$\\-")).toBe(`-${REDACTED}-`);
  });

  it("needs no literal for a secret its shapes already cover (a learnt installation token)", () => {
    expect(buildSecretSources(classicToken("ghs"))).toEqual([]);
    expect(buildSecretSources(statelessInstallationToken())).toEqual([]);
    expect(buildSecretSources(anthropicKey())).toEqual([]);
    // The value and its base64; its Basic credential (base64 of x-access-token:…) is a shape.
    expect(buildSecretSources("plain-secret-value")).toHaveLength(2);
  });

  it("rebuilds its pattern when a secret is added after use", () => {
    const redactor = createRedactor();
    const token = "v1.0123456789abcdef0123456789abcdef01234567";
    expect(redactor.redact(`token ${token}`)).toBe(`token ${token}`);
    redactor.addSecret(token);
    expect(redactor.redact(`token ${token}`)).toBe(`token ${REDACTED}`);
  });

  it("redacts the long lines of a multi-line secret on their own (a partly printed key)", () => {
    const { pkcs1 } = privateKeys();
    const redactor = createRedactor({ secrets: [pkcs1] });
    const line = pkcs1.split("\n")[3]!;
    expect(line.length).toBeGreaterThanOrEqual(32);
    expect(redactor.redact(`partial ${line} end`)).toBe(`partial ${REDACTED} end`);
    expect(redactor.redact(pkcs1.replace(/\n/g, "\r\n"))).not.toContain(line);
  });

  it("keeps only the newest temporary secrets, never dropping permanent ones", () => {
    const redactor = createRedactor({ secrets: ["permanent-secret-1"], maxTemporarySecrets: 2 });
    const temporary = [0, 1, 2].map((i) => `temporary-${fakeChars(`t${i}`, 12)}`);
    for (const value of temporary) redactor.addSecret(value, { temporary: true });
    expect(redactor.redact(temporary.join(" "))).toBe(`${temporary[0]} ${REDACTED} ${REDACTED}`);
    expect(redactor.redact("permanent-secret-1")).toBe(REDACTED);
    // A temporary secret made permanent stays.
    redactor.addSecret(temporary[1]!);
    for (let i = 3; i < 6; i++) redactor.addSecret(`temporary-${fakeChars(`t${i}`, 12)}`, { temporary: true });
    expect(redactor.redact(temporary[1]!)).toBe(REDACTED);
  });
});

describe("redactDeep", () => {
  it("redacts strings inside nested objects, arrays and errors, and returns a copy", () => {
    const token = classicToken("ghs");
    const error = new Error(`push failed: ${token}`, { cause: new Error(`inner ${token}`) });
    const input = {
      body: `comment with ${token}`,
      count: 3,
      flag: true,
      none: null,
      output: { title: "ok", summary: [token, { text: `deep ${token}` }] },
      when: new Date(0),
      error,
    };
    const output = createRedactor().redactDeep(input);
    expect(output).not.toBe(input);
    expect(output.body).toBe(`comment with ${REDACTED}`);
    expect(output.output.summary).toEqual([REDACTED, { text: `deep ${REDACTED}` }]);
    expect(output).toMatchObject({ count: 3, flag: true, none: null, output: { title: "ok" } });
    expect(output.when).toBe(input.when);
    expect(output.error).toBeInstanceOf(Error);
    expect(output.error.message).toBe(`push failed: ${REDACTED}`);
    expect(output.error.stack).not.toContain(token);
    expect((output.error.cause as Error).message).toBe(`inner ${REDACTED}`);
    expect(Object.keys(output.error)).toEqual(Object.keys(error));
    // The original is untouched.
    expect(input.body).toContain(token);
    expect(error.message).toContain(token);
  });

  it("copes with cycles and plain strings", () => {
    const redactor = createRedactor({ secrets: ["cyclic-secret"] });
    const node: { name: string; self?: unknown } = { name: "cyclic-secret" };
    node.self = node;
    const copy = redactor.redactDeep(node);
    expect(copy.name).toBe(REDACTED);
    expect(copy.self).toBe(copy);
    expect(redactor.redactDeep("cyclic-secret!")).toBe(`${REDACTED}!`);
    expect(redactor.redactDeep(42)).toBe(42);
  });
});
