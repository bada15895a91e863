import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import pino from "pino";
import { createProbot, type Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createProductionOctokit, routeTokenRequests } from "../../src/github/app-octokit.js";
import type { GitHubClient } from "../../src/github/client.js";
import { createGitHubHost } from "../../src/reporter/github-host.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createRunStore } from "../../src/store/run-store.js";
import { createRedactor } from "../../src/security/redactor.js";
import { disableNetwork, generatePrivateKey, TestOctokit } from "../helpers/app.js";
import { fakeGitHub } from "../helpers/github.js";
import { buildNewRun } from "../helpers/runs.js";

const INSTALLATION_ID = 1;
const GHES = "https://ghe.example.com/api/v3";
const TOKEN_PATH = `/api/v3/app/installations/${INSTALLATION_ID}/access_tokens`;
/** Probot keeps an installation token this long (a minute less than GitHub's hour). */
const TOKEN_CACHE_MS = 59 * 60_000;

const log = pino({ level: "silent" });

/** Probot as `npm start` builds it, pointed at a GitHub Enterprise Server by GHE_HOST; by default with the tests' Octokit. */
function createEnterpriseProbot(Octokit: typeof TestOctokit = TestOctokit): Probot {
  return createProbot({
    env: { APP_ID: "1", PRIVATE_KEY: generatePrivateKey(), WEBHOOK_SECRET: "test-secret", GHE_HOST: "ghe.example.com", GHE_PROTOCOL: "https" },
    overrides: { Octokit, log },
  });
}

/** The GHES fake; nothing else answers, so a token request to api.github.com fails the test. */
function startEnterpriseGitHub() {
  return fakeGitHub({ owner: "acme", repo: "widgets", installationId: INSTALLATION_ID, baseUrl: GHES, issues: { 7: { title: "Add retries", body: null } } });
}

let db: SqliteDatabase | undefined;
let dataDir: string | undefined;

beforeEach(() => disableNetwork());
afterEach(() => {
  vi.useRealTimers();
  db?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  db = dataDir = undefined;
  nock.cleanAll();
  nock.enableNetConnect();
});

/** The GitHub host of one stored run, as the worker creates it from `app.auth(installationId)`. */
async function createRunHost(probot: Probot) {
  dataDir = mkdtempSync(join(tmpdir(), "hamster-app-octokit-"));
  db = openDatabase(dataDir);
  const runs = createRunStore(db);
  const run = runs.createRun(buildNewRun({ installationId: INSTALLATION_ID }));
  const octokit = (await probot.auth(INSTALLATION_ID)) as GitHubClient;
  return createGitHubHost({ octokit, runs, runId: run.id, log });
}

describe("installation tokens on GitHub Enterprise Server", () => {
  it("are asked of GHE_HOST when the first thing a run needs is git's token (a run resumed after a restart)", async () => {
    const github = startEnterpriseGitHub();
    const host = await createRunHost(createEnterpriseProbot());
    expect(await host.getGitToken()).toMatch(/^ghs_/);
    expect(github.calls.map((c) => `${c.method} ${c.path}`)).toEqual([`POST ${TOKEN_PATH}`]);
  });

  it("are asked of GHE_HOST again once the cached token has expired (a run longer than an hour)", async () => {
    const github = startEnterpriseGitHub();
    const host = await createRunHost(createEnterpriseProbot());
    // A REST call first: its token is cached, as in a fresh run.
    expect(await host.getIssue(7)).toMatchObject({ title: "Add retries" });
    expect(await host.getGitToken()).toMatch(/^ghs_/);
    expect(github.calls.filter((c) => c.path === TOKEN_PATH)).toHaveLength(1);

    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    vi.setSystemTime(Date.now() + TOKEN_CACHE_MS + 60_000);
    expect(await host.getGitToken()).toMatch(/^ghs_/);
    expect(github.calls.filter((c) => c.path === TOKEN_PATH)).toHaveLength(2);
    expect(github.calls.every((c) => c.path.startsWith("/api/v3/"))).toBe(true);
  });

  it("are asked of GHE_HOST by the Octokit class `npm start` uses", async () => {
    const github = startEnterpriseGitHub();
    const Octokit = createProductionOctokit(createRedactor({ secrets: [] })) as unknown as typeof TestOctokit;
    const host = await createRunHost(createEnterpriseProbot(Octokit));
    expect(await host.getGitToken()).toMatch(/^ghs_/);
    expect(github.calls.map((c) => c.path)).toEqual([TOKEN_PATH]);
  });

  it("are asked of GHE_HOST by the Octokit of a webhook event too", async () => {
    const github = startEnterpriseGitHub();
    const probot = createEnterpriseProbot();
    let token: string | undefined;
    await probot.load((app) => {
      app.on("issues.labeled", async (context) => {
        ({ token } = (await context.octokit.auth({ type: "installation" })) as { token: string });
      });
    });
    await probot.receive({ id: "d-1", name: "issues", payload: { action: "labeled", installation: { id: INSTALLATION_ID } } } as Parameters<Probot["receive"]>[0]);
    expect(token).toMatch(/^ghs_/);
    expect(github.calls.map((c) => c.path)).toEqual([TOKEN_PATH]);
  });
});

describe("routeTokenRequests", () => {
  it("gives the app authentication's request function the Octokit's base URL, keeping the rest", () => {
    const request = Object.assign(() => undefined, { defaults: vi.fn((options: object) => ({ routed: options })) });
    const cache = new Map();
    const routed = routeTokenRequests({ baseUrl: GHES, auth: { appId: 1, cache, request }, userAgent: "x" });
    expect(routed).toEqual({ baseUrl: GHES, auth: { appId: 1, cache, request: { routed: { baseUrl: GHES } } }, userAgent: "x" });
    expect((routed.auth as { cache: unknown }).cache).toBe(cache);
  });

  it("leaves options without a base URL or without a request function alone", () => {
    const request = Object.assign(() => undefined, { defaults: vi.fn() });
    const withoutBaseUrl = { auth: { request } };
    const tokenOnly = { baseUrl: GHES, auth: { token: "t" } };
    expect(routeTokenRequests(withoutBaseUrl)).toBe(withoutBaseUrl);
    expect(routeTokenRequests(tokenOnly)).toBe(tokenOnly);
    expect(request.defaults).not.toHaveBeenCalled();
  });
});
