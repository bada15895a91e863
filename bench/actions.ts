import path from "node:path";
import { DEFAULT_WORKFLOW_PATH } from "../src/domain/actions-workflow.js";
import type { ExecutorName } from "../src/domain/executor-name.js";
import { renderWorkflowTemplate } from "../src/executors/actions/workflow-template.js";
import { DEFAULT_WRITE_MIN_TIME_MS } from "../src/github/write-limiter.js";
import { PROGRESS_INTERVAL_MS } from "../src/reporter/github-host.js";
import { RUNNER_PROTOCOL_PATH } from "../src/runner/protocol.js";
import {
  commentPayload,
  commitToBareRemote,
  countBy,
  createWorkArea,
  INSTALLATION_ID,
  goalFigure,
  infoFigure,
  labeledPayload,
  median,
  postAll,
  postDelivery,
  round,
  runDurationMs,
  SENDER,
  shortReason,
  signDelivery,
  startScriptedModel,
  tallyRuns,
  type BenchRepo,
  type RunTally,
  type SignedDelivery,
} from "./lib/app-harness.js";
import { startAppProcess, type AppProcessReport } from "./lib/app-process.js";
import { buildActionsRoutes, createFakeActions, type FakeActions, type FakeJob } from "./lib/fake-actions.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "./lib/fake-github-server.js";
import type { BenchmarkFigure } from "./lib/figure.js";
import { startOidcIssuer } from "./lib/oidc-issuer.js";
import { RSS_GOAL_MB } from "./many-runs.js";

/**
 * The `actions` executor under load: `runs` deliveries at once to the real app, each a run
 * that the app prepares (branch, draft PR, check run) and dispatches to a fake GitHub Actions
 * with `runners` runners (jobs at once; the rest wait in its queue). Each job runs as on a
 * GitHub-hosted runner (bench/lib/fake-actions.ts): it clones the repository and runs the
 * Hamster workflow's steps with bash; the bootstrap trades the job's OIDC token (from a local
 * issuer) for the run credential, downloads the runner bundle from the app, checks its sha256
 * and runs it, and the runner does the run over the runner protocol, reaching the model
 * (scripted, cheap: it answers after `modelDelayMs`) through the app's gateway.
 *
 * The app runs in a process of its own (bench/lib/app-process.ts), so its CPU time
 * (process.cpuUsage) and peak RSS are its alone: the fake GitHub, the fake Actions, the OIDC
 * issuer and the model are in this process, the jobs (bash, the bootstrap, the runner and
 * their git) in child processes of this one, though on this machine they share its cores with
 * the app, as real runners do not. The app dispatches as many runs as it has worker slots
 * (HAMSTER_CONCURRENCY, at most 64: a run on Actions holds its slot while its job waits); the
 * baseline is the same deliveries with the `local` executor, each run executing in the app's
 * process, `runners` at a time: as many as the fake Actions has runners.
 *
 * Every run must end succeeded; any other end, or none within `timeoutMs`, is a lost run.
 * The app's CPU time per run is judged against the local executor's: a control plane that
 * stays small would spend at most half as much (APP_CPU_RATIO_GOAL).
 *
 * GitHub writes (every request but GET/HEAD and the installation-token request, as the fake
 * GitHub counts them: GitHub does not list which requests create content, so all count) are
 * judged against GitHub's documented secondary limits on content creation, at most 80 a
 * minute and 500 an hour, for the one installation all runs belong to. The app sends them
 * through its write limiter (src/github/write-limiter.ts): one write of an installation at a
 * time, 1 s apart by default, so at most 60 a minute and 3,600 an hour.
 *
 * At 1 s a write, the ~1,000 writes of 100 runs would take a quarter of an hour, so the app's
 * clock is compressed by `timeScale` (20 by default, as in the rate-limit benchmark): writes
 * 50 ms apart, live progress at most every 250 ms (5 s). Write rates are reported in GitHub's
 * time: a second of it is 1/timeScale s here, a minute 3 s, an hour 3 minutes. The jobs are
 * not compressed: in GitHub's time they last `timeScale` times longer than here, nearer to
 * real runs, which wait minutes on the model.
 */

export interface ActionsBenchOptions {
  readonly runs?: number;
  readonly runners?: number;
  readonly repos?: number;
  readonly modelDelayMs?: number;
  /** How much faster than GitHub's the app's write spacing and progress interval run; default 20. */
  readonly timeScale?: number;
  /** Per variant, from the deliveries to the last run's end. */
  readonly timeoutMs?: number;
  readonly idleSampleMs?: number;
}

