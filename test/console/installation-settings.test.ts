import { randomBytes } from "node:crypto";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GitHubClient } from "../../src/github/client.js";
import { createRedactor, type Redactor } from "../../src/security/redactor.js";
import { disableNetwork, TestOctokit } from "../helpers/app.js";
import { ACME_INSTALLATION, BOB_INSTALLATION, GEARS, HOSTILE_TEXTS, readCsrf, startConsoleHarness, twoTeams, WIDGETS, type ConsoleHarness } from "../helpers/console.js";
import { anthropicKey } from "../security/fake-secrets.js";

/**
 * GET/POST /hamster/installations/:id/settings over HTTP: who sees and changes what, CSRF,
 * and a provider key that goes into the vault and never comes back out in a page.
 */

const SETTINGS = `/hamster/installations/${ACME_INSTALLATION}/settings`;
const KEY = anthropicKey("console-settings-first");
const OTHER_KEY = anthropicKey("console-settings-second");
const VAULT_KEYS = [{ version: 1, key: randomBytes(32) }];
/** carol: a member of acme who reaches its widgets repository only, and administers nothing. */
const CAROL = { id: 1003, login: "carol" } as const;

let harness: ConsoleHarness | undefined;
let redactor: Redactor;
/** Every page body the test received: none may hold a key. */
let bodies: string[];

/** The app's installation client, against nock: acme's installation covers widgets and gears. */
function appOctokit(): Promise<GitHubClient> {
  nock("https://api.github.com")
    .get("/installation/repositories")
    .query(true)
    .reply(200, { total_count: 2, repositories: [{ id: WIDGETS.id, full_name: WIDGETS.fullName }, { id: GEARS.id, full_name: GEARS.fullName }] });
  return Promise.resolve(new TestOctokit({ auth: "installation-token" }) as unknown as GitHubClient);
}

async function start(options: { vault?: boolean } = {}): Promise<ConsoleHarness> {
  const world = twoTeams();
  harness = await startConsoleHarness({
    world: { ...world, users: [...world.users, { ...CAROL, installations: [{ id: ACME_INSTALLATION, repoIds: [WIDGETS.id] }] }] },
    ...(options.vault === false ? {} : { vaultKeys: VAULT_KEYS }),
    getOctokit: appOctokit,
    redactor,
  });
  return harness;
}

async function get(path: string, cookie: string): Promise<{ status: number; html: string }> {
  const response = await harness!.request(path, { cookie });
  const html = await response.text();
  bodies.push(html);
  return { status: response.status, html };
}

async function post(cookie: string, form: Record<string, string>, path = SETTINGS): Promise<{ status: number; html: string; location: string | null }> {
  const response = await harness!.request(path, { cookie, form });
  const html = await response.text();
  bodies.push(html);
  return { status: response.status, html, location: response.headers.get("location") };
}

/** Signs `login` in and opens the settings page: the session cookie and the CSRF token of its forms. */
async function openSettings(login: string): Promise<{ cookie: string; csrf: string; html: string }> {
  const { cookie } = await harness!.signIn(login);
  const page = await get(SETTINGS, cookie);
  expect(page.status).toBe(200);
  return { cookie, csrf: readCsrf(page.html), html: page.html };
}

const storedKey = () => harness!.deps.vault.getSecret(ACME_INSTALLATION, "anthropic");

