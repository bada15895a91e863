import { goalFigure, infoFigure, ratioOf, round } from "./lib/app-harness.js";
import type { BenchmarkFigure } from "./lib/figure.js";
import { runManyRunsBenchmark, type ManyRunsOptions, type ManyRunsResult } from "./many-runs.js";

/**
 * What a runner process per run costs: the many-runs workload (`runs` deliveries at once,
 * each a full run against the scripted model and the fake GitHub) with the `local` executor
 * (the baseline, first) and then with the `process` executor (ours), each against a fresh
 * app, fresh remotes and a fresh database, in this one process.
 *
 * With `process`, every run also starts a Node process (the compiled `hamster runner`), which
 * loads the runner, fetches its job and a source bundle, clones it, sends its events over
 * HTTP and returns its work as a bundle that the app checks and applies. That is work the
 * local executor does not do, and on 2 cores 50 runs at once are bound by the CPU, so the
 * wall time grows with it. The goal is that it at most doubles (ratio ≤ 2): a run here is
 * short (four model calls of 200 ms and a few git commands, under half a second of CPU), so
 * a process start per run may cost as much again as the run, not more. In real runs, which
 * wait minutes on the model, the same fixed cost is lost in the noise. The CPU time of the
 * app and of every process it started (runners and git included) is reported beside it, to
 * show where the difference goes.
 *
 * The peak RSS is this process's (the app, with the fake servers): the runners' memory is
 * their own and not in it.
 */

export type ExecutorsBenchOptions = Omit<ManyRunsOptions, "executor" | "concurrency">;

export interface ExecutorsBenchResult {
  readonly local: ManyRunsResult;
  readonly process: ManyRunsResult;
  /** process ÷ local; null when the local runs took no time. */
  readonly wallTimeRatio: number | null;
}

export const WALL_TIME_RATIO_GOAL = 2;

export async function runExecutorsBenchmark(options: ExecutorsBenchOptions = {}): Promise<ExecutorsBenchResult> {
  // Longer than many-runs' own default: 50 runner processes start on 2 cores.
  const shared = { runs: 50, timeoutMs: 300_000, ...options };
  const local = await runManyRunsBenchmark({ ...shared, executor: "local" });
  const inRunners = await runManyRunsBenchmark({ ...shared, executor: "process" });
  return { local, process: inRunners, wallTimeRatio: ratioOf(inRunners.load.wallTimeMs, local.load.wallTimeMs) };
}

export function executorsFigures(result: ExecutorsBenchResult): BenchmarkFigure[] {
  const { local, process: inRunners } = result;
  const runs = inRunners.config.runs;
  const ratio = result.wallTimeRatio;
  const wallTime = (r: ManyRunsResult) => round(r.load.wallTimeMs / 1000, 1);
  const cpu = (r: ManyRunsResult) => (r.load.cpuMs === null ? null : round(r.load.cpuMs / 1000, 1));
  const [cpuOurs, cpuBaseline] = [cpu(inRunners), cpu(local)];
  return [
    goalFigure("wall time, all runs (s)", wallTime(inRunners), wallTime(local), `ratio ≤ ${WALL_TIME_RATIO_GOAL}`, ratio !== null && ratio <= WALL_TIME_RATIO_GOAL, ratio),
    goalFigure(`runs succeeded (of ${runs})`, inRunners.succeeded, local.succeeded, `= ${runs}`, inRunners.succeeded === runs && local.succeeded === runs),
    // Both executors must lose nothing, or the wall times compare different work.
    // `lost` counts the stuck runs too (still active when the time ran out).
    goalFigure("runs lost or stuck", inRunners.lost, local.lost, "= 0 (both)", inRunners.lost === 0 && local.lost === 0 && inRunners.stuck === 0 && local.stuck === 0, null),
    infoFigure("runner processes (jobs fetched)", inRunners.runnerJobs, local.runnerJobs),
    // Where the extra wall time goes on a machine with few cores: CPU, the runners' included.
    ...(cpuOurs === null || cpuBaseline === null ? [] : [infoFigure("CPU time, app and child processes (s)", cpuOurs, cpuBaseline)]),
    infoFigure("median run (ms)", inRunners.load.medianRunMs, local.load.medianRunMs),
    infoFigure("slowest run (ms)", inRunners.load.slowestRunMs, local.load.slowestRunMs),
    infoFigure("app's peak RSS (MB)", inRunners.load.peakRssMb, local.load.peakRssMb),
    infoFigure("app's event-loop delay p99 (ms)", inRunners.load.eventLoopP99Ms, local.load.eventLoopP99Ms),
  ];
}
