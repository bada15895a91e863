import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "probot";
import pino from "pino";
import { parseSettings } from "../src/config/env.js";
import type { ConsoleDeps } from "../src/console/console-deps.js";
import type { ConsoleContext, ConsoleRoute } from "../src/console/console-request.js";
import { compilePattern } from "../src/console/console-handler.js";
import { createLiveRunFeed, FEED_INTERVAL_MS } from "../src/console/live-run-feed.js";
import { createRunPageRoutes } from "../src/console/run-page.js";
import type { RunEvent } from "../src/domain/run-event.js";
import { openDatabase } from "../src/store/database.js";
import { createRedactor } from "../src/security/redactor.js";
import { createInstallationDefaultsStore } from "../src/store/installation-defaults-store.js";
import { createPreferenceStore } from "../src/store/preference-store.js";
import { createRunDiffStore } from "../src/store/run-diff-store.js";
import { createRunEventStore, type RunEventStore } from "../src/store/run-event-store.js";
import { createRunStore, type RunStore } from "../src/store/run-store.js";
import { createVault } from "../src/store/vault.js";
import { goalFigure, infoFigure, median, percentile, round } from "./lib/app-harness.js";
import type { BenchmarkFigure } from "./lib/figure.js";
import { serveOnLoopback } from "./lib/http.js";

/**
 * The console's run page, on the server (the whole route: reading the run and its log, rendering,
 * answering over HTTP on 127.0.0.1), signed-in checks aside:
 * - render: GET /hamster/runs/:id of a finished run with 500 agent turns (each a model call and two
 *   tool calls); baseline: the same page of a run with one turn, in the same process.
 * - live: 100 pages hold the run's event stream open while events are stored one by one; the time
 *   from storing an event to its arrival on each page, p99; baseline: one page open.
 */

export const RENDER_GOAL_MS = 200;
export const LIVE_P99_GOAL_MS = 1_000;

export interface RunPageBenchResult {
  readonly turns: number;
  /** Timed GETs of each page. */
  readonly renders: number;
  readonly events: number;
  readonly pageBytes: number;
  /** Milliseconds per GET of the long run's page: median and slowest of the timed requests. */
  readonly render: { readonly medianMs: number; readonly maxMs: number; readonly baselineMedianMs: number };
  readonly live: {
    readonly pages: number;
    readonly eventsSent: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
    readonly baselineP50Ms: number;
    readonly baselineP99Ms: number;
    /** Events that never reached a page within the wait. */
    readonly lost: number;
  };
  readonly feedIntervalMs: number;
}

export interface RunPageBenchOptions {
  readonly turns?: number;
  readonly renders?: number;
  readonly pages?: number;
  readonly liveEvents?: number;
  /** Time between two stored events. */
  readonly spacingMs?: number;
}

const AT = "2026-11-24T10:00:00.000Z";
const silent = pino({ level: "silent" }) as unknown as Logger;

/** A signed-in viewer who can see every run: the router's work (session, access) is not what is timed. */
function benchContext(url: URL): ConsoleContext {
  return {
    user: { id: 1, login: "bench" },
    csrf: "bench-csrf",
    access: { installationIds: async () => [1], canSeeRepo: async () => true, reachableRepos: async () => [], isInstallationAdmin: async () => false },
    userToken: async () => "",
    url,
    form: new URLSearchParams(),
  };
}

function routeOf(routes: readonly ConsoleRoute[]) {
  const compiled = routes.map((route) => ({ route, ...compilePattern(route.pattern) }));
  return (method: string, path: string) => {
    for (const { route, regex, names } of compiled) {
      const match = route.method === method ? regex.exec(path) : null;
      if (match) return { route, params: Object.fromEntries(names.map((name, i) => [name, match[i + 1]!])) };
    }
    return undefined;
  };
}

