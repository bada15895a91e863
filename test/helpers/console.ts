import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "probot";
import pino from "pino";
import { parseSettings } from "../../src/config/env.js";
import { createConsoleHandler } from "../../src/console/console-handler.js";
import type { ConsoleDeps } from "../../src/console/console-deps.js";
import type { ConsoleRoute } from "../../src/console/console-request.js";
import { createConsoleRoutes } from "../../src/console/console-routes.js";
import { createLiveRunFeed } from "../../src/console/live-run-feed.js";
import { createConsoleSessionStore, type ConsoleSessionStore } from "../../src/store/console-session-store.js";
import { openDatabase, type SqliteDatabase } from "../../src/store/database.js";
import { createPreferenceStore } from "../../src/store/preference-store.js";
import { createRunDiffStore } from "../../src/store/run-diff-store.js";
import { createRunEventStore } from "../../src/store/run-event-store.js";
import { createRunStore, type RunStore } from "../../src/store/run-store.js";
import { createInstallationDefaultsStore } from "../../src/store/installation-defaults-store.js";
import { createVault, type VaultKey } from "../../src/store/vault.js";
import { createRedactor, type Redactor } from "../../src/security/redactor.js";
import { serveOnLoopback } from "../../bench/lib/http.js";
import type { ExecutorName } from "../../src/domain/executor-name.js";
import { createTestApp, disableNetwork } from "./app.js";
import { scenarioGitHub, stopE2eScenario, type E2eScenario } from "./e2e.js";
import { startFakeGitHubOAuth, type FakeGitHubOAuth, type FakeGitHubOAuthOptions } from "./fake-github-oauth.js";
import { createBareRemote } from "./git.js";

/**
 * The console's handler alone on 127.0.0.1 (no Probot, no worker), signing in through the fake
 * GitHub, with a clock the test moves: for HTTP-level tests of sign-in, sessions, CSRF, access
 * and pages. `signIn(login)` walks the OAuth flow by hand and returns the session cookie.
 */
export interface ConsoleHarness {
  /** http://127.0.0.1:port, where the handler answers. */
  readonly url: string;
  readonly github: FakeGitHubOAuth;
  readonly db: SqliteDatabase;
  readonly runs: RunStore;
  readonly sessions: ConsoleSessionStore;
  /** What the pages read and write (the vault, the installation defaults, the preferences, …). */
  readonly deps: ConsoleDeps;
  /** Moves the console's clock (sessions, token expiry, the access cache). */
  advance(ms: number): void;
  /** GET or POST without following redirects; `cookie` is a `hamster_session=…` pair. */
  request(path: string, init?: { method?: string; cookie?: string; form?: Record<string, string>; headers?: Record<string, string> }): Promise<Response>;
  /** Signs `login` in through the whole OAuth flow; the session cookie pair and the Set-Cookie it came in. */
  signIn(login: string, next?: string): Promise<{ cookie: string; setCookie: string; pendingCookie: string }>;
  close(): Promise<void>;
}

/** `hamster_session=…` out of a Set-Cookie header. */
export function cookiePair(setCookie: string | null): string {
  const pair = (setCookie ?? "").split(";")[0]!;
  if (!pair.startsWith("hamster_session=")) throw new Error(`No session cookie in ${JSON.stringify(setCookie)}`);
  return pair;
}

/** The CSRF token of a page's forms. */
export function readCsrf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error("The page has no CSRF field");
  return match[1]!;
}

