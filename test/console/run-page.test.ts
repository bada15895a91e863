import { afterEach, describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/domain/run-event.js";
import { createRedactor } from "../../src/security/redactor.js";
import { createRunDiffStore } from "../../src/store/run-diff-store.js";
import { createRunEventStore } from "../../src/store/run-event-store.js";
import { ACME_INSTALLATION, BOB_INSTALLATION, HOSTILE_TEXTS, seedRun, startConsoleHarness, TOOLS, twoTeams, WIDGETS, type ConsoleHarness } from "../helpers/console.js";
import { waitFor } from "../helpers/wait.js";
import { anthropicKey, classicToken } from "../security/fake-secrets.js";

/**
 * The run page, its event stream and its diff over HTTP: what shows, what never shows (markup
 * from hostile text, secrets), and who gets 404.
 */

let harness: ConsoleHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const AT = "2026-11-24T10:00:00.000Z";
const HOSTILE = Object.values(HOSTILE_TEXTS);
/** Markup the hostile corpus would make if any of it got through unescaped. */
const RAW_MARKUP = ["<script>alert(1)</script>", "<img src=x onerror", "\" onmouseover=\"", "href=\"javascript:", "\u202e"];

/** Stores events as the app does: redacted by a redactor that knows the app's secrets. */
function appendEvents(h: ConsoleHarness, runId: number, events: RunEvent[], options: { attempt?: number; secrets?: string[] } = {}) {
  const redactor = createRedactor();
  for (const secret of options.secrets ?? []) redactor.addSecret(secret);
  const store = createRunEventStore(h.db, { redact: redactor.redact });
  const attempt = options.attempt ?? 1;
  const from = store.findNextSeq(runId, attempt);
  store.appendRunEvents(runId, attempt, events.map((event, i) => ({ seq: from + i, at: AT, event })));
}

const modelCall = (turn: number): RunEvent => ({
  kind: "model_call",
  turn,
  model: "claude-sonnet-4-6",
  usage: { inputTokens: 100, outputTokens: 20, cacheReadTokens: 900, cacheWriteTokens: 0 },
  costUsd: 0.0031,
  stopReason: "tool_use",
  durationMs: 1500,
});
const toolCall = (turn: number, summary: string, outcome: "ok" | "error" = "ok", detail?: string): RunEvent => ({
  kind: "tool_call",
  turn,
  tool: "bash",
  summary,
  outcome,
  ...(detail ? { detail } : {}),
  durationMs: 40,
});

function seedAliceRun(h: ConsoleHarness, title = "Add retries to the client") {
  return seedRun(h.runs, { installationId: ACME_INSTALLATION, repo: WIDGETS, issueNumber: 7, title });
}

describe("GET /hamster/runs/:id", () => {
  it("shows the stages, the plan, each turn with its tool calls (closed), the commands, the evidence, tokens, cost and links", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const run = seedAliceRun(harness);
    harness.runs.updateRun(run.id, {
      plan: ["Create `hello.txt`", "Run the tests"],
      summary: "Added hello.txt.",
      prNumber: 12,
      checkRunId: 345,
      report: { criteria: [{ index: 1, criterion: "hello.txt exists", status: "met", evidence: { kind: "file", path: "hello.txt", line: 1 } }] },
      verification: { command: "npm test", passed: true, exitCode: 0, runs: 1, outputTail: "ok\n" },
    });
    appendEvents(harness, run.id, [
      { kind: "command", purpose: "setup", command: "npm ci", exitCode: 0, durationMs: 2100, outputTail: "added 12 packages" },
      modelCall(1),
      toolCall(1, "create hello.txt"),
      toolCall(1, "npm test", "error", "exit code 1"),
      modelCall(2),
      { kind: "command", purpose: "test", command: "npm test", exitCode: 0, durationMs: 900, outputTail: "ok" },
    ]);
    createRunDiffStore(harness.db).saveRunDiff(run.id, { baseSha: "a".repeat(40), headSha: "b".repeat(40), patch: "diff --git a/hello.txt b/hello.txt\n", truncated: false });
    const alice = await harness.signIn("alice");

    const response = await harness.request(`/hamster/runs/${run.id}`, { cookie: alice.cookie });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`Run #${run.id}`);
    expect(html).toMatch(/<li class="stage stage-skipped" data-stage="preparing">/);
    expect(html).toContain("Create `hello.txt`");
    // Each turn is a closed <details>, its tool calls inside, in order.
    const turns = [...html.matchAll(/<details class="turn" id="turn-(\d+-\d+)"[^>]*>/g)];
    expect(turns.map((match) => match[1])).toEqual(["1-1", "1-2"]);
    expect(turns.every((match) => !match[0].includes(" open"))).toBe(true);
    const firstTurn = html.slice(html.indexOf('id="turn-1-1"'), html.indexOf('id="turn-1-2"'));
    expect(firstTurn).toContain("<code>create hello.txt</code>");
    expect(firstTurn).toMatch(/<code>npm test<\/code> <span class="outcome">error<\/span> <span class="detail">exit code 1<\/span>/);
    expect(firstTurn).toContain("1,000 in / 20 out tokens");
    expect(html).toMatch(/<span class="purpose">setup<\/span> <code>npm ci<\/code> · exit 0/);
    expect(html).toContain("added 12 packages");
    expect(html).toContain("✓ met");
    expect(html).toContain("<code>hello.txt:1</code>");
    expect(html).toContain("2 model calls · 2 tool calls (1 failed)");
    expect(html).toContain("cost $0.0421");
    expect(html).toContain('href="https://github.example/acme/widgets/issues/7"');
    expect(html).toContain('href="https://github.example/acme/widgets/pull/12"');
    expect(html).toContain('href="https://github.example/acme/widgets/runs/345"');
    expect(html).toContain(`href="/hamster/runs/${run.id}/diff"`);
    expect(html).toContain('src="/hamster/assets/run-page.js"');
    // The viewer's role could not be asked here (no installation client): no controls.
    expect(html).not.toContain(`action="/hamster/runs/${run.id}/cancel"`);
  });

  it("shows hostile text from the issue, the transcript, the commands, the plan and the report as text", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const run = harness.runs.createRun({ installationId: ACME_INSTALLATION, trigger: "label", requestedBy: "alice", deliveryId: null, request: seedRequest(HOSTILE_TEXTS.script) });
    harness.runs.updateRun(run.id, {
      plan: HOSTILE,
      summary: HOSTILE_TEXTS.htmlInCode,
      notes: [HOSTILE_TEXTS.markdownLink],
      report: {
        criteria: HOSTILE.map((text, i) => ({ index: i + 1, criterion: text, status: "not_met" as const, evidence: { kind: "command" as const, command: text, result: text }, note: text })),
        formatError: HOSTILE_TEXTS.attribute,
      },
      verification: { command: HOSTILE_TEXTS.script, passed: false, exitCode: 1, runs: 2, outputTail: HOSTILE_TEXTS.htmlInCode },
    });
    harness.runs.transitionRun(run.id, "failed", { reason: HOSTILE_TEXTS.htmlInCode });
    appendEvents(harness, run.id, [
      { ...(modelCall(1) as Extract<RunEvent, { kind: "model_call" }>), model: HOSTILE_TEXTS.script, stopReason: HOSTILE_TEXTS.attribute },
      ...HOSTILE.map((text) => ({ kind: "tool_call" as const, turn: 1, tool: text, summary: text, outcome: "error" as const, detail: text })),
      ...HOSTILE.map((text) => ({ kind: "command" as const, purpose: "test" as const, command: text, exitCode: 1, durationMs: 5, outputTail: text })),
      { kind: "note", text: HOSTILE_TEXTS.script },
    ]);
    const alice = await harness.signIn("alice");

    const html = await (await harness.request(`/hamster/runs/${run.id}`, { cookie: alice.cookie })).text();
    for (const markup of RAW_MARKUP) expect(html, markup).not.toContain(markup);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("invoice[U+202E]txt.exe");
    // A javascript: issue address is no link.
    const hidden = seedRun(harness.runs, { installationId: ACME_INSTALLATION, repo: WIDGETS, issueNumber: 8, title: "t", issueHtmlUrl: HOSTILE_TEXTS.javascriptLink });
    const page = await (await harness.request(`/hamster/runs/${hidden.id}`, { cookie: alice.cookie })).text();
    expect(page).not.toContain("javascript:");
  });

  it("shows no secret: not the app's or the user's tokens, nor one the agent printed", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const run = seedAliceRun(harness);
    const providerKey = anthropicKey("run-page-canary");
    const gitToken = classicToken("ghs", "run-page-canary");
    appendEvents(harness, run.id, [modelCall(1), toolCall(1, `echo ${providerKey}`), { kind: "command", purpose: "test", command: "env", exitCode: 0, durationMs: 3, outputTail: `TOKEN=${gitToken}` }], {
      secrets: [providerKey, gitToken],
    });
    const alice = await harness.signIn("alice");
    const session = harness.sessions.findSession(alice.cookie.split("=")[1]!);
    const secrets = [providerKey, gitToken, harness.github.clientSecret, alice.cookie.split("=")[1]!, session?.tokens?.accessToken, session?.tokens?.refreshToken].filter(
      (secret): secret is string => typeof secret === "string" && secret.length > 0,
    );
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const path of [`/hamster/runs/${run.id}`, `/hamster/runs/${run.id}/diff`]) {
      const html = await (await harness.request(path, { cookie: alice.cookie })).text();
      for (const secret of secrets) expect(html, path).not.toContain(secret);
    }
    const stream = await openStream(harness, `/hamster/runs/${run.id}/events`, alice.cookie);
    await stream.waitForText("event: run");
    for (const secret of secrets) expect(stream.text()).not.toContain(secret);
    stream.close();
  });

  it("answers 404 to a user whose installations do not reach the run, for the page, its stream, its diff and its controls", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const run = seedAliceRun(harness, "Alice's secret task");
    const bobRun = seedRun(harness.runs, { installationId: BOB_INSTALLATION, repo: TOOLS, issueNumber: 9, title: "Bob's task" });
    const bob = await harness.signIn("bob");
    for (const path of [`/hamster/runs/${run.id}`, `/hamster/runs/${run.id}/events`, `/hamster/runs/${run.id}/diff?view=unified`, "/hamster/runs/999999", "/hamster/runs/x1"]) {
      const response = await harness.request(path, { cookie: bob.cookie });
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).not.toContain("Alice&#39;s secret task");
    }
    const page = await (await harness.request(`/hamster/runs/${bobRun.id}`, { cookie: bob.cookie })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    for (const action of ["cancel", "retry"]) {
      const response = await harness.request(`/hamster/runs/${run.id}/${action}`, { cookie: bob.cookie, form: { csrf } });
      expect(response.status, action).toBe(404);
    }
    expect(harness.runs.getRun(run.id).state).toBe("succeeded");
    // Without a session, the stream asks to sign in (401), the page redirects to it.
    expect((await harness.request(`/hamster/runs/${run.id}/events`)).status).toBe(401);
    expect((await harness.request(`/hamster/runs/${run.id}`)).status).toBe(303);
  });
});

