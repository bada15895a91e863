import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ProbotOctokit } from "probot";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { hasStatus, type GitHubClient } from "../../src/github/client.js";
import { createWriteLimiters, isWriteRequest } from "../../src/github/write-limiter.js";

/** Octokit with its own retry and throttling off, so only the limiter shapes the traffic. */
const PlainOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...(options.throttle as object), enabled: false },
}));

const RESPONSE_DELAY_MS = 25;

interface Arrival {
  method: string;
  path: string;
  at: number;
  /** Requests in flight when this one arrived, itself included. */
  inFlight: number;
}

let server: Server;
let baseUrl: string;
let arrivals: Arrival[];
let inFlight = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    inFlight++;
    arrivals.push({ method: req.method ?? "", path: req.url ?? "", at: performance.now(), inFlight });
    req.resume();
    setTimeout(() => {
      inFlight--;
      const missing = req.url?.includes("missing");
      res.writeHead(missing ? 404 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify(missing ? { message: "Not Found" } : { ok: true }));
    }, RESPONSE_DELAY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  arrivals = [];
  sent = [];
  inFlight = 0;
});

/** When each request left the limiter: a hook registered before the limiter's wrap runs inside it. */
let sent: { method: string; at: number }[] = [];

function client(): GitHubClient {
  const octokit = new PlainOctokit({ baseUrl }) as GitHubClient;
  octokit.hook.before("request", (options) => void sent.push({ method: options.method, at: performance.now() }));
  return octokit;
}

const write = (octokit: GitHubClient, n: number) => octokit.request("POST /repos/{owner}/{repo}/issues/{n}/comments", { owner: "o", repo: "r", n, body: "x" });
const read = (octokit: GitHubClient, n: number) => octokit.request("GET /repos/{owner}/{repo}/issues/{n}", { owner: "o", repo: "r", n });

function gaps(list: { at: number }[]): number[] {
  return list.slice(1).map((a, i) => a.at - list[i]!.at);
}

