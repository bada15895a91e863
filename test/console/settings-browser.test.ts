import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createBrowserSession } from "../helpers/browser.js";
import { apiError, mockAnthropic } from "../helpers/anthropic.js";
import { startConsoleE2eScenario, stopConsoleE2eScenario, type ConsoleE2eScenario } from "../helpers/console.js";
import { labeledPayload, OWNER, REPO, REPO_ID } from "../helpers/scenario.js";
import { anthropicKey, anthropicLike } from "../security/fake-secrets.js";

/**
 * The provider key set in a real browser (Debian's chromium), then used: the whole app as
 * `npm start` wires it, on a fake GitHub Enterprise Server on 127.0.0.1 that signs the user in
 * (the user API) while nock plays its installation API; the model gateway's upstream calls
 * are nock's too, where the key they carry is seen.
 */

const INSTALLATION = 1;
const APP_KEY = anthropicLike("app-wide-settings-browser-0123456789");
const KEY = anthropicKey("settings-browser-installation");
const SETTINGS = `/hamster/installations/${INSTALLATION}/settings`;

const browser = createBrowserSession();
let e2e: ConsoleE2eScenario;

beforeEach(async () => {
  // The installation API is nock's; what it does not answer (the user API, sign-in) reaches the fake server.
  e2e = await startConsoleE2eScenario(
    {
      installations: [{ id: INSTALLATION, account: { id: 5001, login: OWNER, type: "Organization" }, repos: [{ id: REPO_ID, fullName: `${OWNER}/${REPO}` }] }],
      users: [{ id: 1001, login: "alice", installations: [{ id: INSTALLATION }], orgAdminOf: [OWNER] }],
    },
    { env: { HAMSTER_VAULT_KEY: randomBytes(32).toString("base64"), ANTHROPIC_API_KEY: APP_KEY } },
  );
});

afterEach(() => stopConsoleE2eScenario(e2e, browser));

afterAll(() => browser.stop());

/** Runs the task of issue `issueNumber` up to its first model call (refused, which ends it) and returns the key that call carried upstream. */
async function keyOfNextRun(issueNumber: number): Promise<string> {
  const model = mockAnthropic([{ status: 400, body: apiError("invalid_request_error", "enough"), headers: { "x-should-retry": "false" } }]);
  const keys: string[] = [];
  model.scope.on("request", (request: { headers: Record<string, string | string[] | undefined> }) => keys.push(String(request.headers["x-api-key"])));
  const payload = labeledPayload(e2e.remote.url);
  payload.issue.number = issueNumber;
  payload.repository.html_url = `${e2e.oauth.url}/${OWNER}/${REPO}`;
  await e2e.app.receive("issues", payload);
  await e2e.app.hamster.idle();
  expect(e2e.app.hamster.runs.listRunsForTask(REPO_ID, issueNumber).map((run) => run.state)).toEqual(["failed"]);
  expect(keys).toHaveLength(1);
  return keys[0]!;
}

describe("the provider key, set in the settings page", () => {
  it("is what the next run's model calls carry, and it never shows again", async () => {
    expect(await keyOfNextRun(1)).toBe(APP_KEY);

    const page = await browser.use();
    await page.goto(`${e2e.app.settings.publicUrl}${SETTINGS}`);
    // Signed in through GitHub (the fake consents at once), back on the page asked for.
    await page.waitForURL(`${e2e.app.settings.publicUrl}${SETTINGS}`);
    await page.locator(".key-status", { hasText: "No key of this installation's own is set." }).waitFor();
    await page.locator('input[name="key"]').fill(KEY);
    await page.getByRole("button", { name: "Save the key" }).click();
    await page.locator(".notice", { hasText: "The API key is saved." }).waitFor();
    expect(await page.locator(".key-status").textContent()).toMatch(/^Set on \d{4}-\d\d-\d\d \d\d:\d\d UTC by alice\.$/);
    expect(await page.locator('input[name="key"]').inputValue()).toBe("");
    expect(await page.content()).not.toContain(KEY);

    expect(await keyOfNextRun(2)).toBe(KEY);
    // Nothing the app wrote shows it: its logs, its comments and check runs on GitHub.
    expect(JSON.stringify(e2e.app.logs)).not.toContain(KEY);
    expect(JSON.stringify(e2e.github.calls)).not.toContain(KEY);

    // Removed, the app's own key applies again.
    await page.getByRole("button", { name: "Remove the key" }).click();
    await page.locator(".notice", { hasText: "The API key is removed." }).waitFor();
    expect(await keyOfNextRun(3)).toBe(APP_KEY);
  });
});
