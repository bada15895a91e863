import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { hasStatus, type GitHubClient } from "../../src/github/client.js";
import { createWriteLimiters, isWriteRequest } from "../../src/github/write-limiter.js";
import { waitFor } from "../helpers/wait.js";

/*
 * The limiter (Bottleneck) keeps time with Date.now and setTimeout; both are faked, so its
 * spacing is measured on a clock the test moves, not on the machine's. Requests still travel
 * over a real socket to a server on 127.0.0.1, and take no time on the fake clock: it only
 * moves while nothing is on the wire (see `runUntil`), or when a test moves it.
 */

/** Octokit with its own retry and throttling off, so only the limiter shapes the traffic. */
const PlainOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object), enabled: false },
}));

interface Arrival {
  method: string;
  path: string;
  /** Requests the server held unanswered when this one arrived, itself included. */
  inFlight: number;
}

let server: Server;
let baseUrl: string;
let arrivals: Arrival[];
let inFlight = 0;
/** While true, the server holds every write (non-GET) until `answerHeld`. */
let holdWrites = false;
let held: { res: ServerResponse; missing: boolean }[] = [];

function answer(res: ServerResponse, missing: boolean): void {
  inFlight--;
  res.writeHead(missing ? 404 : 200, { "content-type": "application/json" });
  res.end(JSON.stringify(missing ? { message: "Not Found" } : { ok: true }));
}

/** Answers the writes the server holds. */
function answerHeld(): void {
  for (const { res, missing } of held.splice(0)) answer(res, missing);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    inFlight++;
    arrivals.push({ method: req.method ?? "", path: req.url ?? "", inFlight });
    req.resume();
    const missing = req.url?.includes("missing") ?? false;
    if (holdWrites && req.method !== "GET") held.push({ res, missing });
    else answer(res, missing);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  arrivals = [];
  sent = [];
  answered = 0;
  inFlight = 0;
  holdWrites = false;
  held = [];
});

afterEach(() => {
  answerHeld();
  vi.useRealTimers();
});

/** When each request left the limiter, on the fake clock, and for which installation's client. */
let sent: { method: string; at: number; client: string }[] = [];
/** Requests whose answer (or error) has come back. */
let answered = 0;
const onTheWire = () => sent.length - answered;

/** A client whose requests are recorded inside the limiter: a hook registered before the limiter's wrap runs inside it. */
function client(name = ""): GitHubClient {
  const octokit = new PlainOctokit({ baseUrl }) as GitHubClient;
  octokit.hook.wrap("request", async (request, options) => {
    sent.push({ method: options.method, at: Date.now(), client: name });
    try {
      return await request(options);
    } finally {
      answered++;
    }
  });
  return octokit;
}

const write = (octokit: GitHubClient, n: number) => octokit.request("POST /repos/{owner}/{repo}/issues/{n}/comments", { owner: "o", repo: "r", n, body: "x" });
const read = (octokit: GitHubClient, n: number) => octokit.request("GET /repos/{owner}/{repo}/issues/{n}", { owner: "o", repo: "r", n });

/**
 * Lets the limiter work until `done()`: whatever is on the wire comes back while the fake
 * clock stands still; once nothing is, the clock jumps to the next timer (the limiter's next
 * step or start). So the clock moves the same way however fast the machine is.
 */
async function runUntil(what: string, done: () => boolean): Promise<void> {
  for (let step = 0; !done(); step++) {
    if (step > 1_000) throw new Error(`${what} never happened`);
    await waitFor(what, () => done() || onTheWire() === 0);
    if (!done()) await vi.advanceTimersToNextTimerAsync();
  }
}

/** Runs `work` to its end with `runUntil`. */
async function drive<T>(work: Promise<T>): Promise<T> {
  let finished = false;
  work.then(
    () => (finished = true),
    () => (finished = true),
  );
  await runUntil("the end of the requests", () => finished);
  return work;
}

function gaps(list: { at: number }[]): number[] {
  return list.slice(1).map((a, i) => a.at - list[i]!.at);
}

