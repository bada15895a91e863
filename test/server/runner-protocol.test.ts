import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RunFailure } from "../../src/domain/run-failure.js";
import type { RunEvent } from "../../src/domain/run-event.js";
import { createJobBoard, type JobBoard } from "../../src/executors/process/job-board.js";
import type { LiveJob } from "../../src/executors/process/live-job.js";
import { RUNNER_PROTOCOL_PATH } from "../../src/runner/protocol.js";
import { loadRunnerBundle } from "../../src/runner/runner-bundle.js";
import { createRunnerProtocolHandler, type RunnerProtocolOptions } from "../../src/server/runner-protocol.js";
import { createFakeRunCredentials } from "../helpers/fake-run-credentials.js";
import { buildJob, createRecordingIo } from "../helpers/jobs.js";

const START_SHA = "a".repeat(40);
const WORK_BRANCH = "hamster/7-add-retries";
const RESULT = {
  plan: ["Add retries"],
  verification: { command: "npm test", passed: true, exitCode: 0, runs: 1, outputTail: "ok" },
  report: { criteria: [{ index: 1, criterion: "Retries", status: "met", evidence: { kind: "file", path: "retry.js", line: 1 } }] },
  summary: "Added retries.",
  totals: { turns: 3, usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0.01 },
};

let server: Server;
let base: string;
let dir: string;
let board: JobBoard;
let credentials: ReturnType<typeof createFakeRunCredentials>;
let live: LiveJob;
let io: ReturnType<typeof createRecordingIo>;
let token: string;
let refuseStages: Error | undefined;
/** What the handler serves at runner.mjs; each test sets it before its first call. */
let runnerBundle: RunnerProtocolOptions["runnerBundle"];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hamster-protocol-"));
  await writeFile(join(dir, "source.bundle"), Buffer.from("bundle bytes \u0000\u0001"));
  board = createJobBoard();
  credentials = createFakeRunCredentials();
  refuseStages = undefined;
  runnerBundle = undefined;
  io = createRecordingIo({
    refuse: (event) => (event.kind === "stage" ? refuseStages : undefined),
    issues: { 3: { title: "The brief", body: "Why we do this." } },
  });
  live = board.register({ job: buildJob({ checkoutDir: "/srv/app/run-5", readOnlyPaths: ["/srv/mirror"] }), io, startSha: START_SHA, workBranch: WORK_BRANCH, sourceBundle: join(dir, "source.bundle"), scratchDir: dir });
  token = credentials.issue(5, 1);
  server = createServer((req, res) => {
    const handler = createRunnerProtocolHandler({ board, credentials, maxWorkBundleBytes: 1000, ...(runnerBundle ? { runnerBundle } : {}) });
    void Promise.resolve(handler(req, res)).then((handled) => {
      if (!handled) res.writeHead(404).end("not the protocol");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${RUNNER_PROTOCOL_PATH}`;
});

afterEach(async () => {
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  await rm(dir, { recursive: true, force: true });
});

function call(path: string, init: { method?: string; body?: unknown; raw?: string | Buffer; auth?: string | null } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.auth !== null) headers["authorization"] = `Bearer ${init.auth ?? token}`;
  let body: string | Buffer | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers["content-type"] = "application/json";
  }
  return fetch(`${base}${path}`, { method: init.method ?? "GET", headers, ...(body === undefined ? {} : { body }) });
}

const event = (seq: number, e: RunEvent) => ({ seq, at: "2026-12-05T12:00:00.000Z", event: e });
const note = (seq: number) => event(seq, { kind: "note", text: `note ${seq}` });

describe("runner protocol: authentication", () => {
  it("refuses a request without a credential, with an unknown one, and one whose attempt is not running here", async () => {
    for (const auth of [null, "hmr_nope"]) {
      const res = await call("job", { auth });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: expect.stringMatching(/credential/) });
    }
    // A credential of the run's next attempt: that attempt is not on the board.
    const other = credentials.issue(5, 2);
    expect((await call("job", { auth: other })).status).toBe(401);
    expect((await call("job")).status).toBe(401); // the earlier credential was replaced
  });

  it("refuses every credential of an attempt that has ended", async () => {
    expect((await call("heartbeat", { method: "POST" })).status).toBe(200);
    board.unregister(live);
    expect((await call("heartbeat", { method: "POST" })).status).toBe(401);
  });

  it("leaves other paths to the next handler, and answers unknown protocol paths and methods with JSON", async () => {
    expect((await fetch(base.replace(RUNNER_PROTOCOL_PATH, "/api/github/webhooks"))).status).toBe(404);
    const unknown = await call("jobs");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: expect.any(String) });
    const wrong = await call("job", { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
  });
});

describe("runner protocol: the job", () => {
  it("serves the job without the app's paths, with the start commit and work branch", async () => {
    const res = await call("job");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, Record<string, unknown>>;
    expect(body["startSha"]).toBe(START_SHA);
    expect(body["workBranch"]).toBe(WORK_BRANCH);
    expect(body["job"]).toMatchObject({ runId: 5, attempt: 1, resumeAt: "planning", budgets: { turns: 20 } });
    expect(body["job"]).not.toHaveProperty("checkoutDir");
    expect(body["job"]).not.toHaveProperty("readOnlyPaths");
  });

  it("streams the source bundle", async () => {
    const res = await call("source.bundle");
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(await readFile(join(dir, "source.bundle")));
  });

  it("reads another issue through the job's io, and says why it could not", async () => {
    expect(await (await call("issues/3")).json()).toEqual({ issue: { title: "The brief", body: "Why we do this." } });
    expect(await (await call("issues/4")).json()).toEqual({ issue: null });
    expect((await call("issues/0")).status).toBe(400);
    vi.spyOn(io, "getIssue").mockRejectedValue(new Error("GitHub answered 502"));
    const failed = await call("issues/3");
    expect(failed.status).toBe(502);
    expect(await failed.json()).toEqual({ error: "GitHub answered 502" });
  });
});

describe("runner protocol: the runner bundle", () => {
  const SCRIPT = 'console.log("hamster runner");\n'.repeat(5_000);

  it("streams the runner with its length and sha256", async () => {
    const file = join(dir, "hamster-runner.mjs");
    await writeFile(file, SCRIPT);
    runnerBundle = () => loadRunnerBundle(file);
    const res = await call("runner.mjs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/javascript");
    expect(res.headers.get("content-length")).toBe(String(Buffer.byteLength(SCRIPT)));
    expect(res.headers.get("x-hamster-sha256")).toBe(createHash("sha256").update(SCRIPT).digest("hex"));
    expect(await res.text()).toBe(SCRIPT);
  });

  it("serves it only with the run credential", async () => {
    const file = join(dir, "hamster-runner.mjs");
    await writeFile(file, SCRIPT);
    runnerBundle = () => loadRunnerBundle(file);
    const res = await call("runner.mjs", { auth: null });
    expect(res.status).toBe(401);
    expect(res.headers.get("x-hamster-sha256")).toBeNull();
  });

  it("answers 404 with a reason when the app serves no bundle, or its file is missing", async () => {
    const none = await call("runner.mjs");
    expect(none.status).toBe(404);
    expect(await none.json()).toEqual({ error: expect.stringMatching(/serves no runner bundle/) });

    const missing = join(dir, "dist", "runner", "hamster-runner.mjs");
    runnerBundle = () => loadRunnerBundle(missing);
    const unbuilt = await call("runner.mjs");
    expect(unbuilt.status).toBe(404);
    const { error } = (await unbuilt.json()) as { error: string };
    expect(error).toMatch(/npm run build/);
    // The app's own paths stay out of a job's (maybe public) log.
    expect(error).not.toContain(dir);
  });
});

describe("runner protocol: events", () => {
  it("applies a batch in order, and a batch sent again after a lost answer only once", async () => {
    const first = await call("events", { method: "POST", body: { events: [note(1), note(2)] } });
    expect(await first.json()).toEqual({ applied: 2, stop: null });
    const again = await call("events", { method: "POST", body: { events: [note(1), note(2), note(3)] } });
    expect(await again.json()).toEqual({ applied: 3, stop: null });
    expect(io.events.map((e) => (e.kind === "note" ? e.text : e.kind))).toEqual(["note 1", "note 2", "note 3"]);
  });

  it("applies batches that arrive together one after the other", async () => {
    const answers = await Promise.all([
      call("events", { method: "POST", body: { events: [note(1), note(2)] } }),
      call("events", { method: "POST", body: { events: [note(1), note(2), note(3)] } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(io.events).toHaveLength(3);
  });

  it("refuses a batch that skips events, and one that is malformed, changing nothing", async () => {
    const gap = await call("events", { method: "POST", body: { events: [note(2)] } });
    expect(gap.status).toBe(409);
    expect(await gap.json()).toMatchObject({ expected: 1 });
    const bad = [
      { raw: "{not json" },
      { body: { events: [] } },
      { body: { events: [note(1), note(3)] } },
      { body: { events: [{ seq: 1, at: "yesterday", event: { kind: "note", text: "x" } }] } },
      { body: { events: [event(1, { kind: "stage", state: "dancing" } as unknown as RunEvent)] } },
      { body: { events: [{ seq: 0, at: "2026-12-05T12:00:00Z", event: { kind: "note", text: "x" } }] } },
    ];
    for (const request of bad) {
      const res = await call("events", { method: "POST", ...request });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: expect.any(String) });
    }
    expect(io.events).toEqual([]);
    expect(live.applied).toBe(0);
  });

  it("answers a stage the control plane refuses with the stop, not an error, and keeps the refusal for the executor", async () => {
    refuseStages = new RunFailure("The run was stopped.");
    const res = await call("events", { method: "POST", body: { events: [note(1), event(2, { kind: "stage", state: "implementing" })] } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ applied: 2, stop: "The run was stopped." });
    expect(live.stopError).toBe(refuseStages);
    expect(await (await call("heartbeat", { method: "POST" })).json()).toEqual({ stop: "The run was stopped." });
  });
});

describe("runner protocol: control", () => {
  it("answers a long-poll at once when a stop is pending, and wakes a held one when the stop comes", async () => {
    live.lastSeenAt = 0;
    const held = call("control?wait=2000");
    // Once the request has arrived (it counts as a sign of life) it is held; the stop wakes it.
    await vi.waitFor(() => expect(live.lastSeenAt).toBeGreaterThan(0), { timeout: 5_000 });
    live.requestStop("The run was cancelled.");
    expect(await (await held).json()).toEqual({ stop: "The run was cancelled." });
    expect(await (await call("control?wait=2000")).json()).toEqual({ stop: "The run was cancelled." });
  });

  it("holds a long-poll for 2 s at most, and refuses a wait that is not a number", async () => {
    const wait = vi.spyOn(live, "waitForStop").mockResolvedValue(null);
    expect(await (await call("control?wait=60000")).json()).toEqual({ stop: null });
    expect(wait).toHaveBeenCalledWith(2000);
    expect((await call("control?wait=soon")).status).toBe(400);
  });

  it("counts any request as a sign of life", async () => {
    live.lastSeenAt = 0;
    await call("control?wait=0");
    expect(live.lastSeenAt).toBeGreaterThan(0);
  });
});

describe("runner protocol: work and result", () => {
  it("keeps the uploaded work bundle", async () => {
    const res = await call("work.bundle", { method: "PUT", raw: Buffer.alloc(800, 7) });
    expect(res.status).toBe(200);
    expect(live.workBundle).toBe(join(dir, "work.bundle"));
    expect(await readFile(join(dir, "work.bundle"))).toEqual(Buffer.alloc(800, 7));
  });

  it("refuses a work bundle over the size limit (413), keeps none of it, and remembers why", async () => {
    const res = await call("work.bundle", { method: "PUT", raw: Buffer.alloc(5000, 7) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/larger than 1000 bytes/) });
    expect(live.workBundle).toBeNull();
    expect(live.bundleRefusal).toMatch(/larger than 1000 bytes/);
    expect(existsSync(join(dir, "work.bundle"))).toBe(false);
  });

  it("refuses a streamed work bundle that grows past the limit", async () => {
    const body = await sendChunked("work.bundle", [Buffer.alloc(600, 1), Buffer.alloc(600, 2)]);
    expect(body.status).toBe(413);
    expect(live.bundleRefusal).toMatch(/larger than/);
    expect(existsSync(join(dir, "work.bundle"))).toBe(false);
  });

  it("settles the job with the runner's result once, and takes nothing after it", async () => {
    const res = await call("result", { method: "POST", body: { outcome: "completed", result: RESULT } });
    expect(res.status).toBe(200);
    expect(await live.settled).toEqual({ outcome: "completed", result: RESULT });
    expect((await call("result", { method: "POST", body: { outcome: "failed", error: { message: "late" } } })).status).toBe(409);
    expect((await call("events", { method: "POST", body: { events: [note(1)] } })).status).toBe(409);
    expect((await call("work.bundle", { method: "PUT", raw: "x" })).status).toBe(409);
    expect(live.outcome).toEqual({ outcome: "completed", result: RESULT });
  });

  it("takes a failed outcome with the agent's error code and budget", async () => {
    const failed = { outcome: "failed", error: { message: "The cost budget is spent.", code: "budget", budget: "cost" } };
    expect((await call("result", { method: "POST", body: failed })).status).toBe(200);
    expect(live.outcome).toEqual(failed);
  });

  it("refuses a malformed result, changing nothing", async () => {
    for (const body of [
      { outcome: "completed" },
      { outcome: "completed", result: { ...RESULT, totals: { turns: -1, usage: null, costUsd: null } } },
      { outcome: "failed", error: { message: "" } },
      { outcome: "failed", error: { message: "x", code: "exploded" } },
      { outcome: "won" },
    ]) {
      const res = await call("result", { method: "POST", body });
      expect(res.status).toBe(400);
    }
    expect(live.outcome).toBeNull();
  });
});

/** A PUT whose body comes in chunks without a declared length, as a stream would send it. */
function sendChunked(path: string, chunks: Buffer[]): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: "PUT", headers: { authorization: `Bearer ${token}`, "transfer-encoding": "chunked" } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on("error", reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}