/** GitHub's documented limits on content-creating requests (secondary rate limits). */
export const GITHUB_CONTENT_LIMITS = { perMinute: 80, perHour: 500 } as const;

/** Goal: the control plane stays small — the app's own CPU time per run on Actions at most half of running it locally. */
export const APP_CPU_RATIO_GOAL = 0.5;

export const DEFAULT_TIME_SCALE = 20;

/**
 * HAMSTER_CONCURRENCY's maximum (src/config/env.ts). A run on Actions holds its worker slot
 * while its job waits for a runner, so at most this many are dispatched at once; the others
 * wait in the app's queue for a slot.
 */
export const MAX_APP_CONCURRENCY = 64;

/** The installation's writes, in GitHub's time (the bench's × timeScale). */
export interface WriteFigures {
  readonly total: number;
  readonly perRun: number;
  /** The most writes in any second, minute and hour of GitHub's time. */
  readonly peakPerSecond: number;
  readonly peakPerMinute: number;
  readonly peakPerHour: number;
  /** Writes ÷ the runs' wall time in GitHub's time, per second. */
  readonly meanPerSecond: number;
  readonly byEndpoint: Record<string, number>;
}

export interface ActionsVariant extends RunTally {
  readonly executor: ExecutorName;
  readonly concurrency: number;
  readonly wallTimeMs: number;
  /** Runs still active when the time ran out (they count as lost too). */
  readonly stuck: number;
  readonly app: {
    readonly cpuMs: number;
    readonly cpuMsPerRun: number;
    readonly treeCpuMs: number | null;
    readonly treeCpuMsPerRun: number | null;
    readonly peakRssMb: number;
    readonly idleRssMb: number;
    readonly eventLoopP99Ms: number;
    readonly errorsLogged: number;
  };
  readonly writes: WriteFigures;
  readonly restCalls: number;
  readonly modelCalls: number;
  readonly medianRunMs: number;
  readonly slowestRunMs: number;
  /** Requests to the app's own endpoints (exchange, runner protocol, gateway), by "METHOD path". */
  readonly appRequests: Record<string, number>;
  /** The fake Actions' side; null for `local`. */
  readonly jobs: {
    readonly dispatched: number;
    /** The most workflow runs dispatched and not yet completed (queued or running) at once. */
    readonly peakOpen: number;
    readonly peakRunning: number;
    readonly conclusions: Record<string, number>;
    /** From dispatch to a runner taking the job. */
    readonly medianQueueMs: number;
    readonly slowestQueueMs: number;
    /** From a runner taking the job to its end. */
    readonly medianJobMs: number;
    /** From the run's creation to its dispatch (preparing: mirror, branch, draft PR, check run). */
    readonly medianBeforeDispatchMs: number;
    /** From the job's end to the run's (delivering: the work bundle checked and pushed, the PR and check run updated). */
    readonly medianAfterJobMs: number;
    /** The end of the log of the first few jobs that did not succeed, to see why. */
    readonly failedJobLogs: string[];
  } | null;
}

export interface ActionsBenchResult {
  readonly config: {
    runs: number;
    runners: number;
    repos: number;
    modelDelayMs: number;
    timeScale: number;
    /** HAMSTER_CONCURRENCY of each variant. */
    concurrency: { local: number; actions: number };
    writeMinTimeMs: number;
    progressIntervalMs: number;
    timeoutMs: number;
  };
  /** What the app's write limiter lets one installation send at most, at its default spacing. */
  readonly limiter: { readonly minTimeMs: number; readonly perMinute: number; readonly perHour: number };
  readonly local: ActionsVariant;
  readonly actions: ActionsVariant;
  /** actions ÷ local, of the app's own CPU time per run; null when local took none. */
  readonly appCpuRatio: number | null;
}