describe("write limiters", () => {
  it("serialises the writes of one installation, across clients, with minTime between their starts", async () => {
    const limiters = createWriteLimiters({ minTimeMs: 60 });
    const [a, b] = [client(), client()];
    limiters.wrap(a, 1);
    limiters.wrap(b, 1);
    await drive(
      Promise.all([
        write(a, 1),
        b.request("PATCH /repos/{owner}/{repo}/issues/comments/{id}", { owner: "o", repo: "r", id: 2, body: "x" }),
        write(a, 3),
        b.request("DELETE /repos/{owner}/{repo}/git/refs/{ref}", { owner: "o", repo: "r", ref: "heads/x" }),
        a.graphql("mutation { x }"),
        write(b, 6),
      ]),
    );
    expect(arrivals.map((r) => r.method)).toEqual(["POST", "PATCH", "POST", "DELETE", "POST", "POST"]);
    expect(sent).toHaveLength(6);
    // On the fake clock, where the answers take no time: without the limiter every gap is 0.
    for (const gap of gaps(sent)) expect(gap).toBeGreaterThanOrEqual(60);
    expect(limiters.size()).toBe(1);
    await drive(limiters.stop());
  });

  it("sends the next write only when the one in flight has been answered, however long that takes", async () => {
    const limiters = createWriteLimiters({ minTimeMs: 10 });
    const octokit = client();
    limiters.wrap(octokit, 1);
    holdWrites = true;
    const writes = Promise.all([write(octokit, 1), write(octokit, 2), write(octokit, 3)]);
    await runUntil("the first write", () => held.length === 1);
    // A hundred times minTime later, the next write still waits for the first answer.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toHaveLength(1);
    answerHeld();
    await runUntil("the second write", () => held.length === 1 && arrivals.length === 2);
    expect(sent).toHaveLength(2);
    holdWrites = false;
    answerHeld();
    await drive(writes);
    expect(Math.max(...arrivals.map((r) => r.inFlight))).toBe(1);
    await drive(limiters.stop());
  });

  it("lets reads through without waiting for queued writes", async () => {
    const limiters = createWriteLimiters({ minTimeMs: 200 });
    const octokit = client();
    limiters.wrap(octokit, 1);
    holdWrites = true;
    const writes = Promise.all([write(octokit, 1), write(octokit, 2), write(octokit, 3)]);
    await runUntil("the first write", () => held.length === 1);
    let readsDone = false;
    void Promise.all([read(octokit, 1), read(octokit, 2), read(octokit, 3)]).then(() => (readsDone = true));
    // The first write is unanswered and the fake clock stands still: queued behind it, the reads would never come back.
    await runUntil("the reads", () => readsDone);
    expect(arrivals.filter((r) => r.method === "POST")).toHaveLength(1);
    const gets = arrivals.filter((r) => r.method === "GET");
    expect(gets).toHaveLength(3);
    // They arrived while the first write was held.
    for (const get of gets) expect(get.inFlight).toBeGreaterThan(1);
    holdWrites = false;
    answerHeld();
    await drive(writes);
    await drive(limiters.stop());
  });

  it("keeps installations independent of each other", async () => {
    const limiters = createWriteLimiters({ minTimeMs: 100 });
    const [one, two] = [client("one"), client("two")];
    limiters.wrap(one, 1);
    limiters.wrap(two, 2);
    await drive(Promise.all([write(one, 1), write(one, 2), write(one, 3), write(two, 1), write(two, 2), write(two, 3)]));
    // Two queues of three, side by side: each starts at 0, 100 and 200 ms; one shared queue would take until 500.
    const startsOf = (name: string) => sent.filter((s) => s.client === name).map((s) => s.at - sent[0]!.at);
    expect(startsOf("one")).toEqual([0, 100, 200]);
    expect(startsOf("two")).toEqual([0, 100, 200]);
    expect(limiters.size()).toBe(2);
    await drive(limiters.stop());
  });

  it("wraps a client once, however often and by whichever limiter set it is wrapped", async () => {
    const limiters = createWriteLimiters({ minTimeMs: 50 });
    const other = createWriteLimiters({ minTimeMs: 1_000 });
    const octokit = client();
    limiters.wrap(octokit, 1);
    limiters.wrap(octokit, 1);
    limiters.plugin(octokit, { auth: { installationId: 1 } });
    other.wrap(octokit, 1);
    // Queued twice through a one-slot limiter, the first write would wait for itself forever.
    await drive(Promise.all([write(octokit, 1), write(octokit, 2), write(octokit, 3)]));
    expect(other.size()).toBe(0);
    // Spaced by the first set's minTime, not the other's.
    for (const gap of gaps(sent)) {
      expect(gap).toBeGreaterThanOrEqual(50);
      expect(gap).toBeLessThan(1_000);
    }
    await drive(Promise.all([limiters.stop(), other.stop()]));
  });

  it("passes errors through unchanged", async () => {
    const limiters = createWriteLimiters({ minTimeMs: 10 });
    const octokit = client();
    limiters.wrap(octokit, 1);
    const error = await drive(octokit.request("POST /missing").catch((e: unknown) => e));
    expect(hasStatus(error, 404)).toBe(true);
    await drive(limiters.stop());
  });

  it("as a plugin, wraps installation clients and leaves app-level ones alone", async () => {
    const limiters = createWriteLimiters({ minTimeMs: 100 });
    const installation = client("installation");
    const appLevel = client("app");
    limiters.plugin(installation, { auth: { appId: 1, installationId: 9 } });
    limiters.plugin(appLevel, { auth: { appId: 1 } });
    await drive(Promise.all([write(appLevel, 1), write(appLevel, 2), write(appLevel, 3)]));
    // All three at once: the fake clock never had to move.
    expect(gaps(sent)).toEqual([0, 0]);
    expect(limiters.size()).toBe(0);
    await drive(Promise.all([write(installation, 1), write(installation, 2)]));
    expect(gaps(sent.filter((s) => s.client === "installation"))).toEqual([100]);
    expect(limiters.size()).toBe(1);
    await drive(limiters.stop());
  });

  it("disabled, claims clients but queues nothing", async () => {
    const off = createWriteLimiters({ minTimeMs: 1_000, enabled: false });
    const on = createWriteLimiters({ minTimeMs: 1_000 });
    const octokit = client();
    off.wrap(octokit, 1);
    on.wrap(octokit, 1);
    await drive(Promise.all([write(octokit, 1), write(octokit, 2), write(octokit, 3)]));
    expect(gaps(sent)).toEqual([0, 0]);
    expect(on.size() + off.size()).toBe(0);
  });

  it("drops limiters that have been idle, and keeps busy ones", async () => {
    let clock = 0;
    const limiters = createWriteLimiters({ minTimeMs: 0, idleMs: 1_000, now: () => clock });
    const [one, two, three] = [client(), client(), client()];
    limiters.wrap(one, 1);
    limiters.wrap(two, 2);
    limiters.wrap(three, 3);
    await drive(write(one, 1));
    clock = 600;
    await drive(write(two, 1));
    clock = 1_200;
    await drive(write(three, 1));
    // Installation 1 idle 1.2 s: dropped; 2 idle 0.6 s: kept.
    expect(limiters.size()).toBe(2);
    await drive(write(one, 2));
    expect(limiters.size()).toBe(3);
    await drive(limiters.stop());
  });

  it("after stop, finishes what was queued and sends later writes straight away", async () => {
    const limiters = createWriteLimiters({ minTimeMs: 100 });
    const octokit = client();
    limiters.wrap(octokit, 1);
    const queued = Promise.all([write(octokit, 1), write(octokit, 2)]);
    await runUntil("the first write", () => sent.length === 1);
    await drive(limiters.stop());
    await expect(queued).resolves.toHaveLength(2);
    expect(gaps(sent)).toEqual([100]);
    await drive(Promise.all([write(octokit, 3), write(octokit, 4)]));
    expect(gaps(sent.slice(2))).toEqual([0]);
  });

  it("counts GitHub's content writes, not reads or token requests", () => {
    expect(isWriteRequest("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments")).toBe(true);
    expect(isWriteRequest("PATCH", "/repos/o/r/check-runs/1")).toBe(true);
    expect(isWriteRequest("PUT", "/repos/o/r/contents/a")).toBe(true);
    expect(isWriteRequest("DELETE", "/repos/o/r/git/refs/heads/x")).toBe(true);
    expect(isWriteRequest("POST", "/graphql")).toBe(true);
    expect(isWriteRequest("GET", "/repos/o/r")).toBe(false);
    expect(isWriteRequest("HEAD", "/repos/o/r")).toBe(false);
    expect(isWriteRequest("POST", "/app/installations/{installation_id}/access_tokens")).toBe(false);
    expect(isWriteRequest("POST", "https://ghe.example.com/api/v3/app/installations/4/access_tokens")).toBe(false);
  });
});
