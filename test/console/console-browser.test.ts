import nock from "nock";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { createBrowserSession } from "../helpers/browser.js";
import { createTestApp, disableNetwork, type TestApp } from "../helpers/app.js";
import { ACME_INSTALLATION, BOB_INSTALLATION, GEARS, HOSTILE_TEXTS, seedRun, TOOLS, twoTeams, WIDGETS } from "../helpers/console.js";
import { startFakeGitHubOAuth, type FakeGitHubOAuth } from "../helpers/fake-github-oauth.js";

/**
 * The console in a real browser (Debian's chromium), served by the whole app as `npm start` wires
 * it, signing in through a fake GitHub Enterprise Server on 127.0.0.1: two users, two installations,
 * each sees only their own runs.
 */

const browser = createBrowserSession();
let github: FakeGitHubOAuth;
let app: TestApp;

beforeEach(async () => {
  disableNetwork();
  github = await startFakeGitHubOAuth(twoTeams());
  const ghes = { GHE_HOST: github.host, GHE_PROTOCOL: "http" };
  app = await createTestApp({
    env: { ...ghes, GITHUB_CLIENT_ID: github.clientId, GITHUB_CLIENT_SECRET: github.clientSecret },
    probotEnv: ghes,
  });
});

afterEach(async () => {
  await browser.closeAll();
  await app.close();
  await github.close();
  nock.cleanAll();
});

afterAll(() => browser.stop());

function seedRuns() {
  const runs = app.hamster.runs;
  return {
    widgets: seedRun(runs, { installationId: ACME_INSTALLATION, repo: WIDGETS, issueNumber: 7, title: "Add retries to the client" }),
    hostile: seedRun(runs, { installationId: ACME_INSTALLATION, repo: GEARS, issueNumber: 3, title: HOSTILE_TEXTS.script, state: "failed" }),
    bidi: seedRun(runs, { installationId: ACME_INSTALLATION, repo: GEARS, issueNumber: 4, title: HOSTILE_TEXTS.bidi, issueHtmlUrl: HOSTILE_TEXTS.javascriptLink }),
    tools: seedRun(runs, { installationId: BOB_INSTALLATION, repo: TOOLS, issueNumber: 9, title: "Bob's own task" }),
  };
}

/** Opens the console as `login`: GitHub (the fake) consents at once and sends the browser back. */
async function signIn(login: string): Promise<{ page: Page; dialogs: string[] }> {
  github.signInAs(login);
  const page = await browser.use();
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(`${app.settings.publicUrl}/hamster/`);
  await page.waitForURL(`${app.settings.publicUrl}/hamster/runs`);
  await page.locator(".user", { hasText: `@${login}` }).waitFor();
  return { page, dialogs };
}

const listedRunIds = (page: Page) => page.locator("tr.run").evaluateAll((rows) => rows.map((row) => Number(row.getAttribute("data-run-id"))));

describe("the web console in a browser", () => {
  it("signs alice in through GitHub and lists her installation's runs only, hostile titles as text; she signs out", async () => {
    const { widgets, hostile, bidi } = seedRuns();
    const { page, dialogs } = await signIn("alice");

    expect(await listedRunIds(page)).toEqual([bidi.id, hostile.id, widgets.id]);
    expect(await page.locator(`tr[data-run-id="${hostile.id}"] .title`).textContent()).toBe(HOSTILE_TEXTS.script);
    expect(await page.locator(`tr[data-run-id="${bidi.id}"] .title`).textContent()).toBe("invoice[U+202E]txt.exe");
    // A javascript: address is no link at all.
    expect(await page.locator(`tr[data-run-id="${bidi.id}"] a.issue`).count()).toBe(0);
    expect(await page.locator(`tr[data-run-id="${widgets.id}"] a.issue`).getAttribute("href")).toBe("https://github.example/acme/widgets/issues/7");
    expect(await page.locator("body").textContent()).not.toContain("Bob's own task");
    expect(dialogs).toEqual([]);

    // Another installation's runs are not there, even asked for by name.
    const refused = await page.goto(`${app.settings.publicUrl}/hamster/runs?installation=${BOB_INSTALLATION}`);
    expect(refused?.status()).toBe(404);
    expect(await page.locator("body").textContent()).not.toContain("Bob's own task");

    await page.goto(`${app.settings.publicUrl}/hamster/runs?state=failed`);
    expect(await listedRunIds(page)).toEqual([hostile.id]);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Signed out" }).waitFor();
    expect((await page.context().cookies()).filter((cookie) => cookie.name === "hamster_session")).toEqual([]);
  });

  it("shows bob only his own installation, and 404 for alice's", async () => {
    const { tools } = seedRuns();
    const { page } = await signIn("bob");
    expect(await listedRunIds(page)).toEqual([tools.id]);
    for (const query of [`installation=${ACME_INSTALLATION}`, `repo=${WIDGETS.id}`, `repo=${GEARS.id}`]) {
      const answer = await page.goto(`${app.settings.publicUrl}/hamster/runs?${query}`);
      expect(answer?.status(), query).toBe(404);
      expect(await page.locator("body").textContent()).not.toContain("Add retries");
    }
  });

  it("is readable on a phone: nothing wider than the screen", async () => {
    seedRuns();
    const { page } = await signIn("alice");
    await page.setViewportSize({ width: 360, height: 740 });
    await page.reload();
    await page.locator("tr.run").first().waitFor();
    const widths = await page.evaluate<{ page: number; screen: number }>("({ page: document.documentElement.scrollWidth, screen: window.innerWidth })");
    expect(widths.page).toBeLessThanOrEqual(widths.screen);
  });
});
