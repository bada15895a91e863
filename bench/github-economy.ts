import { goalFigure, infoFigure, labeledPayload, postDelivery, runDurationMs, signDelivery, within, withBenchSetup, withHamster } from "./lib/app-harness.js";
import { PROGRESS_INTERVAL_MS } from "../src/reporter/github-host.js";
import type { FakeGitHubCall } from "./lib/fake-github-server.js";
import type { BenchmarkFigure } from "./lib/figure.js";

/**
 * GitHub economy: the REST (and GraphQL) calls one successful run makes, by endpoint, as
 * the fake GitHub counts them — from the `issues.labeled` webhook to the run's end. The
 * agent's own reads of repository content (contents API reads other than
 * .github/hamster.yml, the brief's issue) are counted apart; everything else is the app's,
 * the installation token and both .github/hamster.yml reads (repository, then the owner's
 * `.github` repository) included. Git itself goes to a file:// remote and is not counted.
 *
 * Ours: the app's defaults (live progress at most every 5 s), the scripted model answering
 * each call after `modelDelayMs`. Baseline: the same run with live progress unthrottled
 * (progressIntervalMs 0: every stage change and progress line published at once), so the
 * ratio shows what coalescing saves. A third, longer run (`longTurns` tool turns, model
 * answers after 200 ms, progress every 250 ms: time ÷ 20 as in the rate-limit benchmark)
 * shows how live progress grows with the length of a run.
 */

export interface GitHubEconomyOptions {
  readonly modelDelayMs?: number;
  readonly timeoutMs?: number;
  /** Tool turns of the longer run; 0 skips it. */
  readonly longTurns?: number;
}

/** The longer run's time compression, as in the rate-limit benchmark: 5 s of progress interval → 250 ms. */
export const LONG_RUN_TIME_SCALE = 20;

export interface RunCalls {
  readonly state: string;
  readonly durationMs: number;
  readonly total: number;
  /** Total minus the agent's own reads of repository content. */
  readonly app: number;
  readonly agentReads: number;
  readonly writes: number;
  readonly checkRunUpdates: number;
  readonly statusCommentEdits: number;
  readonly byEndpoint: Record<string, number>;
}

export interface GitHubEconomyResult {
  readonly config: {
    modelDelayMs: number;
    writeMinTimeMs: number;
    oursProgressIntervalMs: string;
    baselineProgressIntervalMs: number;
    long: { toolTurns: number; modelDelayMs: number; progressIntervalMs: number; timeScale: number } | null;
  };
  readonly ours: RunCalls;
  readonly baseline: RunCalls;
  /** The longer run, time-compressed; null when skipped. */
  readonly long: RunCalls | null;
}

export const APP_CALLS_GOAL = 20;

const CONFIG_PATH = /\/contents\/\.github\/hamster\.yml$/;

/** The agent's reads of repository content through the API (the checkout itself is read locally). */
export function isAgentContentRead(call: Pick<FakeGitHubCall, "endpoint" | "path">): boolean {
  if (call.endpoint === "GET /repos/{owner}/{repo}/contents/{path}") return !CONFIG_PATH.test(safeDecode(call.path));
  // The brief, when the task links another issue.
  return call.endpoint === "GET /repos/{owner}/{repo}/issues/{issue_number}";
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export async function runGitHubEconomyBenchmark(options: GitHubEconomyOptions = {}): Promise<GitHubEconomyResult> {
  const modelDelayMs = options.modelDelayMs ?? 200;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const longTurns = options.longTurns ?? 15;
  const ours = await measureOneRun({ modelDelayMs, timeoutMs });
  const baseline = await measureOneRun({ modelDelayMs, timeoutMs, progressIntervalMs: 0 });
  const longConfig = longTurns > 0 ? { toolTurns: longTurns, modelDelayMs: 200, progressIntervalMs: PROGRESS_INTERVAL_MS / LONG_RUN_TIME_SCALE, timeScale: LONG_RUN_TIME_SCALE } : null;
  const long = longConfig ? await measureOneRun({ ...longConfig, timeoutMs }) : null;
  return {
    config: { modelDelayMs, writeMinTimeMs: 0, oursProgressIntervalMs: `app default (${PROGRESS_INTERVAL_MS})`, baselineProgressIntervalMs: 0, long: longConfig },
    ours,
    baseline,
    long,
  };
}

async function measureOneRun(options: { modelDelayMs: number; timeoutMs: number; progressIntervalMs?: number; toolTurns?: number }): Promise<RunCalls> {
  const model = { delayMs: options.modelDelayMs, toolTurns: options.toolTurns ?? 1 };
  return withBenchSetup({ prefix: "economy", model }, (setup) => {
    const { github } = setup;
    const repo = setup.area.repos[0]!;
    const appOptions = { writeMinTimeMs: 0, ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}) };
    return withHamster(setup, appOptions, async (app) => {
      const response = await postDelivery(app.server.url, signDelivery("economy-1", "issues", labeledPayload(repo, 1)));
      if (response.status !== 200) throw new Error(`The webhook was answered ${response.status}`);
      if (!(await within(app.hamster.idle(), options.timeoutMs))) throw new Error(`The run did not end within ${options.timeoutMs} ms`);
      const run = app.hamster.runs.listRunsForTask(repo.id, 1)[0];
      const calls = github.calls;
      const agentReads = calls.filter(isAgentContentRead).length;
      const byEndpoint = Object.fromEntries(Object.entries(github.countByEndpoint()).sort(([a], [b]) => a.localeCompare(b)));
      return {
        state: run?.state ?? "(no run)",
        durationMs: run ? runDurationMs(run) : 0,
        total: calls.length,
        app: calls.length - agentReads,
        agentReads,
        writes: calls.filter((c) => c.write).length,
        checkRunUpdates: byEndpoint["PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"] ?? 0,
        statusCommentEdits: byEndpoint["PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}"] ?? 0,
        byEndpoint,
      };
    });
  });
}

export function githubEconomyFigures(result: GitHubEconomyResult): BenchmarkFigure[] {
  const { ours, baseline } = result;
  return [
    goalFigure("app's calls per run (beyond agent reads)", ours.app, baseline.app, `≤ ${APP_CALLS_GOAL}`, ours.state === "succeeded" && ours.app <= APP_CALLS_GOAL),
    ...(result.long
      ? [
          // Baseline: the short run above, so the ratio shows what the run's length adds.
          goalFigure(
            `app's calls, ${result.config.long!.toolTurns}-turn run (time ÷ ${result.config.long!.timeScale})`,
            result.long.app,
            ours.app,
            `≤ ${APP_CALLS_GOAL}`,
            result.long.state === "succeeded" && result.long.app <= APP_CALLS_GOAL,
          ),
        ]
      : []),
    infoFigure("all calls per run", ours.total, baseline.total),
    infoFigure("agent's content reads", ours.agentReads, baseline.agentReads),
    infoFigure("writes per run", ours.writes, baseline.writes),
    infoFigure("check-run updates", ours.checkRunUpdates, baseline.checkRunUpdates),
    infoFigure("status comment edits", ours.statusCommentEdits, baseline.statusCommentEdits),
  ];
}