function seedRun(runs: RunStore, events: RunEventStore, turns: number, issueNumber: number): number {
  const run = runs.createRun({
    installationId: 1,
    trigger: "label",
    requestedBy: "bench",
    deliveryId: null,
    request: {
      repo: { id: 1, owner: "acme", name: "widgets", cloneUrl: "https://github.example/acme/widgets.git", defaultBranch: "main", htmlUrl: "https://github.example/acme/widgets" },
      issue: { number: issueNumber, title: `A task of ${turns} turns`, body: null, author: "bench", htmlUrl: `https://github.example/acme/widgets/issues/${issueNumber}` },
      baseBranch: "main",
      targetBranch: "main",
      agent: "claude",
      model: "claude-sonnet-4-6",
      instructions: "",
    },
  });
  for (const state of ["preparing", "planning", "implementing", "verifying", "delivering"] as const) runs.transitionRun(run.id, state);
  const log: RunEvent[] = [{ kind: "command", purpose: "setup", command: "npm ci", exitCode: 0, durationMs: 5_000, outputTail: "added 812 packages\n".repeat(20) }];
  for (let turn = 1; turn <= turns; turn++) {
    log.push({
      kind: "model_call",
      turn,
      model: "claude-sonnet-4-6",
      usage: { inputTokens: 1_200, outputTokens: 300, cacheReadTokens: 40_000, cacheWriteTokens: 900 },
      costUsd: 0.021,
      stopReason: "tool_use",
      durationMs: 4_200,
    });
    log.push({ kind: "tool_call", turn, tool: "str_replace_based_edit_tool", summary: `str_replace src/module-${turn}.ts`, outcome: "ok", durationMs: 3 });
    log.push({ kind: "tool_call", turn, tool: "bash", summary: "npm test -- --run src/module.test.ts", outcome: turn % 7 === 0 ? "error" : "ok", detail: "exit code 1", durationMs: 2_400 });
    log.push({ kind: "progress", message: `turn ${turn}: bash — npm test`, agent: { turn, usage: null } });
  }
  log.push({ kind: "command", purpose: "test", command: "npm test", exitCode: 0, durationMs: 9_000, outputTail: "ok\n".repeat(200) });
  for (let from = 0; from < log.length; from += 500) {
    events.appendRunEvents(run.id, 1, log.slice(from, from + 500).map((event, i) => ({ seq: from + i + 1, at: AT, event })));
  }
  runs.updateRun(run.id, {
    plan: Array.from({ length: 12 }, (_, i) => `Step ${i + 1} of the plan`),
    summary: "Changed many modules.",
    turns,
    usage: { inputTokens: 1_200 * turns, outputTokens: 300 * turns, cacheReadTokens: 40_000 * turns, cacheWriteTokens: 900 * turns },
    costUsd: 0.021 * turns,
    report: { criteria: Array.from({ length: 8 }, (_, i) => ({ index: i + 1, criterion: `Criterion ${i + 1}`, status: "met" as const, evidence: { kind: "command" as const, command: "npm test", result: "exit 0" } })) },
    verification: { command: "npm test", passed: true, exitCode: 0, runs: 1, outputTail: "ok\n" },
  });
  runs.transitionRun(run.id, "succeeded");
  return run.id;
}

