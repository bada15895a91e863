import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { createModelGateway } from "../src/gateway/model-gateway.js";
import { addCallToSpend, ZERO_SPEND } from "../src/gateway/spend.js";
import { openDatabase } from "../src/store/database.js";
import { createRunCredentialStore } from "../src/store/run-credentials.js";
import { createRunStore } from "../src/store/run-store.js";
import { goalFigure, infoFigure, percentile, round } from "./lib/app-harness.js";
import { startFakeAnthropicServer, type FakeAnthropicServer, type ScriptedMessage } from "./lib/fake-anthropic-server.js";
import { closeServer, listenOnLoopback } from "./lib/http.js";
import { startSampling, type ProcessSample } from "./lib/process-sampling.js";
import type { BenchmarkFigure } from "./lib/figure.js";

/**
 * The model gateway's cost. Streamed Messages API calls (plain fetch, each read to its last
 * byte) go to the fake model server on 127.0.0.1, straight (the baseline) or through the
 * gateway mounted on its own HTTP server (ours): the real credential store on a SQLite file,
 * the budget check, the usage tap, the call recorder. All of it runs in this process.
 *
 * 1. Latency: `calls` calls each way, one at a time, alternating (drift in the machine's
 *    load hits both alike), after `warmup` unmeasured ones. The figure is the p50 the
 *    gateway adds. Every answer through the gateway is compared byte for byte with what the
 *    model server sent for it.
 * 2. Load: `concurrent` streaming calls at once, `rounds` times, with the model server
 *    writing one event every `streamIntervalMs` as a real stream trickles: the process's RSS
 *    and event-loop delay p99, through the gateway and (baseline) straight.
 */

export interface GatewayBenchOptions {
  readonly calls?: number;
  readonly warmup?: number;
  readonly concurrent?: number;
  readonly rounds?: number;
  readonly streamIntervalMs?: number;
}

