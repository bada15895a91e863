import path from "node:path";
import { createProbot, type Probot } from "probot";
import { parseSettings } from "../src/config/env.js";
import { createWriteLimiters } from "../src/github/write-limiter.js";
import { createHamsterApp } from "../src/index.js";
import type { HttpHandler } from "../src/server/route-table.js";
import {
  BenchOctokit,
  createBenchLog,
  createWorkArea,
  getBenchPrivateKey,
  goalFigure,
  infoFigure,
  labeledPayload,
  median,
  replyToRun,
  round,
  runDurationMs,
  SENDER,
  tallyRuns,
  type RunTally,
  WEBHOOK_SECRET,
} from "./lib/app-harness.js";
import { startFakeAnthropicServer } from "./lib/fake-anthropic-server.js";
import { serveOnLoopback } from "./lib/http.js";
import { startFakeGitHubServer, type FakeGitHubServer, type SecondaryRateLimitRule } from "./lib/fake-github-server.js";
import type { BenchmarkFigure } from "./lib/figure.js";

/**
 * GitHub secondary rate limits under load: the real app (Probot, intake, worker, reporter,
 * real git against a local bare repository, the Claude loop against a scripted model)
 * handles twenty `issues.labeled` webhooks of one installation at once, against a fake
 * GitHub that refuses bursts of content-creating requests the way GitHub does. Ours routes
 * the installation's writes through the write limiter; the baseline is the same app
 * without it, in the same process.
 *
 * Time is compressed by TIME_SCALE so the benchmark takes seconds, not minutes:
 * - the limiter spaces writes 50 ms apart (GitHub's advice: 1 s);
 * - the fake GitHub refuses a write when the installation already had 25 accepted writes in
 *   the last second (GitHub documents at most 80 content-creating requests a minute; 80 per
 *   60 s / 20 ≈ 27 per second). 50 ms spacing allows 20 a second, so the limited app stays
 *   under it with margin; twenty runs started together make ~20 writes each in a few seconds,
 *   so the app without the limiter goes well over it;
 * - live progress reaches the check run at most every 250 ms (the app's default: 5 s).
 *
 * Octokit's own throttling and retry plugins are off in both variants (as in the tests):
 * with them on, plugin-throttling spaces an installation's writes 1 s apart in real time,
 * which would make twenty runs take minutes, and Probot's default secondary-limit handler
 * does not retry anyway. So a refused write is an error the app sees, in both variants.
 */

export const TIME_SCALE = 20;

export interface GitHubRateLimitOptions {
  readonly runs?: number;
  readonly concurrency?: number;
  readonly minTimeMs?: number;
  readonly rule?: SecondaryRateLimitRule;
  readonly progressIntervalMs?: number;
}

/** One variant's runs; a failure reason is the first line of the run's reason, at most 120 characters. */
export interface VariantFigures extends RunTally {
  readonly runs: number;
  /** Writes the fake GitHub refused with the secondary-rate-limit 403. */
  readonly secondaryLimitHits: number;
  /** Error-level lines the app logged. */
  readonly errorsLogged: number;
  readonly restCalls: number;
  readonly restCallsPerRun: number;
  readonly writesPerRun: number;
  readonly byEndpointPerRun: Record<string, number>;
  readonly checkRunUpdatesPerRun: number;
  /** Check-run updates of a run divided by its duration in minutes (bench clock), averaged over runs. */
  readonly checkRunUpdatesPerRunPerMinute: number;
  readonly statusCommentEditsPerRun: number;
  /** The most write requests the installation sent in any 1 s. */
  readonly peakWritesPerSecond: number;
  readonly wallTimeMs: number;
  readonly medianRunMs: number;
}

export interface GitHubRateLimitResult {
  readonly config: {
    readonly runs: number;
    readonly concurrency: number;
    readonly minTimeMs: number;
    readonly rule: SecondaryRateLimitRule;
    readonly progressIntervalMs: number;
    readonly timeScale: number;
  };
  readonly ours: VariantFigures;
  readonly baseline: VariantFigures;
}

export async function runGitHubRateLimitBenchmark(options: GitHubRateLimitOptions = {}): Promise<GitHubRateLimitResult> {
  const config = {
    runs: options.runs ?? 20,
    concurrency: options.concurrency ?? 20,
    minTimeMs: options.minTimeMs ?? 1_000 / TIME_SCALE,
    rule: options.rule ?? { maxWrites: 25, windowMs: 1_000, retryAfterSeconds: 1 },
    progressIntervalMs: options.progressIntervalMs ?? 5_000 / TIME_SCALE,
    timeScale: TIME_SCALE,
  };
  const ours = await runVariant(true, config);
  const baseline = await runVariant(false, config);
  return { config, ours, baseline };
}