export async function runActionsBenchmark(options: ActionsBenchOptions = {}): Promise<ActionsBenchResult> {
  const timeScale = options.timeScale ?? DEFAULT_TIME_SCALE;
  const runs = options.runs ?? 100;
  const runners = options.runners ?? 20;
  const config = {
    runs,
    runners,
    repos: options.repos ?? 5,
    modelDelayMs: options.modelDelayMs ?? 50,
    timeScale,
    concurrency: { local: runners, actions: Math.min(runs, MAX_APP_CONCURRENCY) },
    writeMinTimeMs: DEFAULT_WRITE_MIN_TIME_MS / timeScale,
    progressIntervalMs: PROGRESS_INTERVAL_MS / timeScale,
    timeoutMs: options.timeoutMs ?? 600_000,
  };
  const idleSampleMs = options.idleSampleMs ?? 1_000;
  const local = await runVariant("local", config, idleSampleMs);
  const actions = await runVariant("actions", config, idleSampleMs);
  const perMinute = Math.floor(60_000 / DEFAULT_WRITE_MIN_TIME_MS);
  return {
    config,
    limiter: { minTimeMs: DEFAULT_WRITE_MIN_TIME_MS, perMinute, perHour: perMinute * 60 },
    local,
    actions,
    appCpuRatio: local.app.cpuMsPerRun === 0 ? null : actions.app.cpuMsPerRun / local.app.cpuMsPerRun,
  };
}

type Config = ActionsBenchResult["config"];

async function runVariant(executor: "local" | "actions", config: Config, idleSampleMs: number): Promise<ActionsVariant> {
  const issuer = executor === "actions" ? await startOidcIssuer() : undefined;
  const github = await startFakeGitHubServer({ secondaryLimit: null, roles: { [SENDER]: "admin" }, branches: ["main"] });
  const model = await startScriptedModel({ delayMs: config.modelDelayMs });
  const area = await createWorkArea(`actions-${executor}`, config.repos, github.url);
  // Set once the app listens: the fake Actions sends its workflow_run webhooks there.
  let webhookUrl: string | undefined;
  let webhooks = 0;
  const actions = issuer
    ? createFakeActions({
        repos: area.repos.map((repo) => ({ owner: repo.owner, repo: repo.name, repoId: repo.id, installationId: INSTALLATION_ID, remoteUrl: repo.cloneUrl })),
        issuer,
        receive: async (name, payload) => {
          const answer = await postDelivery(webhookUrl!, signDelivery(`actions-webhook-${++webhooks}`, name, payload as Record<string, unknown>));
          if (answer.status >= 300) throw new Error(`The app answered the ${name} webhook with ${answer.status}.`);
        },
        apiBaseUrl: `${github.url}/api/v3`,
        htmlOrigin: github.url,
        runners: config.runners,
      })
    : undefined;
  if (actions) github.serve(buildActionsRoutes(actions));
  try {
    const app = await startAppProcess({
      githubHost: github.host,
      modelUrl: model.url,
      dataDir: path.join(area.root, "data"),
      concurrency: config.concurrency[executor],
      writeMinTimeMs: config.writeMinTimeMs,
      progressIntervalMs: config.progressIntervalMs,
      executor,
      ...(issuer ? { settingsEnv: { HAMSTER_ACTIONS_OIDC_ISSUER: issuer.issuer } } : {}),
    });
    webhookUrl = app.webhookUrl;
    try {
      // Both variants' repositories hold the workflow, so both clone the same content.
      const workflow = renderWorkflowTemplate({ publicUrl: app.publicUrl });
      for (const repo of area.repos) await commitToBareRemote(repo.cloneUrl, { [DEFAULT_WORKFLOW_PATH]: workflow }, "Add the Hamster workflow");
      const tasks = Array.from({ length: config.runs }, (_, i) => ({ repo: area.repos[i % area.repos.length]!, issue: i + 1 }));
      await app.startMeasuring(idleSampleMs);
      const started = performance.now();
      await postAll(app.webhookUrl, buildDeliveries(tasks), tasks.length);
      const report = await app.finish({ timeoutMs: config.timeoutMs, tasks: tasks.map(({ repo, issue }) => ({ repoId: repo.id, issue })) });
      const wallTimeMs = performance.now() - started;
      await actions?.idle(30_000);
      return summarize(executor, config, { report, github, wallTimeMs, modelCalls: model.calls(), actions });
    } finally {
      await actions?.close();
      await app.close();
    }
  } finally {
    await Promise.all([model.close(), github.close(), issuer?.close()]);
    await area.cleanup();
  }
}

/** Half the tasks by label, half by `/deliver` comment, as in the many-runs benchmark. */
function buildDeliveries(tasks: readonly { repo: BenchRepo; issue: number }[]): SignedDelivery[] {
  return tasks.map(({ repo, issue }, i) =>
    i % 2 === 0
      ? signDelivery(`actions-${issue}`, "issues", labeledPayload(repo, issue))
      : signDelivery(`actions-${issue}`, "issue_comment", commentPayload(repo, issue, 8_000_000 + issue)),
  );
}

