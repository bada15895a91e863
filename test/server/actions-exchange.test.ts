import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serveOnLoopback } from "../../bench/lib/http.js";
import { ActionsAttempt, createActionsAttempts, type ActionsAttempts } from "../../src/executors/actions/actions-attempt.js";
import { checkTokenClaims } from "../../src/executors/actions/check-token-claims.js";
import { createOidcVerifier } from "../../src/executors/actions/oidc-verifier.js";
import { createReplayGuard } from "../../src/executors/actions/replay-guard.js";
import { createJobBoard } from "../../src/executors/process/job-board.js";
import { createActionsExchangeHandler } from "../../src/server/actions-exchange.js";
import { buildJob, createRecordingIo } from "../helpers/jobs.js";
import { startOidcIssuer, type OidcIssuer } from "../helpers/oidc-issuer.js";

const APP_URL = "https://hamster.example.com";
const REPOSITORY = "octo/app";
const WORKFLOW_REF = `${REPOSITORY}/.github/workflows/hamster.yml@refs/heads/main`;
const CREDENTIAL = "hmr_1_credential-of-the-attempt";
const SHA256 = "ab".repeat(32);

let issuer: OidcIssuer;
let attempts: ActionsAttempts;
let attempt: ActionsAttempt;
let server: { url: string; close(): Promise<void> };
let bundleMissing = false;

/** Claims of the dispatched job's token: the repository's workflow on main, workflow run 501. */
const jobClaims = (overrides: Record<string, unknown> = {}) => ({
  repository: REPOSITORY,
  run_id: "501",
  workflow_ref: WORKFLOW_REF,
  job_workflow_ref: WORKFLOW_REF,
  ...overrides,
});

async function exchange(token: string, ids: { run: number; attempt: number } = { run: 5, attempt: 1 }) {
  const response = await fetch(`${server.url}/api/hamster/actions/v1/exchange`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...ids, token }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, retryAfter: response.headers.get("retry-after") };
}

