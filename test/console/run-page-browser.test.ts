import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { held, mockAnthropic, reply, text, toolUse } from "../helpers/anthropic.js";
import { createBrowserSession } from "../helpers/browser.js";
import { startConsoleE2eScenario, stopConsoleE2eScenario, type ConsoleE2eScenario } from "../helpers/console.js";
import { evidenceReport, FULL_EVIDENCE, labeledPayload, OWNER, PLAN, REPO, REPO_ID } from "../helpers/scenario.js";
import { createGate, waitFor, waitForValue, type Gate } from "../helpers/wait.js";

/**
 * The run page in a real browser (Debian's chromium), served by the whole app with the console on,
 * while a real run goes through its stages on a local bare remote. Signing in goes through a fake
 * GitHub Enterprise Server on 127.0.0.1, which also answers (through nock) the app's installation
 * API: Codertocat can reach the scenario's repository; mallory only another installation.
 *
 * HAMSTER_SCREENSHOTS=1 saves the run page and the diff viewer to docs/ (as the README shows them).
 */

const browser = createBrowserSession();
const SCREENSHOTS = process.env["HAMSTER_SCREENSHOTS"] === "1";
const DOCS = fileURLToPath(new URL("../../docs/", import.meta.url));

let e2e: ConsoleE2eScenario;

beforeEach(async () => {
  e2e = await startConsoleE2eScenario(
    {
      installations: [
        { id: 1, account: { id: 21031067, login: OWNER, type: "User" }, repos: [{ id: REPO_ID, fullName: `${OWNER}/${REPO}` }] },
        { id: 2, account: { id: 9002, login: "elsewhere", type: "Organization" }, repos: [{ id: 777, fullName: "elsewhere/other" }] },
      ],
      users: [
        { id: 21031067, login: OWNER, installations: [{ id: 1 }] },
        { id: 9003, login: "mallory", installations: [{ id: 2 }] },
        // A collaborator with read access (the scenario's roles): sees the run, may not control it.
        { id: 9004, login: "reader", installations: [{ id: 1 }] },
      ],
    },
    { executor: "local" },
  );
});

afterEach(() => stopConsoleE2eScenario(e2e, browser));

afterAll(() => browser.stop());

/**
 * The happy scenario with two gates: the planning call waits for `planned`, the agent's closing
 * turn for `implemented`; the test opens them when it has seen what it waits for.
 */
function scriptGatedModel(planned: Gate, implemented: Gate) {
  return mockAnthropic([
    held(planned.promise, reply([text(PLAN)], "end_turn")),
    reply([text("I'll create the file."), toolUse("toolu_1", "str_replace_based_edit_tool", { command: "create", path: "hello.txt", file_text: "hello\n" })], "tool_use"),
    reply([toolUse("toolu_2", "bash", { command: "npm test" })], "tool_use"),
    held(implemented.promise, reply([text("Done: hello.txt exists and the tests pass.")], "end_turn")),
    reply([text(evidenceReport(FULL_EVIDENCE))], "end_turn"),
  ]);
}

async function startRun(): Promise<number> {
  await e2e.app.receive("issues", labeledPayload(e2e.remote.url));
  return waitForValue("the run", () => e2e.app.hamster.runs.listRunsForTask(REPO_ID, 1)[0]?.id);
}

async function signIn(login: string, next: string): Promise<Page> {
  e2e.oauth.signInAs(login);
  const page = await browser.use();
  await page.goto(`${e2e.app.settings.publicUrl}${next}`);
  return page;
}

/** A stage's status as the page shows it now. */
const stageStatus = (page: Page, stage: string) => page.locator(`#run-timeline [data-stage="${stage}"] .status`).textContent();

