import {
  bareAppFn,
  commentPayload,
  countBy,
  createBenchLog,
  goalFigure,
  infoFigure,
  labeledPayload,
  percentile,
  postAll,
  ratioOf,
  round,
  signDelivery,
  startWebhookServer,
  waitUntil,
  withBenchSetup,
  withHamster,
  type BenchRepo,
  type DeliveryResponse,
  type SignedDelivery,
} from "./lib/app-harness.js";
import type { BenchmarkFigure } from "./lib/figure.js";

/**
 * Webhook acknowledgement: how long GitHub waits for the app's HTTP response. Signed
 * deliveries (`issue_comment.created` with `/deliver` and `issues.labeled` with
 * hamster:deliver, alternately, from @octokit/webhooks-examples), a fixed number in flight,
 * over real HTTP to Probot's node middleware on 127.0.0.1 — to the real app, and to a bare
 * Probot app with an empty handler started the same way, in the same process.
 *
 * Each delivery has its own id and its own issue, so each one is admitted as a new run:
 * the app checks the sender's permission and reads .github/hamster.yml, records the run, and
 * writes 👀 and the status comment to the fake GitHub — in the background, in the same
 * process that answers the next deliveries, as in production (the app holds admissions
 * back until a burst has been answered, for 250 ms at most). Runs then wait: HAMSTER_CONCURRENCY=1 and the model never answers, so at
 * most one run executes (its checkout included) and the measurement is the webhook path,
 * not a pile of runs. Only the HTTP response time is measured (sent → response ended).
 *
 * Each app first gets `warmup` deliveries that are not measured (JIT, token, sockets);
 * the real app's warm-up admissions are waited for before the measured deliveries start.
 * The measured deliveries go in `rounds` batches, baseline then ours, and each batch of
 * ours is followed by waiting for its admissions, so none of ours' background work spills
 * into a baseline batch; p50 and p99 are over all the deliveries of each app.
 */

export interface WebhookAckOptions {
  readonly deliveries?: number;
  readonly concurrency?: number;
  readonly warmup?: number;
  /** The deliveries go in this many alternating batches (baseline, ours, baseline, …), so drift in the machine's load hits both alike. */
  readonly rounds?: number;
}

export interface LatencyFigures {
  readonly deliveries: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
  /** HTTP status → count. */
  readonly statuses: Record<string, number>;
  /** Summed over the rounds: from the first request of a batch to its last response. */
  readonly wallTimeMs: number;
}

export interface WebhookAckResult {
  readonly config: { deliveries: number; concurrency: number; warmup: number; rounds: number; writeMinTimeMs: number; hamsterConcurrency: number };
  readonly ours: LatencyFigures & {
    /** Measured deliveries that became queued runs with a status comment. */
    readonly admitted: number;
    /** Per round, from its first delivery until every admission of the round had written its status comment. */
    readonly admissionsDoneMs: number[];
    readonly restCalls: Record<string, number>;
    readonly errorsLogged: number;
  };
  readonly baseline: LatencyFigures;
}

export const ACK_RATIO_GOAL = 1.5;

