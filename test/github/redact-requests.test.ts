import nock from "nock";
import pino from "pino";
import { Probot } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { GitHubClient } from "../../src/github/client.js";
import { createRedactionPlugin, installRedaction, isTokenRequest } from "../../src/github/redact-requests.js";
import { createRedactor, REDACTED, type Redactor } from "../../src/security/redactor.js";
import { buildAuthorizationHeader } from "../../src/workspace/git-auth.js";
import { disableNetwork, generatePrivateKey, TestOctokit } from "../helpers/app.js";

const API = "https://api.github.com";
const CANARY = "canary-secret-4f9c2e7a";
const INSTALLATION_ID = 77;

beforeAll(() => disableNetwork());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

/** An installation client as the app gets it from `app.auth(id)`, its token request mocked. */
async function installationClient(token: string): Promise<GitHubClient> {
  const probot = new Probot({ appId: 1, privateKey: generatePrivateKey(), Octokit: TestOctokit, log: pino({ level: "silent" }) });
  nock(API).post(`/app/installations/${INSTALLATION_ID}/access_tokens`).reply(201, { token, expires_at: "2099-01-01T00:00:00Z", permissions: {} });
  return (await probot.auth(INSTALLATION_ID)) as GitHubClient;
}

function plainClient(): GitHubClient {
  return new TestOctokit() as GitHubClient;
}

describe("installRedaction", () => {
  it("sends a comment whose body holds a secret redacted", async () => {
    const redactor = createRedactor({ secrets: [CANARY] });
    const octokit = await installationClient("opaque-installation-token-0001");
    installRedaction(octokit, redactor);
    let received: unknown;
    nock(API)
      .post("/repos/acme/widgets/issues/7/comments", (body: unknown) => ((received = body), true))
      .reply(201, { id: 1 });
    await octokit.rest.issues.createComment({ owner: "acme", repo: "widgets", issue_number: 7, body: `Failed: the key ${CANARY} was rejected` });
    expect(received).toEqual({ body: `Failed: the key ${REDACTED} was rejected` });
    expect(JSON.stringify(received)).not.toContain(CANARY);
  });

  it("redacts check-run output, pull request bodies and GraphQL variables, and keeps the other fields", async () => {
    const redactor = createRedactor({ secrets: [CANARY] });
    const octokit = plainClient();
    installRedaction(octokit, redactor);
    const bodies: unknown[] = [];
    const keep = (body: unknown) => (bodies.push(body), true);
    nock(API)
      .post("/repos/acme/widgets/check-runs", keep)
      .reply(201, { id: 5 })
      .patch("/repos/acme/widgets/pulls/3", keep)
      .reply(200, { number: 3 })
      .post("/graphql", keep)
      .reply(200, { data: { ok: true } });
    await octokit.rest.checks.create({
      owner: "acme",
      repo: "widgets",
      name: "Hamster",
      head_sha: "3f786850e387550fdab836ed7e6dc881de23001b",
      output: { title: `t ${CANARY}`, summary: `s ${CANARY}`, text: `x ${CANARY}` },
    });
    await octokit.rest.pulls.update({ owner: "acme", repo: "widgets", pull_number: 3, title: "Add retries", body: `b ${CANARY}` });
    await octokit.graphql("mutation($id: ID!, $body: String!) { x(id: $id, body: $body) }", { id: "PR_1", body: `g ${CANARY}` });
    expect(bodies[0]).toMatchObject({
      name: "Hamster",
      head_sha: "3f786850e387550fdab836ed7e6dc881de23001b",
      output: { title: `t ${REDACTED}`, summary: `s ${REDACTED}`, text: `x ${REDACTED}` },
    });
    expect(bodies[1]).toEqual({ title: "Add retries", body: `b ${REDACTED}` });
    expect(bodies[2]).toMatchObject({ variables: { id: "PR_1", body: `g ${REDACTED}` } });
    expect(JSON.stringify(bodies)).not.toContain(CANARY);
  });

  it("leaves reads alone", async () => {
    const octokit = plainClient();
    installRedaction(octokit, createRedactor({ secrets: [CANARY] }));
    nock(API).get("/search/issues").query({ q: CANARY }).reply(200, { items: [] });
    await octokit.request("GET /search/issues", { q: CANARY });
  });

  it("learns the installation token GitHub hands out, with its git Basic header", async () => {
    const token = "opaque-installation-token-0002";
    const redactor = createRedactor();
    const octokit = await installationClient(token);
    installRedaction(octokit, redactor);
    let received: unknown;
    nock(API, { reqheaders: { authorization: `token ${token}` } })
      .post("/repos/acme/widgets/issues/7/comments", (body: unknown) => ((received = body), true))
      .reply(201, { id: 2 });
    // The token is minted on the first request, through the client's own hooks; it still authenticates it.
    await octokit.rest.issues.createComment({ owner: "acme", repo: "widgets", issue_number: 7, body: "no secret here" });
    expect(received).toEqual({ body: "no secret here" });
    expect(redactor.redact(`git: ${buildAuthorizationHeader(token)}`)).toBe(`git: Basic ${REDACTED}`);
    expect(redactor.redact(token)).toBe(REDACTED);
  });

  it("installs once per client, also through the plugin", async () => {
    const inner = createRedactor({ secrets: [CANARY] });
    let calls = 0;
    const counting: Redactor = { ...inner, redactDeep: (value) => (calls++, inner.redactDeep(value)) };
    const octokit = plainClient();
    installRedaction(octokit, counting);
    installRedaction(octokit, counting);
    createRedactionPlugin(counting)(octokit);
    nock(API).post("/repos/acme/widgets/issues/7/comments", { body: REDACTED }).reply(201, { id: 3 });
    await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner: "acme", repo: "widgets", issue_number: 7, body: CANARY });
    // One hook: each content parameter (owner, repo, issue_number, body) redacted once.
    expect(calls).toBe(4);
  });

  it("knows the token routes", () => {
    expect(isTokenRequest("/app/installations/{installation_id}/access_tokens")).toBe(true);
    expect(isTokenRequest("/app/installations/12/access_tokens")).toBe(true);
    expect(isTokenRequest("/applications/{client_id}/token")).toBe(true);
    expect(isTokenRequest("/repos/{owner}/{repo}/issues")).toBe(false);
  });
});