describe("the run page in a browser", () => {
  it("follows a run as it runs: the stages advance and the transcript grows without a reload; GitHub links to the page", async () => {
    const planned = createGate();
    const implemented = createGate();
    scriptGatedModel(planned, implemented);
    const runId = await startRun();
    await waitFor("planning", () => e2e.app.hamster.runs.getRun(runId).state === "planning");

    const page = await signIn(OWNER, `/hamster/runs/${runId}`);
    await page.locator("#run-page").waitFor();
    expect(page.url()).toBe(`${e2e.app.settings.publicUrl}/hamster/runs/${runId}`);
    expect(await stageStatus(page, "planning")).toBe("running");
    expect(await stageStatus(page, "implementing")).toBe("pending");
    // A mark the page keeps only as long as it is not loaded again.
    await page.evaluate("document.body.dataset.sameLoad = 'yes'");

    planned.open();
    await page.locator('#run-timeline [data-stage="implementing"] .status', { hasText: "running" }).waitFor();
    // Inside closed turns: there, not shown.
    await page.locator("#turn-1-2 .tool", { hasText: "create hello.txt" }).waitFor({ state: "attached" });
    await page.locator("#turn-1-3 .tool", { hasText: "npm test" }).waitFor({ state: "attached" });
    expect(await stageStatus(page, "planning")).toBe("done");
    // Turns arrive closed, like the ones the page was drawn with.
    expect(await page.locator("details.turn[open]").count()).toBe(0);

    implemented.open();
    await page.locator("#run-head .state", { hasText: "delivered" }).waitFor();
    for (const stage of ["preparing", "planning", "implementing", "verifying", "delivering"]) expect(await stageStatus(page, stage), stage).toBe("done");
    await page.locator("#run-evidence", { hasText: "✓ met" }).waitFor();
    await page.locator("#commands .command", { hasText: "npm test" }).first().waitFor({ state: "attached" });
    await page.locator("#run-links a.diff", { hasText: "1 file" }).waitFor();
    expect(await page.evaluate("document.body.dataset.sameLoad")).toBe("yes");
    await e2e.app.hamster.idle();

    // GitHub's check run and the status comment point here.
    const pageUrl = `${e2e.app.settings.publicUrl}/hamster/runs/${runId}`;
    const created = e2e.github.callsTo("POST", /^\/check-runs$/).map((call) => (call.body as { details_url?: string }).details_url);
    expect(created.length).toBeGreaterThan(0);
    expect(created.every((url) => url === pageUrl)).toBe(true);
    expect(e2e.github.comments[0]!.body).toContain(`(${pageUrl})`);

    if (SCREENSHOTS) {
      await page.locator("#turn-1-2 > summary").click();
      await page.locator("#turn-1-3 > summary").click();
      mkdirSync(DOCS, { recursive: true });
      await page.screenshot({ path: `${DOCS}console-run.png`, fullPage: true });
    }
  });

  it("shows the agent's change in the diff viewer, side by side and unified", async () => {
    const planned = createGate();
    const implemented = createGate();
    scriptGatedModel(planned, implemented);
    planned.open();
    implemented.open();
    const runId = await startRun();
    await e2e.app.hamster.idle();
    expect(e2e.app.hamster.runs.getRun(runId).state).toBe("succeeded");

    const page = await signIn(OWNER, `/hamster/runs/${runId}`);
    await page.locator("#run-links a.diff").click();
    await page.waitForURL(`${e2e.app.settings.publicUrl}/hamster/runs/${runId}/diff`);
    const file = page.locator(".diff-file .d2h-file-wrapper", { hasText: "hello.txt" });
    await file.waitFor();
    expect(await file.locator(".d2h-file-side-diff").count()).toBe(2);
    expect(await file.locator(".d2h-ins .d2h-code-line-ctn", { hasText: "hello" }).count()).toBe(1);
    if (SCREENSHOTS) await page.screenshot({ path: `${DOCS}console-diff.png`, fullPage: true });

    await page.getByRole("link", { name: "unified" }).click();
    await page.waitForURL(/view=unified$/);
    await page.locator(".d2h-file-wrapper .d2h-file-diff .d2h-ins", { hasText: "hello" }).waitFor();
    expect(await page.locator(".d2h-file-side-diff").count()).toBe(0);
  });

  it("answers 404 to a user whose installations do not reach the run, for the page and its event stream", async () => {
    const planned = createGate();
    scriptGatedModel(planned, createGate());
    const runId = await startRun();
    const page = await signIn("mallory", "/hamster/runs");
    await page.locator(".user", { hasText: "@mallory" }).waitFor();
    const answer = await page.goto(`${e2e.app.settings.publicUrl}/hamster/runs/${runId}`);
    expect(answer?.status()).toBe(404);
    expect(await page.locator("body").textContent()).not.toContain("Spelling error");
    const stream = await page.request.get(`${e2e.app.settings.publicUrl}/hamster/runs/${runId}/events`, { timeout: 10_000 });
    expect(stream.status()).toBe(404);
    const diff = await page.request.get(`${e2e.app.settings.publicUrl}/hamster/runs/${runId}/diff`, { timeout: 10_000 });
    expect(diff.status()).toBe(404);
    planned.open();
  });

  it("cancels the run from the page, then retries it: a new run, shown", async () => {
    const planned = createGate();
    scriptGatedModel(planned, createGate());
    const runId = await startRun();
    await waitFor("planning", () => e2e.app.hamster.runs.getRun(runId).state === "planning");

    const page = await signIn(OWNER, `/hamster/runs/${runId}`);
    const cancel = page.getByRole("button", { name: "Cancel run" });
    await cancel.waitFor();
    expect(await page.getByRole("button", { name: "Retry" }).isVisible()).toBe(false);
    await cancel.click();
    await page.locator("#run-head .state", { hasText: "cancelled" }).waitFor();
    await e2e.app.hamster.idle();

    const run = e2e.app.hamster.runs.getRun(runId);
    expect(run).toMatchObject({ state: "cancelled", cancelledBy: OWNER });
    expect(run.reason).toContain(`Cancelled by @${OWNER}.`);
    await page.getByRole("button", { name: "Retry" }).waitFor();
    expect(await page.getByRole("button", { name: "Cancel run" }).isVisible()).toBe(false);

    // Retry starts a new run of the task, as the check run's button does, and shows it.
    await page.getByRole("button", { name: "Retry" }).click();
    await page.waitForURL(/\/hamster\/runs\/\d+$/);
    const retried = e2e.app.hamster.runs.listRunsForTask(REPO_ID, 1).at(-1)!;
    expect(retried).toMatchObject({ trigger: "retry", requestedBy: OWNER });
    expect(retried.id).not.toBe(runId);
    expect(page.url()).toBe(`${e2e.app.settings.publicUrl}/hamster/runs/${retried.id}`);
    planned.open();
  });

  it("shows no controls to a reader, and refuses their POST with 403", async () => {
    const planned = createGate();
    scriptGatedModel(planned, createGate());
    const runId = await startRun();
    await waitFor("planning", () => e2e.app.hamster.runs.getRun(runId).state === "planning");
    const page = await signIn("reader", `/hamster/runs/${runId}`);
    await page.locator("#run-page").waitFor();
    expect(await page.locator("form.control").count()).toBe(0);
    const csrf = await page.locator('input[name="csrf"]').first().getAttribute("value");
    const refused = await page.request.post(`${e2e.app.settings.publicUrl}/hamster/runs/${runId}/cancel`, { form: { csrf: csrf! }, maxRedirects: 0, timeout: 10_000 });
    expect(refused.status()).toBe(403);
    expect(e2e.app.hamster.runs.getRun(runId).state).toBe("planning");
    planned.open();
  });

  it("ends its open event streams when the app shuts down, so the server can stop", async () => {
    const planned = createGate();
    scriptGatedModel(planned, createGate());
    const runId = await startRun();
    const page = await signIn(OWNER, `/hamster/runs/${runId}`);
    await page.locator("#run-page").waitFor();
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const response = await fetch(`${e2e.app.settings.publicUrl}/hamster/runs/${runId}/events`, { headers: { cookie }, signal: AbortSignal.timeout(15_000) });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let received = "";
    while (!received.includes("event: run")) received += Buffer.from((await reader.read()).value ?? []).toString("utf8");

    await e2e.app.hamster.drain(0);
    // The stream ends (the read reports done) instead of waiting for the next heartbeat.
    for (;;) if ((await reader.read()).done) break;
    planned.open();
  });
});