async function runVariant(limited: boolean, config: GitHubRateLimitResult["config"]): Promise<VariantFigures> {
  const github = await startFakeGitHubServer({ secondaryLimit: config.rule, roles: { [SENDER]: "admin" }, branches: ["main"] });
  const model = await startFakeAnthropicServer({ replies: (request) => replyToRun(request) });
  const area = await createWorkArea("ratelimit", 1, github.url);
  const repo = area.repos[0]!;
  // Disabled, the limiter set still claims each client, so no limiter the app may install itself applies.
  const limiters = createWriteLimiters({ minTimeMs: config.minTimeMs, enabled: limited });
  const log = createBenchLog();
  let handler: HttpHandler | undefined;
  const served = await serveOnLoopback((request, response) => handler?.(request, response) ?? false);
  const hamster = createHamsterApp({
    settings: parseSettings({
      HAMSTER_DATA_DIR: path.join(area.root, "data"),
      HAMSTER_CONCURRENCY: String(config.concurrency),
      ANTHROPIC_API_KEY: "bench-not-a-real-key",
      ANTHROPIC_BASE_URL: model.url,
      HAMSTER_PUBLIC_URL: served.url,
    }),
    env: { PATH: "" },
    progressIntervalMs: config.progressIntervalMs,
  });
  handler = hamster.httpHandler;
  try {
    const probot = createProbot({
      env: { APP_ID: "1", PRIVATE_KEY: getBenchPrivateKey(), WEBHOOK_SECRET, GHE_HOST: github.host, GHE_PROTOCOL: "http" },
      overrides: { Octokit: BenchOctokit.plugin(limiters.plugin), log: log.log },
    });
    await probot.load(hamster.appFn);
    await hamster.idle();

    const issues = Array.from({ length: config.runs }, (_, i) => i + 1);
    const started = performance.now();
    await Promise.all(
      issues.map((n) =>
        probot.receive({ id: `bench-${limited ? "ours" : "baseline"}-${n}`, name: "issues", payload: labeledPayload(repo, n) } as Parameters<Probot["receive"]>[0]),
      ),
    );
    await hamster.idle();
    const wallTimeMs = performance.now() - started;
    return summarize(github, hamster.runs, repo.id, issues, wallTimeMs, log.errors());
  } finally {
    await hamster.close();
    await served.close();
    await limiters.stop();
    await Promise.all([github.close(), model.close()]);
    await area.cleanup();
  }
}

function summarize(
  github: FakeGitHubServer,
  runStore: ReturnType<typeof createHamsterApp>["runs"],
  repoId: number,
  issues: readonly number[],
  wallTimeMs: number,
  errorsLogged: number,
): VariantFigures {
  const runs = issues.flatMap((n) => runStore.listRunsForTask(repoId, n));
  const count = issues.length;
  const perRun = (n: number) => round(n / count);
  const byEndpointPerRun = Object.fromEntries(
    Object.entries(github.countByEndpoint())
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([endpoint, n]) => [endpoint, perRun(n)]),
  );
  const durations = runs.map((run) => Math.max(1, runDurationMs(run)));
  const updatesOf = (runId: number) => github.checkRuns.filter((c) => c.externalId === String(runId)).reduce((sum, c) => sum + c.updates, 0);
  const ratePerMinute = runs.map((run, i) => updatesOf(run.id) / (durations[i]! / 60_000));
  return {
    runs: count,
    ...tallyRuns(runs, count),
    secondaryLimitHits: github.secondaryLimitHits(),
    errorsLogged,
    restCalls: github.calls.length,
    restCallsPerRun: perRun(github.calls.length),
    writesPerRun: perRun(github.calls.filter((c) => c.write).length),
    byEndpointPerRun,
    checkRunUpdatesPerRun: perRun(github.checkRuns.reduce((sum, c) => sum + c.updates, 0)),
    checkRunUpdatesPerRunPerMinute: round(ratePerMinute.reduce((a, b) => a + b, 0) / Math.max(1, ratePerMinute.length)),
    statusCommentEditsPerRun: perRun(github.comments.reduce((sum, c) => sum + c.edits, 0)),
    peakWritesPerSecond: github.peakWrites(1_000),
    wallTimeMs: Math.round(wallTimeMs),
    medianRunMs: median(durations),
  };
}

export function githubRateLimitFigures(result: GitHubRateLimitResult): BenchmarkFigure[] {
  const { ours, baseline, config } = result;
  return [
    goalFigure(`runs succeeded (of ${config.runs})`, ours.succeeded, baseline.succeeded, `= ${config.runs}`, ours.succeeded === config.runs),
    goalFigure("runs lost", ours.lost, baseline.lost, "= 0", ours.lost === 0, null),
    goalFigure("secondary-rate-limit errors", ours.secondaryLimitHits, baseline.secondaryLimitHits, "= 0", ours.secondaryLimitHits === 0),
    goalFigure("peak writes in any 1 s", ours.peakWritesPerSecond, baseline.peakWritesPerSecond, `≤ ${config.rule.maxWrites}`, ours.peakWritesPerSecond <= config.rule.maxWrites),
    infoFigure("REST calls per run", ours.restCallsPerRun, baseline.restCallsPerRun),
    infoFigure("writes per run", ours.writesPerRun, baseline.writesPerRun),
    infoFigure("check-run updates per run", ours.checkRunUpdatesPerRun, baseline.checkRunUpdatesPerRun),
    infoFigure("check-run updates per run per minute", ours.checkRunUpdatesPerRunPerMinute, baseline.checkRunUpdatesPerRunPerMinute),
    infoFigure("status comment edits per run", ours.statusCommentEditsPerRun, baseline.statusCommentEditsPerRun),
    infoFigure("app errors logged", ours.errorsLogged, baseline.errorsLogged),
    infoFigure("wall time of all runs (s)", round(ours.wallTimeMs / 1000, 1), round(baseline.wallTimeMs / 1000, 1)),
  ];
}
