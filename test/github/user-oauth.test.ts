import { createServer } from "node:http";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { closeServer, listenOnLoopback } from "../../bench/lib/http.js";
import { parseSettings } from "../../src/config/env.js";
import { buildAuthorizeUrl, exchangeOAuthCode, OAuthError, refreshOAuthTokens, type OAuthApp } from "../../src/github/user-oauth.js";
import { disableNetwork } from "../helpers/app.js";
import { startFakeGitHubOAuth, type FakeGitHubOAuth } from "../helpers/fake-github-oauth.js";
import { fakeChars } from "../security/fake-secrets.js";

/**
 * The OAuth web flow through @octokit/oauth-methods: the host it signs in on, derived from the
 * API address the settings hold, and the token answers of a fake GitHub Enterprise Server.
 */

const CALLBACK = "https://hamster.example/hamster/auth/callback";
/** The console's clock, far from the real one: expiry must be counted from it. */
const NOW = new Date("2031-05-01T12:00:00.000Z");

beforeEach(() => disableNetwork());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** A fake GHES for this test (closed when it ends), and the app's OAuth credentials there. */
async function startGitHub(tokenLifetimeSeconds = 3600): Promise<{ github: FakeGitHubOAuth; app: OAuthApp }> {
  const github = await startFakeGitHubOAuth({ users: [{ id: 1001, login: "alice", installations: [] }], installations: [], tokenLifetimeSeconds });
  onTestFinished(() => github.close());
  const settings = parseSettings({ GHE_HOST: github.host, GHE_PROTOCOL: "http" });
  return { github, app: { clientId: github.clientId, clientSecret: github.clientSecret, apiUrl: settings.github.apiUrl } };
}

/** The code GitHub hands back after the user consents (the fake consents at once). */
async function consent(app: OAuthApp): Promise<string> {
  const answer = await fetch(buildAuthorizeUrl(app, CALLBACK, "state-1"), { redirect: "manual", signal: AbortSignal.timeout(5000) });
  return new URL(answer.headers.get("location")!).searchParams.get("code")!;
}

describe("the authorize address", () => {
  it("is on the web host of the GitHub the settings name, github.com or GHE_HOST", () => {
    for (const env of [{}, { GHE_HOST: "ghe.example.com" }, { GHE_HOST: "127.0.0.1:8080", GHE_PROTOCOL: "http" }]) {
      const { github: host } = parseSettings(env);
      const url = new URL(buildAuthorizeUrl({ clientId: "Iv1.abc", clientSecret: "unused", apiUrl: host.apiUrl }, CALLBACK, "state-1"));
      expect(`${url.origin}${url.pathname}`).toBe(`${host.webUrl}/login/oauth/authorize`);
      expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: "Iv1.abc", redirect_uri: CALLBACK, state: "state-1", allow_signup: "false" });
    }
  });
});

describe("the token requests", () => {
  it("trade the code for tokens on the GHES web host, with expiry counted from the console's clock", async () => {
    const { github, app } = await startGitHub(3600);
    const tokens = await exchangeOAuthCode(app, await consent(app), CALLBACK, NOW);
    expect(tokens.accessToken).toMatch(/^ghu_/);
    expect(tokens.refreshToken).toMatch(/^ghr_/);
    expect(tokens.expiresAt).toBe("2031-05-01T13:00:00.000Z");
    expect(tokens.refreshExpiresAt).toBe(new Date(NOW.getTime() + 15_897_600_000).toISOString());
    expect(github.calls.filter((call) => call.method === "POST").map((call) => call.path)).toEqual(["/login/oauth/access_token"]);
  });

  it("give no expiry where GitHub's tokens do not expire", async () => {
    const { app } = await startGitHub(0);
    expect(await exchangeOAuthCode(app, await consent(app), CALLBACK, NOW)).toMatchObject({ expiresAt: null, refreshToken: null, refreshExpiresAt: null });
  });

  it("refresh a pair once: the used refresh token is refused with GitHub's error code", async () => {
    const { app } = await startGitHub(3600);
    const first = await exchangeOAuthCode(app, await consent(app), CALLBACK, NOW);
    const later = new Date(NOW.getTime() + 2 * 3600_000);
    const second = await refreshOAuthTokens(app, first.refreshToken!, later);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.expiresAt).toBe("2031-05-01T15:00:00.000Z");
    await expect(refreshOAuthTokens(app, first.refreshToken!, later)).rejects.toMatchObject({ name: "OAuthError", code: "bad_refresh_token" });
  });

  it("fail as an OAuthError when GitHub refuses the code or the credentials", async () => {
    const { app } = await startGitHub();
    await expect(exchangeOAuthCode(app, "not-a-code", CALLBACK, NOW)).rejects.toMatchObject({ code: "bad_verification_code" });
    const wrongSecret = { ...app, clientSecret: fakeChars("wrong-oauth-secret", 40) };
    await expect(exchangeOAuthCode(wrongSecret, await consent(app), CALLBACK, NOW)).rejects.toMatchObject({ code: "incorrect_client_credentials" });
  });

  it("follow no redirect: the client secret goes to the host asked, nowhere else", async () => {
    const elsewhere: string[] = [];
    const target = createServer((request, response) => {
      elsewhere.push(`${request.method} ${request.url}`);
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: "ghu_elsewhere", scope: "" }));
    });
    const targetUrl = `http://127.0.0.1:${await listenOnLoopback(target)}`;
    const redirecting = createServer((_request, response) => response.writeHead(307, { location: `${targetUrl}/login/oauth/access_token` }).end());
    const redirectingUrl = `http://127.0.0.1:${await listenOnLoopback(redirecting)}`;
    try {
      const app: OAuthApp = { clientId: "Iv1.abc", clientSecret: fakeChars("oauth-secret", 40), apiUrl: `${redirectingUrl}/api/v3` };
      await expect(exchangeOAuthCode(app, "code", CALLBACK, NOW)).rejects.toMatchObject({ name: "OAuthError", code: "unreachable" });
      expect(elsewhere).toEqual([]);
    } finally {
      await closeServer(target);
      await closeServer(redirecting);
    }
  });

  it("fail as an OAuthError on an error status, or no answer", async () => {
    const app: OAuthApp = { clientId: "Iv1.abc", clientSecret: fakeChars("oauth-secret", 40), apiUrl: "https://ghe.example.com/api/v3" };
    nock("https://ghe.example.com").post("/login/oauth/access_token").reply(503, "down");
    await expect(exchangeOAuthCode(app, "code", CALLBACK, NOW)).rejects.toMatchObject({ name: "OAuthError", code: "http_error" });
    nock("https://ghe.example.com").post("/login/oauth/access_token").replyWithError("connection reset");
    const unreachable = await refreshOAuthTokens(app, "ghr_x", NOW).catch((error: unknown) => error);
    expect(unreachable).toBeInstanceOf(OAuthError);
    expect(unreachable).toMatchObject({ code: "unreachable" });
    expect(nock.pendingMocks()).toEqual([]);
  });
});