export async function startConsoleHarness(options: {
  world: FakeGitHubOAuthOptions;
  /** HAMSTER_PUBLIC_URL as the console believes it; default the harness's own address. */
  publicUrl?: string;
  /** Routes added after the console's own (e.g. a POST that records its calls). */
  extraRoutes?: (deps: ConsoleDeps) => ConsoleRoute[];
  /** HAMSTER_VAULT_KEY's keys; default none (the vault stores nothing). */
  vaultKeys?: readonly VaultKey[];
  /** The app's installation client; default one that fails every request. */
  getOctokit?: ConsoleDeps["getOctokit"];
  /** Learns the secrets the pages are given; default a redactor of its own. */
  redactor?: Redactor;
}): Promise<ConsoleHarness> {
  const github = await startFakeGitHubOAuth(options.world);
  const dataDir = mkdtempSync(join(tmpdir(), "hamster-console-"));
  const db = openDatabase(dataDir);
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const runs = createRunStore(db, now);
  const sessions = createConsoleSessionStore(db, now);
  const settings = parseSettings({ HAMSTER_DATA_DIR: dataDir, GHE_HOST: github.host, GHE_PROTOCOL: "http" });
  const log = pino({ level: "silent" }) as unknown as Logger;
  const events = createRunEventStore(db, { redact: (text) => text });
  const preferences = createPreferenceStore(db, now);
  const feed = createLiveRunFeed({ events, runs, log, intervalMs: 20 });
  const installationDefaults = createInstallationDefaultsStore(db, now);
  const deps: ConsoleDeps = {
    runs,
    events,
    preferences,
    vault: createVault(db, options.vaultKeys, now),
    installationDefaults,
    knownAgents: ["claude", "claude-code"],
    redactor: options.redactor ?? createRedactor(),
    settings,
    log,
    getOctokit: options.getOctokit ?? (() => Promise.reject(new Error("The console harness has no installation client"))),
    diffs: createRunDiffStore(db),
    feed,
    // No worker: nothing is ever queued or stopped here.
    admit: { runs, preferences, installationDefaults, settings, log, knownAgents: ["claude", "claude-code"], enqueue: () => undefined, abort: () => "absent" },
  };
  let handler: ReturnType<typeof createConsoleHandler> | undefined;
  const server = await serveOnLoopback((request, response) => handler?.(request, response) ?? false);
  const publicUrl = options.publicUrl ?? server.url;
  handler = createConsoleHandler({
    oauth: { clientId: github.clientId, clientSecret: github.clientSecret, apiUrl: settings.github.apiUrl },
    apiUrl: settings.github.apiUrl,
    publicUrl,
    sessions,
    routes: [...createConsoleRoutes(deps), ...(options.extraRoutes?.(deps) ?? [])],
    log,
    now,
  });

  const request: ConsoleHarness["request"] = (path, init = {}) =>
    fetch(`${server.url}${path}`, {
      method: init.method ?? (init.form ? "POST" : "GET"),
      redirect: "manual",
      headers: {
        ...(init.cookie ? { cookie: init.cookie } : {}),
        ...(init.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        ...init.headers,
      },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
      signal: AbortSignal.timeout(10_000),
    });

  async function signIn(login: string, next = "/hamster/runs") {
    github.signInAs(login);
    const start = await request(`/hamster/login?next=${encodeURIComponent(next)}`);
    const pendingCookie = cookiePair(start.headers.get("set-cookie"));
    const consent = await fetch(start.headers.get("location")!, { redirect: "manual", signal: AbortSignal.timeout(10_000) });
    // GitHub sends the browser to the public address; the harness answers it on its own.
    const back = new URL(consent.headers.get("location")!);
    const callback = await request(`${back.pathname}${back.search}`, { cookie: pendingCookie });
    if (callback.status !== 303) throw new Error(`Sign-in of ${login} answered ${callback.status}: ${await callback.text()}`);
    const setCookie = callback.headers.get("set-cookie")!;
    return { cookie: cookiePair(setCookie), setCookie, pendingCookie };
  }

  return {
    url: server.url,
    github,
    db,
    runs,
    sessions,
    deps,
    advance: (ms) => void (offsetMs += ms),
    request,
    signIn,
    async close() {
      feed.close();
      await server.close();
      await github.close();
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The end-to-end scenario with the console on, and the fake GitHub Enterprise Server that signs its users in. */
export interface ConsoleE2eScenario extends E2eScenario {
  readonly oauth: FakeGitHubOAuth;
}

/**
 * For beforeEach of a test of the whole app with the console on: no network but loopback, a
 * bare remote, a fake GHES on 127.0.0.1 serving sign-in and the user API from `world`, the
 * scenario's installation API on the same host through nock (what nock does not answer reaches
 * the fake server), and the app pointed at that GHES with its OAuth credentials and `env`.
 */
export async function startConsoleE2eScenario(
  world: FakeGitHubOAuthOptions,
  options: { env?: Record<string, string>; executor?: ExecutorName } = {},
): Promise<ConsoleE2eScenario> {
  disableNetwork();
  const remote = await createBareRemote();
  const oauth = await startFakeGitHubOAuth(world);
  const github = scenarioGitHub({ baseUrl: `${oauth.url}/api/v3`, allowUnmocked: true });
  const ghes = { GHE_HOST: oauth.host, GHE_PROTOCOL: "http" };
  const app = await createTestApp({
    env: { ...ghes, GITHUB_CLIENT_ID: oauth.clientId, GITHUB_CLIENT_SECRET: oauth.clientSecret, ...options.env },
    probotEnv: ghes,
    ...(options.executor ? { executor: options.executor } : {}),
  });
  return { remote, github, app, oauth };
}

/**
 * For afterEach: the browser's pages closed first (they hold the app's connections), then the app,
 * the remote, nock's fakes and the fake GHES gone, the network open again.
 */
export async function stopConsoleE2eScenario(scenario: ConsoleE2eScenario, browser?: { closeAll(): Promise<void> }): Promise<void> {
  await browser?.closeAll();
  await stopE2eScenario(scenario.app, scenario.remote);
  await scenario.oauth.close();
}

/**
 * Two teams that must not see each other: alice (owner of the acme organization, installation 1:
 * acme/widgets and acme/gears) and bob (his own account, installation 2: bob/tools).
 */
export const ALICE = { id: 1001, login: "alice" } as const;
export const BOB = { id: 1002, login: "bob" } as const;
export const ACME_INSTALLATION = 1;
export const BOB_INSTALLATION = 2;
export const WIDGETS = { id: 101, fullName: "acme/widgets" } as const;
export const GEARS = { id: 102, fullName: "acme/gears" } as const;
export const TOOLS = { id: 201, fullName: "bob/tools" } as const;

export function twoTeams(overrides: Partial<FakeGitHubOAuthOptions> = {}): FakeGitHubOAuthOptions {
  return {
    installations: [
      { id: ACME_INSTALLATION, account: { id: 5001, login: "acme", type: "Organization" }, repos: [WIDGETS, GEARS] },
      { id: BOB_INSTALLATION, account: { id: BOB.id, login: BOB.login, type: "User" }, repos: [TOOLS] },
    ],
    users: [
      { ...ALICE, installations: [{ id: ACME_INSTALLATION }], orgAdminOf: ["acme"] },
      { ...BOB, installations: [{ id: BOB_INSTALLATION }] },
    ],
    ...overrides,
  };
}

/**
 * Text an attacker controls (issue titles, file names, agent output): each must show as written,
 * never as markup, a link target, or reordered text.
 */
export const HOSTILE_TEXTS = {
  script: "<script>alert(1)</script>",
  javascriptLink: "javascript:alert(document.cookie)",
  markdownLink: "[click](javascript:alert(1))",
  htmlInCode: "```html\n<img src=x onerror=alert(1)>\n```",
  attribute: "\" onmouseover=\"alert(1)",
  // "Trojan source": a right-to-left override makes "txt.exe" read as "exe.txt".
  bidi: "invoice\u202Etxt.exe",
} as const;

/** A finished run of `repo` on issue `issueNumber`, stored as intake and the lifecycle would leave it. */
export function seedRun(
  runs: RunStore,
  options: {
    installationId: number;
    repo: { id: number; fullName: string };
    issueNumber: number;
    title: string;
    requestedBy?: string;
    state?: "succeeded" | "failed" | "cancelled" | "timed_out";
    issueHtmlUrl?: string;
  },
) {
  const [owner, name] = options.repo.fullName.split("/") as [string, string];
  const run = runs.createRun({
    installationId: options.installationId,
    trigger: "label",
    requestedBy: options.requestedBy ?? owner,
    deliveryId: null,
    request: {
      repo: { id: options.repo.id, owner, name, cloneUrl: `https://github.example/${options.repo.fullName}.git`, defaultBranch: "main", htmlUrl: `https://github.example/${options.repo.fullName}` },
      issue: {
        number: options.issueNumber,
        title: options.title,
        body: null,
        author: owner,
        htmlUrl: options.issueHtmlUrl ?? `https://github.example/${options.repo.fullName}/issues/${options.issueNumber}`,
      },
      baseBranch: "main",
      targetBranch: "main",
      agent: "claude",
      model: "claude-sonnet-5-5",
      instructions: "",
    },
  });
  runs.updateRun(run.id, { usage: { inputTokens: 1000, outputTokens: 200, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0.0421 });
  return runs.transitionRun(run.id, options.state ?? "succeeded");
}