describe("write limiters", () => {
  it("serialises the writes of one installation, across clients, with minTime between them", async () => {
    const limiters = createWriteLimiters({ minTimeMs: 60 });
    const [a, b] = [client(), client()];
    limiters.wrap(a, 1);
    limiters.wrap(b, 1);
    await Promise.all([
      write(a, 1),
      b.request("PATCH /repos/{owner}/{repo}/issues/comments/{id}", { owner: "o", repo: "r", id: 2, body: "x" }),
      write(a, 3),
      b.request("DELETE /repos/{owner}/{repo}/git/refs/{ref}", { owner: "o", repo: "r", ref: "heads/x" }),
      a.graphql("mutation { x }"),
      write(b, 6),
    ]);
    expect(arrivals.map((r) => r.method)).toEqual(["POST", "PATCH", "POST", "DELETE", "POST", "POST"]);
    expect(Math.max(...arrivals.map((r) => r.inFlight))).toBe(1);
    expect(sent).toHaveLength(6);
    // Timers may fire a few ms early on a loaded machine; without the limiter the gaps are ~0.
    for (const gap of gaps(sent)) expect(gap).toBeGreaterThanOrEqual(50);
    expect(limiters.size()).toBe(1);
    await limiters.stop();
  });

  it("lets reads through without waiting for queued writes", async () => {
    const limiters = createWriteLimiters({ minTimeMs: 200 });
    const octokit = client();
    limiters.wrap(octokit, 1);
    const started = performance.now();
    const writes = Promise.all([write(octokit, 1), write(octokit, 2), write(octokit, 3)]);
    await Promise.all([read(octokit, 1), read(octokit, 2), read(octokit, 3)]);
    const readsDone = performance.now() - started;
    await writes;
    expect(readsDone).toBeLessThan(150);
    const gets = arrivals.filter((r) => r.method === "GET");
    expect(gets).toHaveLength(3);
    // The reads ran alongside each other and alongside the first write.
    expect(Math.max(...gets.map((r) => r.inFlight))).toBeGreaterThan(1);
    await limiters.stop();
  });

  it("keeps installations independent of each other", async () => {
    const limiters = createWriteLimiters({ minTimeMs: 100 });
    const [one, two] = [client(), client()];
    limiters.wrap(one, 1);
    limiters.wrap(two, 2);
    const started = performance.now();
    await Promise.all([write(one, 1), write(one, 2), write(one, 3), write(two, 1), write(two, 2), write(two, 3)]);
    const elapsed = performance.now() - started;
    // Two queues of three: ~2 × minTime, not the ~5 × minTime of one shared queue.
    expect(elapsed).toBeLessThan(400);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(Math.max(...arrivals.map((r) => r.inFlight))).toBe(2);
    expect(limiters.size()).toBe(2);
    await limiters.stop();
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
    const started = performance.now();
    await Promise.all([write(octokit, 1), write(octokit, 2), write(octokit, 3)]);
    expect(performance.now() - started).toBeLessThan(400);
    expect(other.size()).toBe(0);
    for (const gap of gaps(sent)) expect(gap).toBeGreaterThanOrEqual(40);
    await Promise.all([limiters.stop(), other.stop()]);
  });

  it("passes errors through unchanged", async () => {
    const limiters = createWriteLimiters({ minTimeMs: 10 });
    const octokit = client();
    limiters.wrap(octokit, 1);
    const error = await octokit.request("POST /missing").catch((e: unknown) => e);
    expect(hasStatus(error, 404)).toBe(true);
    await limiters.stop();
  });

  it("as a plugin, wraps installation clients and leaves app-level ones alone", async () => {
    const limiters = createWriteLimiters({ minTimeMs: 100 });
    const installation = client();
    const appLevel = client();
    limiters.plugin(installation, { auth: { appId: 1, installationId: 9 } });
    limiters.plugin(appLevel, { auth: { appId: 1 } });
    const started = performance.now();
    await Promise.all([write(appLevel, 1), write(appLevel, 2), write(appLevel, 3)]);
    expect(performance.now() - started).toBeLessThan(90);
    expect(limiters.size()).toBe(0);
    await Promise.all([write(installation, 1), write(installation, 2)]);
    expect(limiters.size()).toBe(1);
    await limiters.stop();
  });

  it("disabled, claims clients but queues nothing", async () => {
    const off = createWriteLimiters({ minTimeMs: 1_000, enabled: false });
    const on = createWriteLimiters({ minTimeMs: 1_000 });
    const octokit = client();
    off.wrap(octokit, 1);
    on.wrap(octokit, 1);
    const started = performance.now();
    await Promise.all([write(octokit, 1), write(octokit, 2), write(octokit, 3)]);
    expect(performance.now() - started).toBeLessThan(500);
    expect(on.size() + off.size()).toBe(0);
  });

  it("drops limiters that have been idle, and keeps busy ones", async () => {
    let clock = 0;
    const limiters = createWriteLimiters({ minTimeMs: 0, idleMs: 1_000, now: () => clock });
    const [one, two, three] = [client(), client(), client()];
    limiters.wrap(one, 1);
    limiters.wrap(two, 2);
    limiters.wrap(three, 3);
    await write(one, 1);
    clock = 600;
    await write(two, 1);
    clock = 1_200;
    await write(three, 1);
    // Installation 1 idle 1.2 s: dropped; 2 idle 0.6 s: kept.
    expect(limiters.size()).toBe(2);
    await write(one, 2);
    expect(limiters.size()).toBe(3);
    await limiters.stop();
  });

  it("after stop, finishes what was queued and sends later writes straight away", async () => {
    const limiters = createWriteLimiters({ minTimeMs: 100 });
    const octokit = client();
    limiters.wrap(octokit, 1);
    const queued = Promise.all([write(octokit, 1), write(octokit, 2)]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await limiters.stop();
    await expect(queued).resolves.toHaveLength(2);
    const started = performance.now();
    await Promise.all([write(octokit, 3), write(octokit, 4)]);
    expect(performance.now() - started).toBeLessThan(90);
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