function summarize(
  executor: "local" | "actions",
  config: Config,
  measured: { report: AppProcessReport; github: FakeGitHubServer; wallTimeMs: number; modelCalls: number; actions: FakeActions | undefined },
): ActionsVariant {
  const { report, github, wallTimeMs, actions } = measured;
  const finals = new Set(["succeeded", "failed", "cancelled", "timed_out"]);
  const tally = tallyRuns(report.runs, config.runs, (run) => (finals.has(run.state) ? shortReason(run) : `still ${run.state}`));
  const durations = report.runs.filter((run) => run.state === "succeeded").map(runDurationMs);
  // Nothing called the fake GitHub before the deliveries: the workflow went to the remotes with git.
  const calls = github.calls;
  const writes = calls.filter((call) => call.write);
  const perRun = (n: number) => round(n / config.runs);
  // A second of GitHub's time is 1/timeScale s of this benchmark's.
  const githubSecond = 1_000 / config.timeScale;
  const jobs = actions?.jobs ?? [];
  const queueMs = jobs.filter((job) => job.times.started !== null).map((job) => job.times.started! - job.times.dispatched);
  const jobMs = jobs.filter((job) => job.times.completed !== null && job.times.started !== null).map((job) => job.times.completed! - job.times.started!);
  // The jobs' clock is this process's performance.now(); the runs' is the wall clock.
  const epochOf = (at: number) => performance.timeOrigin + at;
  const runOf = (job: FakeJob) => report.runs.find((run) => String(run.id) === job.inputs["hamster_run"]);
  const beforeDispatchMs = jobs.flatMap((job) => {
    const run = runOf(job);
    return run ? [epochOf(job.times.dispatched) - Date.parse(run.createdAt)] : [];
  });
  const afterJobMs = jobs.flatMap((job) => {
    const run = runOf(job);
    return run?.finishedAt && job.times.completed !== null ? [Date.parse(run.finishedAt) - epochOf(job.times.completed)] : [];
  });
  return {
    executor,
    concurrency: config.concurrency[executor],
    ...tally,
    wallTimeMs: Math.round(wallTimeMs),
    stuck: report.runs.filter((run) => !finals.has(run.state)).length,
    app: {
      cpuMs: report.cpuMs,
      cpuMsPerRun: perRun(report.cpuMs),
      treeCpuMs: report.treeCpuMs,
      treeCpuMsPerRun: report.treeCpuMs === null ? null : perRun(report.treeCpuMs),
      peakRssMb: report.load.peakRssMb,
      idleRssMb: report.idleSample.rssMb,
      eventLoopP99Ms: report.load.eventLoopP99Ms,
      errorsLogged: report.errorsLogged,
    },
    writes: {
      total: writes.length,
      perRun: perRun(writes.length),
      peakPerSecond: github.peakWrites(githubSecond),
      peakPerMinute: github.peakWrites(60 * githubSecond),
      peakPerHour: github.peakWrites(3_600 * githubSecond),
      meanPerSecond: round(writes.length / Math.max(0.001, wallTimeMs / githubSecond), 2),
      byEndpoint: countBy(writes, (call) => call.endpoint),
    },
    restCalls: calls.length,
    modelCalls: measured.modelCalls,
    medianRunMs: median(durations),
    slowestRunMs: Math.max(0, ...durations),
    appRequests: report.appRequests,
    jobs: actions
      ? {
          dispatched: jobs.length,
          peakOpen: countPeakOverlap(jobs.map((job) => [job.times.dispatched, job.times.completed ?? Infinity])),
          peakRunning: actions.peakRunning(),
          conclusions: countBy(jobs, (job) => job.conclusion ?? job.status),
          medianQueueMs: Math.round(median(queueMs)),
          slowestQueueMs: Math.round(Math.max(0, ...queueMs)),
          medianJobMs: Math.round(median(jobMs)),
          medianBeforeDispatchMs: Math.round(median(beforeDispatchMs)),
          medianAfterJobMs: Math.round(median(afterJobMs)),
          failedJobLogs: jobs
            .filter((job) => job.conclusion !== "success")
            .slice(0, 3)
            .map((job) => `${job.displayTitle} (${job.conclusion ?? job.status}): ${job.log.slice(-1_000)}`),
        }
      : null,
  };
}