beforeEach(() => {
  disableNetwork();
  redactor = createRedactor();
  bodies = [];
});

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const body of bodies) {
    expect(body).not.toContain(KEY);
    expect(body).not.toContain(OTHER_KEY);
    expect(body).not.toContain(KEY.slice(10, 40));
  }
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("the installation settings page", () => {
  it("lets an admin set, replace and remove the key: stored in the vault, shown only as when and by whom", async () => {
    await start();
    const alice = await openSettings("alice");
    expect(alice.html).toContain("No key of this installation&#39;s own is set.");
    expect(alice.html).toMatch(/<input type="password" name="key"[^>]*>/);
    expect(alice.html).not.toMatch(/name="key"[^>]*value=/);

    const set = await post(alice.cookie, { csrf: alice.csrf, action: "set-key", key: `  ${KEY}\n` });
    expect(set).toMatchObject({ status: 303, location: `${SETTINGS}?saved=set-key` });
    expect(storedKey()).toBe(KEY);
    expect(harness!.deps.vault.findSecret(ACME_INSTALLATION, "anthropic")).toMatchObject({ updatedBy: "alice" });
    // The redactor learnt it as it was set.
    expect(redactor.redact(`upstream said ${KEY}`)).toBe("upstream said [redacted]");

    const after = await get(`${SETTINGS}?saved=set-key`, alice.cookie);
    expect(after.html).toContain("The API key is saved.");
    expect(after.html).toMatch(/Set on \d{4}-\d\d-\d\d \d\d:\d\d UTC by alice\./);
    expect(after.html).toContain("Replace the key");

    expect((await post(alice.cookie, { csrf: alice.csrf, action: "set-key", key: OTHER_KEY })).status).toBe(303);
    expect(storedKey()).toBe(OTHER_KEY);

    expect((await post(alice.cookie, { csrf: alice.csrf, action: "remove-key" })).status).toBe(303);
    expect(storedKey()).toBeNull();
    expect((await get(SETTINGS, alice.cookie)).html).toContain("No key of this installation&#39;s own is set.");
  });

  it("refuses what is not a key without saving it or showing it back", async () => {
    await start();
    const alice = await openSettings("alice");
    const refused = await post(alice.cookie, { csrf: alice.csrf, action: "set-key", key: `${KEY} ${OTHER_KEY}` });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain("That is not an API key");
    expect(storedKey()).toBeNull();
  });

  it("says what to set when HAMSTER_VAULT_KEY is missing, and stores nothing", async () => {
    await start({ vault: false });
    const alice = await openSettings("alice");
    expect(alice.html).toContain("set HAMSTER_VAULT_KEY to a base64 key of 32 bytes");
    expect(alice.html).not.toContain('name="key"');
    const refused = await post(alice.cookie, { csrf: alice.csrf, action: "set-key", key: KEY });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain("No vault key is configured");
    expect(harness!.deps.vault.listSecrets()).toEqual([]);
  });

  it("needs the session's CSRF token on every POST", async () => {
    await start();
    const alice = await openSettings("alice");
    const bob = await openSettingsOf("bob", BOB_INSTALLATION);
    for (const csrf of [undefined, "", "forged", bob.csrf]) {
      const form: Record<string, string> = { action: "set-key", key: KEY, ...(csrf === undefined ? {} : { csrf }) };
      expect((await post(alice.cookie, form)).status, String(csrf)).toBe(403);
    }
    expect(storedKey()).toBeNull();
    // Without a session at all: sign in first.
    expect((await post("", { csrf: alice.csrf, action: "set-key", key: KEY })).status).toBe(401);
    expect(storedKey()).toBeNull();
  });

  it("answers 404 for an installation out of reach, or none at all, as for anything else", async () => {
    await start();
    const bob = await openSettingsOf("bob", BOB_INSTALLATION);
    for (const path of [SETTINGS, "/hamster/installations/999/settings", "/hamster/installations/abc/settings", "/hamster/installations/01/settings"]) {
      expect((await get(path, bob.cookie)).status, path).toBe(404);
    }
    expect((await post(bob.cookie, { csrf: bob.csrf, action: "set-key", key: KEY })).status).toBe(404);
    expect((await post(bob.cookie, { csrf: bob.csrf, action: "save-preferences", model: "claude-opus-5-5" })).status).toBe(404);
    expect(storedKey()).toBeNull();
    expect(harness!.deps.preferences.getPreferences(ACME_INSTALLATION, 1002)).toBeNull();
  });

  it("shows someone who reaches the installation but administers nothing only their own preferences; an admin's form answers 403", async () => {
    await start();
    const carol = await openSettings("carol");
    expect(carol.html).toContain("Your delivery preferences");
    expect(carol.html).toContain("Only admins of acme change this installation's API key and defaults.");
    expect(carol.html).not.toContain('name="key"');
    expect(carol.html).not.toContain('value="save-defaults"');

    expect((await post(carol.cookie, { csrf: carol.csrf, action: "set-key", key: KEY })).status).toBe(403);
    expect((await post(carol.cookie, { csrf: carol.csrf, action: "remove-key" })).status).toBe(403);
    expect((await post(carol.cookie, { csrf: carol.csrf, action: "save-defaults", model: "claude-opus-5-5" })).status).toBe(403);
    expect(storedKey()).toBeNull();
    expect(harness!.deps.installationDefaults.getDefaults(ACME_INSTALLATION)).toBeNull();
  });

  it("saves a user's own preferences and no one else's, by the rules of /hamster prefs", async () => {
    await start();
    harness!.deps.preferences.setPreferences(ACME_INSTALLATION, { id: 1001, login: "alice" }, { branch: "trunk" });
    const carol = await openSettings("carol");
    // A field naming someone else changes nothing: the session says whose they are.
    const saved = await post(carol.cookie, { csrf: carol.csrf, action: "save-preferences", agent: "claude-code", branch: "develop", model: "", user: "alice", user_id: "1001" });
    expect(saved).toMatchObject({ status: 303, location: `${SETTINGS}?saved=save-preferences` });
    expect(harness!.deps.preferences.getPreferences(ACME_INSTALLATION, CAROL.id)).toEqual({ agent: "claude-code", branch: "develop" });
    expect(harness!.deps.preferences.getPreferences(ACME_INSTALLATION, 1001)).toEqual({ branch: "trunk" });

    const page = (await get(SETTINGS, carol.cookie)).html;
    expect(page).toContain('value="develop"');
    expect(page).toMatch(/<option value="claude-code" selected>/);

    const refused = await post(carol.cookie, { csrf: carol.csrf, action: "save-preferences", branch: `${HOSTILE_TEXTS.script}..`, model: "ok-model" });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain("is not a valid branch name");
    expect(refused.html).not.toContain("<script>alert(1)</script>");
    expect(refused.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(harness!.deps.preferences.getPreferences(ACME_INSTALLATION, CAROL.id)).toEqual({ agent: "claude-code", branch: "develop" });

    // Emptying every field clears them.
    expect((await post(carol.cookie, { csrf: carol.csrf, action: "save-preferences", agent: "", branch: "", model: "" })).status).toBe(303);
    expect(harness!.deps.preferences.getPreferences(ACME_INSTALLATION, CAROL.id)).toBeNull();
  });

  it("lets an admin edit the installation's defaults, held to the rules of .github/hamster.yml, hostile input shown as text", async () => {
    await start();
    const alice = await openSettings("alice");
    const saved = await post(alice.cookie, {
      csrf: alice.csrf,
      action: "save-defaults",
      agent: "claude-code",
      model: "claude-opus-5-5",
      executor: "process",
      "budgets.turns": "80",
      "budgets.cost_usd": "2.5",
      "budgets.minutes": "",
    });
    expect(saved).toMatchObject({ status: 303, location: `${SETTINGS}?saved=save-defaults` });
    expect(harness!.deps.installationDefaults.getDefaults(ACME_INSTALLATION)).toMatchObject({
      agent: "claude-code",
      model: "claude-opus-5-5",
      executor: "process",
      budgets: { turns: 80, costUsd: 2.5 },
      updatedBy: "alice",
    });
    const page = (await get(SETTINGS, alice.cookie)).html;
    expect(page).toContain('name="budgets.turns" value="80"');
    expect(page).toMatch(/<option value="process" selected>/);
    expect(page).toMatch(/Last changed on \d{4}-\d\d-\d\d \d\d:\d\d UTC by alice\./);

    const refused = await post(alice.cookie, { csrf: alice.csrf, action: "save-defaults", model: HOSTILE_TEXTS.attribute, executor: "cloud", "budgets.turns": "0" });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain("The defaults were not saved:");
    expect(refused.html).toContain("`executor` must be `local`, `process` or `actions`");
    expect(refused.html).toContain("`budgets.turns` must be a whole number from 1 to 1000 (got 0)");
    // What was typed is shown back in the field, as text.
    expect(refused.html).toContain('name="model" value="&quot; onmouseover=&quot;alert(1)"');
    expect(refused.html).not.toContain('" onmouseover="alert(1)');
    expect(harness!.deps.installationDefaults.getDefaults(ACME_INSTALLATION)).toMatchObject({ model: "claude-opus-5-5", budgets: { turns: 80, costUsd: 2.5 } });
  });
});

/** Signs `login` in and opens the settings page of `installationId`. */
async function openSettingsOf(login: string, installationId: number): Promise<{ cookie: string; csrf: string }> {
  const { cookie } = await harness!.signIn(login);
  const page = await get(`/hamster/installations/${installationId}/settings`, cookie);
  expect(page.status).toBe(200);
  return { cookie, csrf: readCsrf(page.html) };
}