describe("the Actions token exchange", () => {
  beforeEach(async () => {
    issuer = await startOidcIssuer({ defaultAudience: APP_URL });
    attempts = createActionsAttempts();
    const live = createJobBoard().register({ job: buildJob(), io: createRecordingIo(), startSha: "a".repeat(40), workBranch: "hamster/5-x", sourceBundle: "/tmp/s", scratchDir: "/tmp" });
    attempt = new ActionsAttempt(live, CREDENTIAL, { repository: REPOSITORY, workflowPath: ".github/workflows/hamster.yml", ref: "refs/heads/main" });
    attempt.bindWorkflowRun(501, "https://github.com/octo/app/actions/runs/501");
    attempts.add(attempt);
    bundleMissing = false;
    const verifier = createOidcVerifier({ issuer: issuer.issuer, audience: APP_URL });
    const replay = createReplayGuard();
    server = await serveOnLoopback(
      createActionsExchangeHandler({
        attempts,
        verifyToken: (token) => verifier.verify(token),
        checkClaims: checkTokenClaims,
        claimToken: (jti, exp) => replay.claim(jti, exp),
        runnerBundle: async () => {
          if (bundleMissing) throw new Error("no bundle");
          return { sha256: SHA256 };
        },
        publicUrl: APP_URL,
      }),
    );
  });
  afterEach(async () => {
    await server.close();
    await issuer.close();
  });

  it("hands the dispatched job the attempt's credential and the runner bundle's address and digest, once", async () => {
    const answer = await exchange(await issuer.mint(jobClaims()));
    expect(answer).toMatchObject({ status: 200, body: { credential: CREDENTIAL, runner: { url: `${APP_URL}/api/hamster/runner/v1/runner.mjs`, sha256: SHA256 } } });
    expect(attempt.claimedAt).not.toBeNull();
    // Another valid token of the same job: the attempt is claimed already.
    const again = await exchange(await issuer.mint(jobClaims()));
    expect(again.status).toBe(409);
    expect(again.body["error"]).toMatch(/claimed run 5 attempt 1 already/);
  });

  it("refuses a token used before, whatever became of the attempt", async () => {
    const token = await issuer.mint(jobClaims());
    expect((await exchange(token)).status).toBe(200);
    // Even were the attempt free again, the token is spent.
    attempt.claimedAt = null;
    const replayed = await exchange(token);
    expect(replayed).toMatchObject({ status: 409, body: { error: "This token has been used already: request a new one." } });
    expect(attempt.claimedAt).toBeNull();
  });

  it("spends no token when the app has no runner bundle to give", async () => {
    const token = await issuer.mint(jobClaims());
    bundleMissing = true;
    expect((await exchange(token)).status).toBe(500);
    bundleMissing = false;
    expect((await exchange(token)).status).toBe(200);
  });

  it.each([
    ["expired", () => issuer.mint(jobClaims(), { expiresInSec: -600 }), 401, /expired/i],
    ["signed by another key", () => issuer.mint(jobClaims(), { signWith: "stranger" }), 401, /key/i],
    ["forged under the issuer's key id", () => issuer.mint(jobClaims(), { signWith: "impostor" }), 401, /signature|key/i],
    ["for another audience", () => issuer.mint(jobClaims(), { audience: "https://elsewhere.example.com" }), 401, /audience/i],
    ["from another issuer", () => issuer.mint(jobClaims(), { issuer: "https://token.example.com" }), 401, /issuer/i],
    ["for another repository", () => issuer.mint(jobClaims({ repository: "evil/fork" })), 403, /repository/],
    ["for another workflow", () => issuer.mint(jobClaims({ workflow_ref: `${REPOSITORY}/.github/workflows/x.yml@refs/heads/main`, job_workflow_ref: `${REPOSITORY}/.github/workflows/x.yml@refs/heads/main` })), 403, /workflow/],
    ["for the workflow on another branch", () => issuer.mint(jobClaims({ workflow_ref: `${REPOSITORY}/.github/workflows/hamster.yml@refs/heads/x`, job_workflow_ref: `${REPOSITORY}/.github/workflows/hamster.yml@refs/heads/x` })), 403, /refs\/heads\/x/],
    ["for another workflow run", () => issuer.mint(jobClaims({ run_id: "502" })), 403, /run/],
  ])("refuses a token %s", async (_name, mint, status, message) => {
    const answer = await exchange(await mint());
    expect(answer.status).toBe(status);
    expect(String(answer.body["error"])).toMatch(message);
    expect(JSON.stringify(answer.body)).not.toContain(CREDENTIAL);
    expect(attempt.claimedAt).toBeNull();
  });

  it("answers 404 for an attempt that is not waiting here, and 503 while the workflow run is not known yet", async () => {
    expect((await exchange(await issuer.mint(jobClaims()), { run: 6, attempt: 1 })).status).toBe(404);
    expect((await exchange(await issuer.mint(jobClaims()), { run: 5, attempt: 2 })).status).toBe(404);
    attempt.workflowRunId = null;
    const early = await exchange(await issuer.mint(jobClaims()));
    expect(early).toMatchObject({ status: 503, retryAfter: "2" });
    expect(attempt.claimedAt).toBeNull();
  });

  it("asks the runner to try again when the issuer cannot be reached", async () => {
    const token = await issuer.mint(jobClaims());
    issuer.fail("discovery", 500);
    const answer = await exchange(token);
    expect(answer.status).toBe(503);
    expect(answer.retryAfter).toBe("2");
  });

  it("takes only POST with a well-formed body", async () => {
    const get = await fetch(`${server.url}/api/hamster/actions/v1/exchange`);
    expect(get.status).toBe(405);
    const malformed = await fetch(`${server.url}/api/hamster/actions/v1/exchange`, { method: "POST", body: JSON.stringify({ run: "5", token: 1 }) });
    expect(malformed.status).toBe(400);
  });
});
