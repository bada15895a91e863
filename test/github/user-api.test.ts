import { createServer } from "node:http";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { closeServer, listenOnLoopback } from "../../bench/lib/http.js";
import { getAuthenticatedUser, getOrgRole, listUserInstallationRepos, listUserInstallations, MAX_PAGES, UserApiError } from "../../src/github/user-api.js";
import { exchangeOAuthCode } from "../../src/github/user-oauth.js";
import { createUserOctokit } from "../../src/github/user-octokit.js";
import { disableNetwork } from "../helpers/app.js";
import { startFakeGitHubOAuth, type FakeGitHubOAuth, type FakeGitHubOAuthOptions } from "../helpers/fake-github-oauth.js";

/**
 * The user API through an Octokit on the user's token, against the fake GitHub Enterprise
 * Server: every page of the lists (at most MAX_PAGES), the statuses the console acts on.
 */

const CALLBACK = "https://hamster.example/hamster/auth/callback";

beforeEach(() => disableNetwork());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** A fake GHES for this test (closed when it ends) with `login` signed in: its API address and the user's token. */
async function signedIn(world: FakeGitHubOAuthOptions, login: string): Promise<{ github: FakeGitHubOAuth; apiUrl: string; token: string }> {
  const github = await startFakeGitHubOAuth(world);
  onTestFinished(() => github.close());
  github.signInAs(login);
  const apiUrl = `${github.url}/api/v3`;
  const authorize = new URL(`${github.url}/login/oauth/authorize`);
  authorize.searchParams.set("client_id", github.clientId);
  authorize.searchParams.set("redirect_uri", CALLBACK);
  const consent = await fetch(authorize, { redirect: "manual", signal: AbortSignal.timeout(5000) });
  const code = new URL(consent.headers.get("location")!).searchParams.get("code")!;
  const tokens = await exchangeOAuthCode({ clientId: github.clientId, clientSecret: github.clientSecret, apiUrl }, code, CALLBACK);
  return { github, apiUrl, token: tokens.accessToken };
}

function repos(count: number, from = 1) {
  return Array.from({ length: count }, (_, index) => ({ id: from + index, fullName: `acme/repo-${from + index}` }));
}

const ACME = { id: 1, account: { id: 5001, login: "acme", type: "Organization" as const }, repos: repos(5) };
const BOBS = { id: 2, account: { id: 1002, login: "bob", type: "User" as const }, repos: repos(2, 100) };

describe("the user API", () => {
  it("says who the user is, and reads every page of their installations and repositories", async () => {
    const { github, apiUrl, token } = await signedIn(
      { installations: [ACME, BOBS], users: [{ id: 1001, login: "alice", installations: [{ id: 1, repoIds: [1, 2, 3] }, { id: 2 }] }], pageSize: 2 },
      "alice",
    );
    expect(await getAuthenticatedUser(apiUrl, token)).toEqual({ id: 1001, login: "alice" });
    expect(await listUserInstallations(apiUrl, token)).toEqual([
      { id: 1, account: { id: 5001, login: "acme", type: "Organization" } },
      { id: 2, account: { id: 1002, login: "bob", type: "User" } },
    ]);
    expect(await listUserInstallationRepos(apiUrl, token, 1)).toEqual(repos(3));
    expect(github.calls.filter((call) => call.path === "/api/v3/user/installations/1/repositories")).toHaveLength(2);
    expect(github.calls.filter((call) => call.path.startsWith("/api/v3/")).every((call) => call.login === "alice")).toBe(true);
  });

  it(`reads at most ${MAX_PAGES} pages of a list`, async () => {
    const many = { ...ACME, repos: repos(MAX_PAGES + 5) };
    const { github, apiUrl, token } = await signedIn({ installations: [many], users: [{ id: 1001, login: "alice", installations: [{ id: 1 }] }], pageSize: 1 }, "alice");
    expect(await listUserInstallationRepos(apiUrl, token, 1)).toEqual(repos(MAX_PAGES));
    expect(github.calls.filter((call) => call.path === "/api/v3/user/installations/1/repositories")).toHaveLength(MAX_PAGES);
  });

  it("tells an organization's owner from a member, and a non-member as null", async () => {
    const { apiUrl, token } = await signedIn({ installations: [ACME, BOBS], users: [{ id: 1001, login: "alice", installations: [{ id: 1 }], orgAdminOf: ["acme"] }] }, "alice");
    expect(await getOrgRole(apiUrl, token, "acme")).toBe("admin");
    expect(await getOrgRole(apiUrl, token, "elsewhere")).toBeNull();
  });

  it("fails with the status GitHub answered: 401 for a token it no longer takes", async () => {
    const { github, apiUrl, token } = await signedIn({ installations: [ACME], users: [{ id: 1001, login: "alice", installations: [{ id: 1 }] }] }, "alice");
    await expect(listUserInstallationRepos(apiUrl, token, 99)).rejects.toMatchObject({ name: "UserApiError", status: 404 });
    github.expireTokens("alice");
    for (const call of [getAuthenticatedUser(apiUrl, token), listUserInstallations(apiUrl, token), getOrgRole(apiUrl, token, "acme")]) {
      const error = await call.catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(UserApiError);
      expect(error).toMatchObject({ status: 401 });
    }
  });

  it("sends the user's token to no other origin than the API's, whatever a Link header says", async () => {
    const apiUrl = "https://ghe.example.com/api/v3";
    const api = nock(apiUrl)
      .get("/user/installations")
      .query({ per_page: 100 })
      .reply(200, { total_count: 2, installations: [{ id: 1, account: ACME.account }] }, { link: '<https://elsewhere.example/user/installations?page=2>; rel="next"' });
    const elsewhere = nock("https://elsewhere.example").get("/user/installations").query(true).reply(200, { total_count: 2, installations: [{ id: 2, account: BOBS.account }] });
    expect(await listUserInstallations(apiUrl, "ghu_token")).toEqual([{ id: 1, account: ACME.account }]);
    expect(api.isDone()).toBe(true);
    expect(elsewhere.isDone()).toBe(false);
  });

  it("ends a request GitHub does not answer", async () => {
    const silent = createServer(() => undefined);
    const url = `http://127.0.0.1:${await listenOnLoopback(silent)}`;
    try {
      await expect(createUserOctokit(`${url}/api/v3`, { token: "ghu_token", timeoutMs: 100 }).request("GET /user")).rejects.toMatchObject({ status: 500 });
    } finally {
      silent.closeAllConnections();
      await closeServer(silent);
    }
  });
});
