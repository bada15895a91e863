import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import {
  commentPayload,
  createWorkArea,
  labeledPayload,
  postAll,
  ratioOf,
  round,
  SENDER,
  signDelivery,
  startHamster,
  startScriptedModel,
  within,
} from "./lib/app-harness.js";
import { startFakeGitHubServer } from "./lib/fake-github-server.js";
import type { BenchmarkFigure } from "./run.js";

/**
 * Many runs at once in one process: `runs` signed deliveries sent together over HTTP to
 * the real app with HAMSTER_CONCURRENCY high enough for all of them, each a full run (real
 * git against local file:// bare repositories, the Claude loop against a scripted model
 * that answers each call after `modelDelayMs`, the reporter against the fake GitHub).
 *
 * While they run: the process's RSS sampled every 100 ms and the event-loop delay
 * (perf_hooks.monitorEventLoopDelay). The baseline is the same process idle, with the app
 * loaded and listening, just before the deliveries. Every run must end, succeeded; a run
 * still active when `timeoutMs` is over is stuck (and counts as lost).
 *
 * The fake GitHub and the scripted model run in this process too, so their share of memory
 * and event-loop time is included (it is small next to the app's; see the details).
 */

export interface ManyRunsOptions {
  readonly runs?: number;
  readonly repos?: number;
  readonly modelDelayMs?: number;
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  readonly idleSampleMs?: number;
}

export interface ProcessSample {
  readonly rssMb: number;
  readonly peakRssMb: number;
  readonly peakHeapUsedMb: number;
  readonly eventLoopP50Ms: number;
  readonly eventLoopP99Ms: number;
  readonly eventLoopMaxMs: number;
  readonly samples: number;
}

export interface ManyRunsResult {
  readonly config: { runs: number; repos: number; modelDelayMs: number; concurrency: number; timeoutMs: number; writeMinTimeMs: number };
  readonly idle: ProcessSample;
  readonly load: ProcessSample & { readonly wallTimeMs: number; readonly medianRunMs: number; readonly slowestRunMs: number };
  readonly succeeded: number;
  /** Runs that did not succeed or were never created (stuck ones included). */
  readonly lost: number;
  /** Runs still active when the time ran out. */
  readonly stuck: number;
  readonly states: Record<string, number>;
  readonly failureReasons: Record<string, number>;
  readonly modelCalls: number;
  readonly restCalls: number;
  readonly webhookStatuses: Record<string, number>;
  readonly errorsLogged: number;
}

export const RSS_GOAL_MB = 400;

const MB = 1024 * 1024;

/** Samples memory every 100 ms and the event-loop delay until stopped. */
function startSampling() {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let peakRss = 0;
  let peakHeap = 0;
  let lastRss = 0;
  let samples = 0;
  const sample = () => {
    const m = process.memoryUsage();
    lastRss = m.rss;
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    samples++;
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    stop(): ProcessSample {
      clearInterval(timer);
      sample();
      histogram.disable();
      const ms = (ns: number) => round(ns / 1e6);
      return {
        rssMb: round(lastRss / MB, 1),
        peakRssMb: round(peakRss / MB, 1),
        peakHeapUsedMb: round(peakHeap / MB, 1),
        eventLoopP50Ms: ms(histogram.percentile(50)),
        eventLoopP99Ms: ms(histogram.percentile(99)),
        eventLoopMaxMs: ms(histogram.max),
        samples,
      };
    },
  };
}