/** An event stream read as text as it arrives, with a bounded wait for what a test expects. */
async function openStream(h: ConsoleHarness, path: string, cookie: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(`${h.url}${path}`, { headers: { cookie, ...headers }, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  let received = "";
  let ended = false;
  const reader = response.body!.getReader();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += Buffer.from(value).toString("utf8");
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  return {
    text: () => received,
    ended: () => ended,
    waitForText: (what: string) => waitFor(`"${what}" on the stream`, () => received.includes(what)),
    close: () => controller.abort(),
  };
}

/** The stream's messages of one kind, parsed. */
function messagesOf(text: string, event: string): { id: number | null; data: any }[] {
  return text
    .split("\n\n")
    .map((block) => {
      const lines = block.split("\n");
      const name = lines.find((line) => line.startsWith("event: "))?.slice(7);
      const id = lines.find((line) => line.startsWith("id: "))?.slice(4);
      const data = lines.find((line) => line.startsWith("data: "))?.slice(6);
      return { name, id: id === undefined ? null : Number(id), data: data === undefined ? undefined : JSON.parse(data) };
    })
    .filter((message) => message.name === event)
    .map(({ id, data }) => ({ id, data }));
}

describe("GET /hamster/runs/:id/events", () => {
  it("sends each new turn, tool call and command as it is stored, then the redrawn parts; a reconnect resumes after the last it got", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const run = harness.runs.createRun({
      installationId: ACME_INSTALLATION,
      trigger: "label",
      requestedBy: "alice",
      deliveryId: null,
      request: seedRequest(),
    });
    harness.runs.transitionRun(run.id, "preparing");
    const alice = await harness.signIn("alice");
    const html = await (await harness.request(`/hamster/runs/${run.id}`, { cookie: alice.cookie })).text();
    const after = /data-last-event-id="(\d+)"/.exec(html)![1]!;
    expect(html).toContain('data-final="false"');

    const stream = await openStream(harness, `/hamster/runs/${run.id}/events?after=${after}`, alice.cookie);
    await stream.waitForText("event: run");
    harness.runs.transitionRun(run.id, "implementing");
    appendEvents(harness, run.id, [modelCall(1), toolCall(1, HOSTILE_TEXTS.script), { kind: "command", purpose: "setup", command: "npm ci", exitCode: 0, durationMs: 1, outputTail: "" }]);
    await stream.waitForText("event: command");
    await waitFor("the redrawn timeline", () => messagesOf(stream.text(), "run").some((m) => m.data.parts["run-timeline"].includes('stage-running" data-stage="implementing"')));

    const [turn] = messagesOf(stream.text(), "turn");
    expect(turn!.data.key).toBe("1-1");
    expect(turn!.data.html).toMatch(/^<details class="turn" id="turn-1-1"/);
    const [tool] = messagesOf(stream.text(), "tool");
    expect(tool!.data.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(tool!.data.html).not.toContain("<script>");
    expect(tool!.id).toBeGreaterThan(turn!.id!);
    const last = messagesOf(stream.text(), "command")[0]!.id!;
    stream.close();

    // The browser reconnects with the last id it got: only what came after.
    appendEvents(harness, run.id, [toolCall(1, "npm test")]);
    const again = await openStream(harness, `/hamster/runs/${run.id}/events?after=${after}`, alice.cookie, { "last-event-id": String(last) });
    await again.waitForText("event: tool");
    await again.waitForText("event: run");
    expect(messagesOf(again.text(), "tool").map((m) => m.data.html)).toEqual([expect.stringContaining("<code>npm test</code>")]);
    expect(messagesOf(again.text(), "turn")).toEqual([]);

    // The run ends: a last redraw says so, and the stream ends.
    harness.runs.transitionRun(run.id, "cancelled", { reason: "Cancelled by @alice." });
    await waitFor("the stream to end", () => again.ended());
    const final = messagesOf(again.text(), "run").at(-1)!;
    expect(final.data).toMatchObject({ state: "cancelled", final: true, actions: ["retry"] });
    expect(final.data.parts["run-outcome"]).toContain("Cancelled by @alice.");
  });
});

function seedRequest(title = "Add retries") {
  return {
    repo: { id: WIDGETS.id, owner: "acme", name: "widgets", cloneUrl: "https://github.example/acme/widgets.git", defaultBranch: "main", htmlUrl: "https://github.example/acme/widgets" },
    issue: { number: 7, title, body: null, author: "alice", htmlUrl: "https://github.example/acme/widgets/issues/7" },
    baseBranch: "main",
    targetBranch: "main",
    agent: "claude",
    model: "claude-sonnet-5-5",
    instructions: "",
  };
}
