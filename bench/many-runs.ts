import {
  commentPayload,
  countBy,
  goalFigure,
  infoFigure,
  labeledPayload,
  median,
  postAll,
  round,
  runDurationMs,
  shortReason,
  tallyRuns,
  type RunTally,
  signDelivery,
  within,
  withBenchSetup,
  withHamster,
} from "./lib/app-harness.js";
import { readTreeCpuMs, startSampling, type ProcessSample } from "./lib/process-sampling.js";
import type { BenchmarkFigure } from "./lib/figure.js";
import type { ExecutorName } from "../src/domain/executor-name.js";
import { RUNNER_PROTOCOL_PATH } from "../src/runner/protocol.js";

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
 *
 * `executor` picks where the runs' stages execute (HAMSTER_EXECUTOR, default `local`). With
 * `process`, each run attempt is a runner process of its own, whose memory and CPU are
 * outside these samples; `runnerJobs` counts the jobs runners fetched (one per attempt).
 */

export interface ManyRunsOptions {
  readonly runs?: number;
  readonly repos?: number;
  readonly modelDelayMs?: number;
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  readonly idleSampleMs?: number;
  readonly executor?: ExecutorName;
}

/** Lost runs include the stuck ones; a stuck run's failure reason is `still <state>`. */
export interface ManyRunsResult extends RunTally {
  readonly config: { runs: number; repos: number; modelDelayMs: number; concurrency: number; timeoutMs: number; writeMinTimeMs: number; executor: ExecutorName };
  readonly idle: ProcessSample;
  readonly load: ProcessSample & {
    readonly wallTimeMs: number;
    readonly medianRunMs: number;
    readonly slowestRunMs: number;
    /** CPU time of this process and its ended child processes (git, runners) over the runs; null without /proc. */
    readonly cpuMs: number | null;
  };
  /** Runs still active when the time ran out. */
  readonly stuck: number;
  readonly modelCalls: number;
  readonly restCalls: number;
  readonly webhookStatuses: Record<string, number>;
  readonly errorsLogged: number;
  /** Jobs fetched by runner processes over the runner protocol: one per attempt with `process`, none with `local`. */
  readonly runnerJobs: number;
}

export const RSS_GOAL_MB = 400;

export async function runManyRunsBenchmark(options: ManyRunsOptions = {}): Promise<ManyRunsResult> {
  const config = {
    runs: options.runs ?? 50,
    repos: options.repos ?? 5,
    modelDelayMs: options.modelDelayMs ?? 200,
    concurrency: options.concurrency ?? options.runs ?? 50,
    timeoutMs: options.timeoutMs ?? 180_000,
    writeMinTimeMs: 0,
    executor: options.executor ?? "local",
  };
  return withBenchSetup({ prefix: `many-${config.executor}`, repos: config.repos, model: { delayMs: config.modelDelayMs } }, (setup) => {
    const { github, model, area } = setup;
    const appOptions = { concurrency: config.concurrency, writeMinTimeMs: config.writeMinTimeMs, executor: config.executor };
    return withHamster(setup, appOptions, async (app) => {
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
      const cpuBefore = readTreeCpuMs();
      const responses = await postAll(app.server.url, deliveries, deliveries.length);
      await within(app.hamster.idle(), config.timeoutMs);
      const wallTimeMs = performance.now() - started;
      const cpuAfter = readTreeCpuMs();
      const load = loadSampling.stop();

      const runs = tasks.flatMap(({ repo, issue }) => app.hamster.runs.listRunsForTask(repo.id, issue));
      const finals = new Set(["succeeded", "failed", "cancelled", "timed_out"]);
      const tally = tallyRuns(runs, config.runs, (run) => (finals.has(run.state) ? shortReason(run) : `still ${run.state}`));
      const durations = runs.filter((r) => r.state === "succeeded").map(runDurationMs);
      const webhookStatuses = countBy(responses, (r) => String(r.status));
      return {
        config,
        idle,
        load: {
          ...load,
          wallTimeMs: Math.round(wallTimeMs),
          medianRunMs: median(durations),
          slowestRunMs: Math.max(0, ...durations),
          cpuMs: cpuBefore === null || cpuAfter === null ? null : Math.round(cpuAfter - cpuBefore),
        },
        ...tally,
        stuck: runs.filter((r) => !finals.has(r.state)).length,
        modelCalls: model.calls(),
        restCalls: github.calls.length,
        webhookStatuses,
        errorsLogged: app.log.errors(),
        runnerJobs: app.server.appRequests()[`GET ${RUNNER_PROTOCOL_PATH}job`] ?? 0,
      };
    });
  });
}

export function manyRunsFigures(result: ManyRunsResult): BenchmarkFigure[] {
  const { idle, load, config } = result;
  return [
    goalFigure("peak RSS (MB)", load.peakRssMb, idle.rssMb, `< ${RSS_GOAL_MB} MB`, load.peakRssMb < RSS_GOAL_MB),
    goalFigure(`runs succeeded (of ${config.runs})`, result.succeeded, config.runs, `= ${config.runs}`, result.succeeded === config.runs, result.succeeded / config.runs),
    goalFigure("runs lost or stuck", result.lost, 0, "= 0", result.lost === 0 && result.stuck === 0, null),
    infoFigure("event-loop delay p99 (ms)", load.eventLoopP99Ms, idle.eventLoopP99Ms),
    infoFigure("event-loop delay max (ms)", load.eventLoopMaxMs, idle.eventLoopMaxMs),
    infoFigure("peak heap used (MB)", load.peakHeapUsedMb, idle.peakHeapUsedMb),
    infoFigure("wall time, all runs (s)", round(load.wallTimeMs / 1000, 1), round((config.modelDelayMs * 4) / 1000, 1)),
  ];
}