export async function runManyRunsBenchmark(options: ManyRunsOptions = {}): Promise<ManyRunsResult> {
  const config = {
    runs: options.runs ?? 50,
    repos: options.repos ?? 5,
    modelDelayMs: options.modelDelayMs ?? 200,
    concurrency: options.concurrency ?? options.runs ?? 50,
    timeoutMs: options.timeoutMs ?? 180_000,
    writeMinTimeMs: 0,
  };
  const github = await startFakeGitHubServer({ secondaryLimit: null, roles: { [SENDER]: "admin" }, branches: ["main"] });
  const model = await startScriptedModel({ delayMs: config.modelDelayMs });
  const area = await createWorkArea("many", config.repos, github.url);
  try {
    const app = await startHamster({
      github,
      modelUrl: model.url,
      dataDir: path.join(area.root, "data"),
      concurrency: config.concurrency,
      writeMinTimeMs: config.writeMinTimeMs,
    });
    try {
      const tasks = Array.from({ length: config.runs }, (_, i) => ({ repo: area.repos[i % area.repos.length]!, issue: i + 1 }));
      const deliveries = tasks.map(({ repo, issue }, i) =>
        i % 2 === 0
          ? signDelivery(`many-${issue}`, "issues", labeledPayload(repo, issue))
          : signDelivery(`many-${issue}`, "issue_comment", commentPayload(repo, issue, 7_000_000 + issue)),
      );

      const idleSampling = startSampling();
      await new Promise((resolve) => setTimeout(resolve, options.idleSampleMs ?? 1_000));
      const idle = idleSampling.stop();

      const loadSampling = startSampling();
      const started = performance.now();
      const responses = await postAll(app.server.url, deliveries, deliveries.length);
      await within(app.hamster.idle(), config.timeoutMs);
      const wallTimeMs = performance.now() - started;
      const load = loadSampling.stop();

      const runs = tasks.flatMap(({ repo, issue }) => app.hamster.runs.listRunsForTask(repo.id, issue));
      const states: Record<string, number> = {};
      for (const run of runs) states[run.state] = (states[run.state] ?? 0) + 1;
      const finals = new Set(["succeeded", "failed", "cancelled", "timed_out"]);
      const failureReasons: Record<string, number> = {};
      for (const run of runs) {
        if (run.state === "succeeded") continue;
        const reason = finals.has(run.state) ? (run.reason ?? "(no reason)").split("\n")[0]!.slice(0, 120) : `still ${run.state}`;
        failureReasons[reason] = (failureReasons[reason] ?? 0) + 1;
      }
      const durations = runs.filter((r) => r.state === "succeeded").map((r) => Date.parse(r.finishedAt ?? r.updatedAt) - Date.parse(r.createdAt)).sort((a, b) => a - b);
      const webhookStatuses: Record<string, number> = {};
      for (const r of responses) webhookStatuses[String(r.status)] = (webhookStatuses[String(r.status)] ?? 0) + 1;
      const succeeded = states["succeeded"] ?? 0;
      return {
        config,
        idle,
        load: {
          ...load,
          wallTimeMs: Math.round(wallTimeMs),
          medianRunMs: durations.length === 0 ? 0 : durations[Math.floor(durations.length / 2)]!,
          slowestRunMs: durations.at(-1) ?? 0,
        },
        succeeded,
        lost: config.runs - succeeded,
        stuck: runs.filter((r) => !finals.has(r.state)).length,
        states,
        failureReasons,
        modelCalls: model.calls(),
        restCalls: github.calls.length,
        webhookStatuses,
        errorsLogged: app.log.errors(),
      };
    } finally {
      await app.close();
    }
  } finally {
    await model.close();
    await github.close();
    await area.cleanup();
  }
}

export function manyRunsFigures(result: ManyRunsResult): BenchmarkFigure[] {
  const { idle, load, config } = result;
  const info = (figure: string, a: number, b: number): BenchmarkFigure => ({ figure, ours: a, baseline: b, ratio: ratioOf(a, b), goal: "—", pass: null, unit: "count" });
  return [
    { figure: "peak RSS (MB)", ours: load.peakRssMb, baseline: idle.rssMb, ratio: ratioOf(load.peakRssMb, idle.rssMb), goal: `< ${RSS_GOAL_MB} MB`, pass: load.peakRssMb < RSS_GOAL_MB, unit: "count" },
    { figure: `runs succeeded (of ${config.runs})`, ours: result.succeeded, baseline: config.runs, ratio: result.succeeded / config.runs, goal: `= ${config.runs}`, pass: result.succeeded === config.runs, unit: "count" },
    { figure: "runs lost or stuck", ours: result.lost, baseline: 0, ratio: null, goal: "= 0", pass: result.lost === 0 && result.stuck === 0, unit: "count" },
    info("event-loop delay p99 (ms)", load.eventLoopP99Ms, idle.eventLoopP99Ms),
    info("event-loop delay max (ms)", load.eventLoopMaxMs, idle.eventLoopMaxMs),
    info("peak heap used (MB)", load.peakHeapUsedMb, idle.peakHeapUsedMb),
    info("wall time, all runs (s)", round(load.wallTimeMs / 1000, 1), round((config.modelDelayMs * 4) / 1000, 1)),
  ];
}