/** One event stream read as it arrives: each `id:` line noted with the time it came. */
async function openStream(url: string, arrivals: Map<number, number>[], index: number, signal: AbortSignal): Promise<void> {
  const response = await fetch(url, { signal });
  if (response.status !== 200 || !response.body) throw new Error(`The event stream answered ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const seen = (arrivals[index] ??= new Map());
  let opened: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (opened = resolve));
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const at = performance.now();
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.includes("event: run")) opened();
          const id = /^id: (\d+)$/m.exec(block);
          if (id && block.includes("event: tool") && !seen.has(Number(id[1]))) seen.set(Number(id[1]), at);
        }
      }
    } catch {
      // The benchmark aborted the stream.
    }
  })();
  await ready;
}

async function measureLive(
  base: string,
  deps: { runs: RunStore; events: RunEventStore },
  options: { pages: number; liveEvents: number; spacingMs: number; issueNumber: number },
): Promise<{ latencies: number[]; lost: number }> {
  const run = deps.runs.createRun({
    installationId: 1,
    trigger: "label",
    requestedBy: "bench",
    deliveryId: null,
    request: {
      repo: { id: 1, owner: "acme", name: "widgets", cloneUrl: "https://github.example/acme/widgets.git", defaultBranch: "main", htmlUrl: "https://github.example/acme/widgets" },
      issue: { number: options.issueNumber, title: "A live run", body: null, author: "bench", htmlUrl: "https://github.example/acme/widgets/issues/1" },
      baseBranch: "main",
      targetBranch: "main",
      agent: "claude",
      model: "claude-sonnet-4-6",
      instructions: "",
    },
  });
  deps.runs.transitionRun(run.id, "implementing");
  const controller = new AbortController();
  const arrivals: Map<number, number>[] = [];
  try {
    await Promise.all(Array.from({ length: options.pages }, (_, i) => openStream(`${base}/hamster/runs/${run.id}/events`, arrivals, i, controller.signal)));
    const stored = new Map<number, number>();
    for (let i = 1; i <= options.liveEvents; i++) {
      await new Promise((resolve) => setTimeout(resolve, options.spacingMs));
      deps.events.appendRunEvents(run.id, 1, [{ seq: i, at: AT, event: { kind: "tool_call", turn: 1, tool: "bash", summary: `step ${i}`, outcome: "ok" } }]);
      stored.set(deps.events.findLastEventId(), performance.now());
    }
    // Everything has arrived within the goal and more, or is counted lost.
    const deadline = performance.now() + LIVE_P99_GOAL_MS * 5;
    const complete = () => arrivals.every((seen) => seen.size >= stored.size);
    while (!complete() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const latencies: number[] = [];
    let lost = 0;
    for (const seen of arrivals) {
      for (const [id, at] of stored) {
        const arrived = seen.get(id);
        if (arrived === undefined) lost += 1;
        else latencies.push(arrived - at);
      }
    }
    return { latencies, lost };
  } finally {
    controller.abort();
  }
}

export async function runRunPageBenchmark(options: RunPageBenchOptions = {}): Promise<RunPageBenchResult> {
  const turns = options.turns ?? 500;
  const renders = options.renders ?? 20;
  const pages = options.pages ?? 100;
  const liveEvents = options.liveEvents ?? 50;
  const spacingMs = options.spacingMs ?? 50;
  const dataDir = mkdtempSync(join(tmpdir(), "hamster-bench-console-"));
  const db = openDatabase(dataDir);
  const runs = createRunStore(db);
  const events = createRunEventStore(db, { redact: (text) => text });
  const preferences = createPreferenceStore(db);
  const settings = parseSettings({ HAMSTER_DATA_DIR: dataDir });
  const feed = createLiveRunFeed({ events, runs, log: silent });
  const installationDefaults = createInstallationDefaultsStore(db);
  const deps: ConsoleDeps = {
    runs,
    events,
    preferences,
    vault: createVault(db, undefined),
    installationDefaults,
    knownAgents: ["claude"],
    redactor: createRedactor(),
    settings,
    log: silent,
    getOctokit: () => Promise.reject(new Error("no GitHub in this benchmark")),
    diffs: createRunDiffStore(db),
    feed,
    admit: { runs, preferences, installationDefaults, settings, log: silent, knownAgents: ["claude"], enqueue: () => undefined, abort: () => "absent" },
  };
  const find = routeOf(createRunPageRoutes(deps));
  const server = await serveOnLoopback(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://bench.invalid");
    const found = find(request.method ?? "GET", url.pathname);
    if (!found) return false;
    await found.route.handle(benchContext(url), request, response, found.params);
    return true;
  });
  try {
    const longRun = seedRun(runs, events, turns, 1);
    const shortRun = seedRun(runs, events, 1, 2);
    const time = async (runId: number) => {
      const started = performance.now();
      const response = await fetch(`${server.url}/hamster/runs/${runId}`);
      const body = await response.text();
      if (response.status !== 200) throw new Error(`The run page answered ${response.status}`);
      return { ms: performance.now() - started, bytes: Buffer.byteLength(body) };
    };
    // Warm: templates compiled, statements prepared, the JIT at work.
    for (let i = 0; i < 3; i++) {
      await time(longRun);
      await time(shortRun);
    }
    const long: number[] = [];
    const short: number[] = [];
    let pageBytes = 0;
    for (let i = 0; i < renders; i++) {
      const timed = await time(longRun);
      long.push(timed.ms);
      pageBytes = timed.bytes;
      short.push((await time(shortRun)).ms);
    }
    const baseline = await measureLive(server.url, deps, { pages: 1, liveEvents, spacingMs, issueNumber: 3 });
    const ours = await measureLive(server.url, deps, { pages, liveEvents, spacingMs, issueNumber: 4 });
    return {
      turns,
      renders,
      events: turns * 4 + 2,
      pageBytes,
      render: { medianMs: round(median(long)), maxMs: round(Math.max(...long)), baselineMedianMs: round(median(short)) },
      live: {
        pages,
        eventsSent: liveEvents,
        p50Ms: round(percentile(ours.latencies, 50)),
        p99Ms: round(percentile(ours.latencies, 99)),
        maxMs: round(Math.max(0, ...ours.latencies)),
        baselineP50Ms: round(percentile(baseline.latencies, 50)),
        baselineP99Ms: round(percentile(baseline.latencies, 99)),
        lost: ours.lost + baseline.lost,
      },
      feedIntervalMs: FEED_INTERVAL_MS,
    };
  } finally {
    feed.close();
    await server.close();
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function runPageFigures(result: RunPageBenchResult): BenchmarkFigure[] {
  const { render, live } = result;
  return [
    goalFigure(
      `run page of ${result.turns} turns, server render (ms, median)`,
      render.medianMs,
      render.baselineMedianMs,
      `≤ ${RENDER_GOAL_MS} ms`,
      render.medianMs <= RENDER_GOAL_MS,
    ),
    infoFigure(`run page of ${result.turns} turns, server render (ms, slowest of ${result.renders})`, render.maxMs, render.baselineMedianMs),
    goalFigure(
      `event to page, ${live.pages} pages open (ms, p99)`,
      live.p99Ms,
      live.baselineP99Ms,
      `≤ ${LIVE_P99_GOAL_MS} ms, none lost`,
      live.p99Ms <= LIVE_P99_GOAL_MS && live.lost === 0,
    ),
    infoFigure(`event to page, ${live.pages} pages open (ms, p50)`, live.p50Ms, live.baselineP50Ms),
  ];
}