/** The most intervals [start, end) that hold at one instant. */
function countPeakOverlap(intervals: readonly (readonly [number, number])[]): number {
  // Ends sort before starts at the same instant: a job that ends as another is dispatched is not open with it.
  const edges = intervals.flatMap(([start, end]) => [[start, 1] as const, [end, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, step] of edges) peak = Math.max(peak, (open += step));
  return peak;
}

export function actionsFigures(result: ActionsBenchResult): BenchmarkFigure[] {
  const { actions: ours, local, config, limiter } = result;
  const runs = config.runs;
  const ratio = result.appCpuRatio;
  const { perMinute, perHour } = GITHUB_CONTENT_LIMITS;
  const runnerDownloads = ours.appRequests[`GET ${RUNNER_PROTOCOL_PATH}runner.mjs`] ?? 0;
  return [
    goalFigure(`runs succeeded (of ${runs})`, ours.succeeded, local.succeeded, `= ${runs}`, ours.succeeded === runs, ours.succeeded / runs),
    // Lost: any end but succeeded, or no end at all within the time.
    goalFigure("runs lost (any other end, or none)", ours.lost, local.lost, "= 0", ours.lost === 0 && ours.stuck === 0, null),
    // The app dispatches as many as it has worker slots for (HAMSTER_CONCURRENCY, at most 64); the baseline column is the runs.
    infoFigure(`workflow runs dispatched at once, peak (HAMSTER_CONCURRENCY ${config.concurrency.actions})`, ours.jobs?.peakOpen ?? 0, runs),
    infoFigure(`jobs running at once, peak (of ${config.runners} runners)`, ours.jobs?.peakRunning ?? 0, config.runners),
    infoFigure("runner bundles downloaded (one per job)", runnerDownloads, ours.jobs?.dispatched ?? 0),
    goalFigure("app's peak RSS (MB)", ours.app.peakRssMb, local.app.peakRssMb, `< ${RSS_GOAL_MB} MB`, ours.app.peakRssMb < RSS_GOAL_MB),
    goalFigure("app's CPU time per run (ms, its process only)", ours.app.cpuMsPerRun, local.app.cpuMsPerRun, `ratio ≤ ${APP_CPU_RATIO_GOAL}`, ratio !== null && ratio <= APP_CPU_RATIO_GOAL, ratio),
    ...(ours.app.treeCpuMsPerRun === null || local.app.treeCpuMsPerRun === null
      ? []
      : [infoFigure("app's CPU time per run, with its git and sandbox processes (ms)", ours.app.treeCpuMsPerRun, local.app.treeCpuMsPerRun)]),
    // What the limiter allows one installation, against GitHub's limit (the baseline column).
    goalFigure(`writes a minute the app's limiter allows (${limiter.minTimeMs} ms apart)`, limiter.perMinute, perMinute, `≤ ${perMinute}`, limiter.perMinute <= perMinute),
    infoFigure(`writes an hour the app's limiter allows (GitHub: ${perHour})`, limiter.perHour, perHour),
    // Writes in GitHub's time (see timeScale).
    infoFigure("GitHub writes in any 1 s, peak", ours.writes.peakPerSecond, local.writes.peakPerSecond),
    infoFigure("GitHub writes per second, mean over the runs", ours.writes.meanPerSecond, local.writes.meanPerSecond),
    goalFigure("GitHub writes in any minute, peak", ours.writes.peakPerMinute, local.writes.peakPerMinute, `≤ ${perMinute}`, ours.writes.peakPerMinute <= perMinute),
    goalFigure("GitHub writes in any hour, peak", ours.writes.peakPerHour, local.writes.peakPerHour, `≤ ${perHour}`, ours.writes.peakPerHour <= perHour),
    infoFigure("GitHub writes per run", ours.writes.perRun, local.writes.perRun),
    infoFigure("wall time, all runs (s)", round(ours.wallTimeMs / 1000, 1), round(local.wallTimeMs / 1000, 1)),
    infoFigure("median run (s)", round(ours.medianRunMs / 1000, 1), round(local.medianRunMs / 1000, 1)),
    infoFigure("app's event-loop delay p99 (ms)", ours.app.eventLoopP99Ms, local.app.eventLoopP99Ms),
    infoFigure("app errors logged", ours.app.errorsLogged, local.app.errorsLogged),
  ];
}