export async function runWebhookAckBenchmark(options: WebhookAckOptions = {}): Promise<WebhookAckResult> {
  const config = {
    deliveries: options.deliveries ?? 200,
    concurrency: options.concurrency ?? 20,
    warmup: options.warmup ?? 20,
    rounds: options.rounds ?? 4,
    writeMinTimeMs: 0,
    hamsterConcurrency: 1,
  };
  return withBenchSetup({ prefix: "ack", model: { hold: true } }, async (setup) => {
    const { github } = setup;
    const repo = setup.area.repos[0]!;
    const bare = await startWebhookServer(bareAppFn, github, createBenchLog().log);
    try {
      return await withHamster(setup, { concurrency: config.hamsterConcurrency, writeMinTimeMs: config.writeMinTimeMs }, async (app) => {
        // Admitted: the run is recorded with its status comment (the fake GitHub sees the comment a moment before the app records it).
        const admittedAmong = (first: number, count: number) =>
          Array.from({ length: count }, (_, i) => first + i).filter((n) =>
            app.hamster.runs.listRunsForTask(repo.id, n).some((run) => run.statusCommentId !== null),
          ).length;
        // Issue numbers: warm-up from 1, measured from 10_001; each app gets its own delivery ids.
        await postAll(bare.url, buildDeliveries("bare", "warm", repo, 1, config.warmup), config.concurrency);
        await postAll(app.server.url, buildDeliveries("ours", "warm", repo, 1, config.warmup), config.concurrency);
        await waitUntil(() => admittedAmong(1, config.warmup) === config.warmup, 30_000);

        const callsBefore = github.calls.length;
        const measuredBare = buildDeliveries("bare", "run", repo, 10_001, config.deliveries);
        const measuredOurs = buildDeliveries("ours", "run", repo, 10_001, config.deliveries);
        const bareResponses: DeliveryResponse[] = [];
        const oursResponses: DeliveryResponse[] = [];
        const wall = { bare: 0, ours: 0 };
        const admissionsDoneMs: number[] = [];
        const perRound = Math.ceil(config.deliveries / config.rounds);
        for (let from = 0; from < config.deliveries; from += perRound) {
          const to = Math.min(config.deliveries, from + perRound);
          let started = performance.now();
          bareResponses.push(...(await postAll(bare.url, measuredBare.slice(from, to), config.concurrency)));
          wall.bare += performance.now() - started;
          // Ours last in the round, and its admissions finished before the next round starts.
          started = performance.now();
          oursResponses.push(...(await postAll(app.server.url, measuredOurs.slice(from, to), config.concurrency)));
          wall.ours += performance.now() - started;
          await waitUntil(() => admittedAmong(10_001 + from, to - from) === to - from, 60_000);
          admissionsDoneMs.push(Math.round(performance.now() - started));
        }
        const admitted = admittedAmong(10_001, config.deliveries);
        return {
          config,
          ours: {
            ...summarize(oursResponses, wall.ours),
            admitted,
            admissionsDoneMs,
            restCalls: github.countByEndpoint(github.calls.slice(callsBefore)),
            errorsLogged: app.log.errors(),
          },
          baseline: summarize(bareResponses, wall.bare),
        };
      });
    } finally {
      await bare.close();
    }
  });
}

function buildDeliveries(variant: string, phase: string, repo: BenchRepo, firstIssue: number, count: number): SignedDelivery[] {
  return Array.from({ length: count }, (_, i) => {
    const issue = firstIssue + i;
    const id = `ack-${variant}-${phase}-${i + 1}`;
    return i % 2 === 0
      ? signDelivery(id, "issue_comment", commentPayload(repo, issue, 5_000_000 + issue))
      : signDelivery(id, "issues", labeledPayload(repo, issue));
  });
}

function summarize(responses: readonly DeliveryResponse[], wallTimeMs: number): LatencyFigures {
  const ms = responses.map((r) => r.ms);
  const statuses = countBy(responses, (r) => String(r.status));
  return {
    deliveries: responses.length,
    p50Ms: round(percentile(ms, 50)),
    p99Ms: round(percentile(ms, 99)),
    meanMs: round(ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length)),
    maxMs: round(Math.max(0, ...ms)),
    statuses,
    wallTimeMs: Math.round(wallTimeMs),
  };
}

export function webhookAckFigures(result: WebhookAckResult): BenchmarkFigure[] {
  const { ours, baseline, config } = result;
  const latency = (figure: string, a: number, b: number): BenchmarkFigure => {
    const ratio = ratioOf(a, b);
    return goalFigure(figure, a, b, `ratio ≤ ${ACK_RATIO_GOAL}`, ratio !== null && ratio <= ACK_RATIO_GOAL, ratio);
  };
  const ok = (f: LatencyFigures) => f.statuses["200"] ?? 0;
  return [
    latency("response time p50 (ms)", ours.p50Ms, baseline.p50Ms),
    latency("response time p99 (ms)", ours.p99Ms, baseline.p99Ms),
    goalFigure(`answered 200 (of ${config.deliveries})`, ok(ours), ok(baseline), `= ${config.deliveries}`, ok(ours) === config.deliveries && ok(baseline) === config.deliveries, null),
    goalFigure("deliveries admitted as runs", ours.admitted, 0, `= ${config.deliveries}`, ours.admitted === config.deliveries, null),
    infoFigure("response time mean (ms)", ours.meanMs, baseline.meanMs),
    infoFigure("wall time, all answered (ms)", ours.wallTimeMs, baseline.wallTimeMs),
  ];
}