export interface LatencySummary {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface LoadSummary extends ProcessSample {
  readonly calls: number;
  readonly answered: number;
  readonly wallTimeMs: number;
}

export interface GatewayBenchResult {
  readonly config: Required<GatewayBenchOptions>;
  readonly latency: { readonly ours: LatencySummary; readonly baseline: LatencySummary; readonly addedP50Ms: number };
  readonly load: { readonly ours: LoadSummary; readonly baseline: LoadSummary };
  /** Answers through the gateway (both parts) whose bytes equal what the model server sent. */
  readonly identicalAnswers: number;
  readonly answersThroughGateway: number;
  /** Calls the gateway recorded, and failures it reported. */
  readonly recordedCalls: number;
  readonly gatewayErrors: number;
}

export const ADDED_LATENCY_GOAL_MS = 5;
const MODEL = "claude-sonnet-4-6";

const REPLY: ScriptedMessage = {
  content: [
    { type: "text", text: `I will look at the tests first. ${"The parser splits the input on blank lines. ".repeat(40)}` },
    { type: "tool_use", id: "toolu_bench", name: "bash", input: { command: "npm test -- --reporter=dot" } },
  ],
  stop_reason: "tool_use",
};

const REQUEST_BODY = JSON.stringify({
  model: MODEL,
  max_tokens: 4096,
  stream: true,
  system: [{ type: "text", text: "You are a careful engineer. ".repeat(200), cache_control: { type: "ephemeral" } }],
  messages: [{ role: "user", content: "Fix the failing test in the parser." }],
});

interface Setup {
  readonly model: FakeAnthropicServer;
  /** The SDK's baseURL for each way. */
  readonly straight: string;
  readonly gateway: string;
  readonly token: string;
  recorded(): number;
  errors(): number;
  close(): Promise<void>;
}

async function startSetup(streamIntervalMs: number | undefined): Promise<Setup> {
  const model = await startFakeAnthropicServer({ replies: () => REPLY, ...(streamIntervalMs === undefined ? {} : { streamIntervalMs }) });
  const dir = mkdtempSync(path.join(tmpdir(), "hamster-bench-gateway-"));
  const db = openDatabase(dir);
  const repo = { id: 1, owner: "bench", name: "gateway", cloneUrl: "http://127.0.0.1/bench.git", defaultBranch: "main", htmlUrl: "http://127.0.0.1/bench" };
  const issue = { number: 1, title: "Bench", body: null, author: "bench", htmlUrl: "http://127.0.0.1/bench/issues/1" };
  const request = { repo, issue, baseBranch: "main", targetBranch: "main", agent: "claude", model: MODEL, instructions: "" };
  const runId = createRunStore(db).createRun({ installationId: 1, trigger: "label", requestedBy: "bench", deliveryId: null, request }).id;
  const credentials = createRunCredentialStore(db);
  const { token } = credentials.issueRunCredential(runId, 1, 3_600_000);
  let spend = ZERO_SPEND;
  let recorded = 0;
  let errors = 0;
  const handle = createModelGateway({
    authenticate: (candidate) => {
      const grant = credentials.verifyRunCredential(candidate);
      return grant === null ? null : { runId: grant.runId, attempt: grant.attempt, installationId: 1, budgets: { turns: 1_000_000 } };
    },
    getProviderKey: () => "bench-provider-key",
    upstreamBaseUrl: model.url,
    getSpend: () => spend,
    recordCall: (_grant, call) => {
      spend = addCallToSpend(spend, call);
      recorded++;
    },
    onError: () => errors++,
  });
  const server = createServer((req, res) => {
    void handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  const port = await listenOnLoopback(server);
  return {
    model,
    straight: model.url,
    gateway: `http://127.0.0.1:${port}/api/hamster/model`,
    token,
    recorded: () => recorded,
    errors: () => errors,
    close: async () => {
      await closeServer(server);
      await model.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Answer {
  readonly ms: number;
  readonly ok: boolean;
  /** The answer's bytes equal the bytes the model server sent for it. */
  readonly identical: boolean;
}

/** One streamed call, read to its last byte. */
async function callModel(setup: Setup, baseUrl: string): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": setup.token, "anthropic-version": "2023-06-01", "content-type": "application/json" },
    body: REQUEST_BODY,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const ms = performance.now() - started;
  const index = Number(/^req_fake_(\d+)$/.exec(response.headers.get("request-id") ?? "")?.[1]) - 1;
  const sent = setup.model.exchanges.filter((e) => !e.path.includes("count_tokens"))[index]?.sent;
  return { ms, ok: response.status === 200, identical: sent !== undefined && bytes.equals(sent) };
}

async function measureLatency(config: Required<GatewayBenchOptions>) {
  const setup = await startSetup(undefined);
  try {
    for (let i = 0; i < config.warmup; i++) {
      await callModel(setup, setup.straight);
      await callModel(setup, setup.gateway);
    }
    const ours: Answer[] = [];
    const baseline: Answer[] = [];
    for (let i = 0; i < config.calls; i++) {
      baseline.push(await callModel(setup, setup.straight));
      ours.push(await callModel(setup, setup.gateway));
    }
    return { ours, baseline, recorded: setup.recorded(), errors: setup.errors() };
  } finally {
    await setup.close();
  }
}

async function measureLoad(config: Required<GatewayBenchOptions>) {
  const setup = await startSetup(config.streamIntervalMs);
  try {
    const run = async (baseUrl: string): Promise<{ sample: LoadSummary; answers: Answer[] }> => {
      const sampling = startSampling();
      const started = performance.now();
      const answers: Answer[] = [];
      for (let round = 0; round < config.rounds; round++) {
        answers.push(...(await Promise.all(Array.from({ length: config.concurrent }, () => callModel(setup, baseUrl)))));
      }
      const wallTimeMs = Math.round(performance.now() - started);
      const sample = sampling.stop();
      return { sample: { ...sample, calls: answers.length, answered: answers.filter((a) => a.ok).length, wallTimeMs }, answers };
    };
    const baseline = await run(setup.straight);
    const ours = await run(setup.gateway);
    return { ours, baseline, recorded: setup.recorded(), errors: setup.errors() };
  } finally {
    await setup.close();
  }
}

function summarize(answers: readonly Answer[]): LatencySummary {
  const ms = answers.map((a) => a.ms);
  return { p50Ms: round(percentile(ms, 50), 3), p99Ms: round(percentile(ms, 99), 3) };
}

export async function runGatewayBenchmark(options: GatewayBenchOptions = {}): Promise<GatewayBenchResult> {
  const config: Required<GatewayBenchOptions> = {
    calls: options.calls ?? 200,
    warmup: options.warmup ?? 20,
    concurrent: options.concurrent ?? 50,
    rounds: options.rounds ?? 4,
    streamIntervalMs: options.streamIntervalMs ?? 20,
  };
  const latency = await measureLatency(config);
  const load = await measureLoad(config);
  const ours = summarize(latency.ours);
  const baseline = summarize(latency.baseline);
  const throughGateway = [...latency.ours, ...load.ours.answers];
  return {
    config,
    latency: { ours, baseline, addedP50Ms: round(ours.p50Ms - baseline.p50Ms, 3) },
    load: { ours: load.ours.sample, baseline: load.baseline.sample },
    identicalAnswers: throughGateway.filter((a) => a.identical).length,
    answersThroughGateway: throughGateway.length,
    recordedCalls: latency.recorded + load.recorded,
    gatewayErrors: latency.errors + load.errors,
  };
}

export function gatewayFigures(result: GatewayBenchResult): BenchmarkFigure[] {
  const { latency, load } = result;
  const answered = load.ours.answered;
  return [
    goalFigure("added latency p50 (ms)", latency.addedP50Ms, 0, `≤ ${ADDED_LATENCY_GOAL_MS} ms`, latency.addedP50Ms <= ADDED_LATENCY_GOAL_MS, null),
    infoFigure("call latency p50 (ms)", latency.ours.p50Ms, latency.baseline.p50Ms),
    infoFigure("call latency p99 (ms)", latency.ours.p99Ms, latency.baseline.p99Ms),
    goalFigure(
      `answers byte-identical (of ${result.answersThroughGateway})`,
      result.identicalAnswers,
      result.answersThroughGateway,
      `= ${result.answersThroughGateway}`,
      result.identicalAnswers === result.answersThroughGateway,
    ),
    goalFigure(`concurrent calls answered (of ${load.ours.calls})`, answered, load.baseline.answered, `= ${load.ours.calls}`, answered === load.ours.calls),
    infoFigure(`peak RSS, ${result.config.concurrent} concurrent streams (MB)`, load.ours.peakRssMb, load.baseline.peakRssMb),
    infoFigure("event-loop delay p99 under load (ms)", load.ours.eventLoopP99Ms, load.baseline.eventLoopP99Ms),
    infoFigure("wall time under load (ms)", load.ours.wallTimeMs, load.baseline.wallTimeMs),
  ];
}
