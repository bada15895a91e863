import { UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOidcVerifier, OidcRefusal, OidcUnavailable } from "../../../src/executors/actions/oidc-verifier.js";
import { startOidcIssuer, type OidcIssuer } from "../../helpers/oidc-issuer.js";

const AUDIENCE = "https://hamster.example.test";
let fake: OidcIssuer;

beforeAll(async () => {
  fake = await startOidcIssuer({ defaultAudience: AUDIENCE });
});

afterAll(async () => {
  await fake.close();
});

const verifier = (overrides: { issuer?: string; audience?: string } = {}) =>
  createOidcVerifier({ issuer: overrides.issuer ?? fake.issuer, audience: overrides.audience ?? AUDIENCE, timeoutMs: 5_000 });

/** The refusal a token gets, checked to be a 401 that does not repeat the token. */
async function refusalOf(token: string, check = verifier()): Promise<string> {
  const error: unknown = await check.verify(token).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(OidcRefusal);
  const refusal = error as OidcRefusal;
  expect(refusal.status).toBe(401);
  if (token.length > 0) expect(refusal.message).not.toContain(token);
  return refusal.message;
}

describe("createOidcVerifier", () => {
  it("accepts a token of the issuer for the app, and returns the claims the app reads, nothing else", async () => {
    const token = await fake.mint({ repository: "Octo-Org/octo-repo", run_id: "4242", jti: "jti-accepted" });
    const claims = await verifier().verify(token);
    expect(claims).toEqual({
      repository: "Octo-Org/octo-repo",
      repository_id: "123456",
      run_id: "4242",
      run_attempt: "1",
      workflow_ref: "Octo-Org/octo-repo/.github/workflows/hamster.yml@refs/heads/main",
      job_workflow_ref: "Octo-Org/octo-repo/.github/workflows/hamster.yml@refs/heads/main",
      ref: "refs/heads/main",
      jti: "jti-accepted",
      exp: expect.any(Number),
      actor: "octocat",
      event_name: "workflow_dispatch",
    });
    expect(claims).not.toHaveProperty("sub");
  });

  it("takes the issuer and the audience with or without a trailing slash", async () => {
    const token = await fake.mint();
    await expect(verifier({ issuer: `${fake.issuer}/`, audience: `${AUDIENCE}/` }).verify(token)).resolves.toMatchObject({ repository: "octo-org/octo-repo" });
    const slashed = await fake.mint({}, { audience: `${AUDIENCE}/` });
    await expect(verifier().verify(slashed)).resolves.toMatchObject({ repository: "octo-org/octo-repo" });
  });

  it("accepts a token requested the way the workflow's bootstrap does", async () => {
    const { requestUrl, requestToken } = fake.issueRequestCredentials({ repository: "octo-org/octo-repo", run_id: "77" });
    expect(requestUrl).toContain("?");
    const fetchToken = async () => {
      const response = await fetch(`${requestUrl}&audience=${encodeURIComponent(AUDIENCE)}`, {
        headers: { authorization: `bearer ${requestToken}` },
        signal: AbortSignal.timeout(5_000),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { value: string }).value;
    };
    const first = await verifier().verify(await fetchToken());
    const second = await verifier().verify(await fetchToken());
    expect(first).toMatchObject({ repository: "octo-org/octo-repo", run_id: "77" });
    expect(second.jti).not.toBe(first.jti);
    const refused = await fetch(`${requestUrl}&audience=x`, { headers: { authorization: "bearer wrong" }, signal: AbortSignal.timeout(5_000) });
    expect(refused.status).toBe(401);
  });

  it("refuses an expired token", async () => {
    expect(await refusalOf(await fake.mint({}, { expiresInSec: -120 }))).toMatch(/has expired/);
  });

  it("refuses a token for another audience, naming the one it wants", async () => {
    const message = await refusalOf(await fake.mint({}, { audience: "https://github.com/octo-org" }));
    expect(message).toMatch(/wrong audience/);
    expect(message).toContain(`audience=${AUDIENCE}`);
    expect(message).toContain('"https://github.com/octo-org"');
  });

  it("refuses a token of another issuer, even one signed with the issuer's key", async () => {
    const message = await refusalOf(await fake.mint({}, { issuer: "https://token.actions.example.test" }));
    expect(message).toMatch(/wrong issuer/);
    expect(message).toContain(fake.issuer);
  });

  it("refuses a token signed by a key the issuer does not publish", async () => {
    expect(await refusalOf(await fake.mint({}, { signWith: "stranger" }))).toMatch(/unknown signing key/);
  });

  it("refuses a token signed by another key under the issuer's key id", async () => {
    expect(await refusalOf(await fake.mint({}, { signWith: "impostor" }))).toMatch(/signature does not verify/);
  });

  it("refuses garbage and unsigned tokens", async () => {
    for (const garbage of ["", "not-a-token", "a.b.c"]) expect(await refusalOf(garbage)).toMatch(/malformed/);
    const unsigned = new UnsecuredJWT({ repository: "octo-org/octo-repo" }).setIssuer(fake.issuer).setAudience(AUDIENCE).setExpirationTime("5m").encode();
    expect(await refusalOf(unsigned)).toMatch(/not signed with RS256/);
  });

  it("refuses a token without a token id or without an expiry", async () => {
    expect(await refusalOf(await fake.mint({ jti: undefined }))).toMatch(/lacks claims .*jti/);
    expect(await refusalOf(await fake.mint({ exp: undefined }))).toMatch(/no valid expiry/);
    expect(await refusalOf(await fake.mint({ run_id: 12 as unknown as string }))).toMatch(/lacks claims .*run_id/);
  });

  it("reads the discovery document and the keys once for many tokens", async () => {
    const own = await startOidcIssuer({ defaultAudience: AUDIENCE });
    try {
      const check = createOidcVerifier({ issuer: own.issuer, audience: AUDIENCE });
      const tokens = await Promise.all(Array.from({ length: 6 }, () => own.mint()));
      await Promise.all(tokens.slice(0, 3).map((token) => check.verify(token)));
      for (const token of tokens.slice(3)) await check.verify(token);
      expect({ discovery: own.discoveryRequests, jwks: own.jwksRequests }).toEqual({ discovery: 1, jwks: 1 });
    } finally {
      await own.close();
    }
  });
});

describe("createOidcVerifier when the issuer cannot be read", () => {
  async function unavailableOf(promise: Promise<unknown>): Promise<string> {
    const error: unknown = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(OidcUnavailable);
    expect(error).not.toBeInstanceOf(OidcRefusal);
    return (error as Error).message;
  }

  it("is unavailable, not a refusal, when the issuer does not answer", async () => {
    const gone = await startOidcIssuer({ defaultAudience: AUDIENCE });
    const token = await gone.mint();
    await gone.close();
    expect(await unavailableOf(createOidcVerifier({ issuer: gone.issuer, audience: AUDIENCE }).verify(token))).toMatch(/discovery document .* could not be read/);
  });

  it("is unavailable while the JWKS fails, and verifies once it answers again", async () => {
    const own = await startOidcIssuer({ defaultAudience: AUDIENCE });
    try {
      const check = createOidcVerifier({ issuer: own.issuer, audience: AUDIENCE });
      own.fail("jwks", 503);
      expect(await unavailableOf(check.verify(await own.mint()))).toMatch(/signing keys at .*\/\.well-known\/jwks could not be read/);
      own.fail("jwks", undefined);
      await expect(check.verify(await own.mint())).resolves.toMatchObject({ repository: "octo-org/octo-repo" });
    } finally {
      await own.close();
    }
  });

  it("is unavailable while the discovery document fails, and asks again for the next token", async () => {
    const own = await startOidcIssuer({ defaultAudience: AUDIENCE });
    try {
      const check = createOidcVerifier({ issuer: own.issuer, audience: AUDIENCE });
      own.fail("discovery", 500);
      expect(await unavailableOf(check.verify(await own.mint()))).toBe(
        `The OIDC issuer's discovery document at ${own.issuer}/.well-known/openid-configuration answered HTTP 500.`,
      );
      own.fail("discovery", undefined);
      await expect(check.verify(await own.mint())).resolves.toMatchObject({ repository: "octo-org/octo-repo" });
      expect(own.discoveryRequests).toBe(2);
    } finally {
      await own.close();
    }
  });

  it("does not read the issuer for a token that is not even well-formed, or far too long", async () => {
    const own = await startOidcIssuer({ defaultAudience: AUDIENCE });
    try {
      const check = createOidcVerifier({ issuer: own.issuer, audience: AUDIENCE });
      expect(await refusalOf("not-a-token", check)).toMatch(/malformed/);
      expect(await refusalOf(await own.mint({ padding: "x".repeat(20_000) }), check)).toMatch(/malformed/);
      expect(own.discoveryRequests).toBe(0);
    } finally {
      await own.close();
    }
  });
});
