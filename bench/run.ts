import type { BenchmarkFigure } from "./lib/figure.js";
import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runCacheReplayBenchmark, type CacheReplayResult } from "./cache-replay.js";
import { githubRateLimitFigures, runGitHubRateLimitBenchmark } from "./github-rate-limit.js";
import { runWebhookAckBenchmark, webhookAckFigures } from "./webhook-ack.js";
import { firstFeedbackFigures, runFirstFeedbackBenchmark } from "./first-feedback.js";
import { manyRunsFigures, runManyRunsBenchmark } from "./many-runs.js";
import { githubEconomyFigures, runGitHubEconomyBenchmark } from "./github-economy.js";
import { gatewayFigures, runGatewayBenchmark } from "./gateway.js";
import { executorsFigures, runExecutorsBenchmark } from "./executors.js";

/**
 * Runs the benchmarks, prints one table of figures (ours against a baseline run in the same
 * process), and writes them to bench/results/latest.json. Add a benchmark by adding an entry
 * to BENCHMARKS.
 */


export interface BenchmarkEntry {
  readonly name: string;
  run(): Promise<{ figures: BenchmarkFigure[]; details: unknown }>;
}

export interface BenchmarkResult {
  readonly name: string;
  readonly durationMs: number;
  readonly figures: BenchmarkFigure[];
  readonly details: unknown;
}

export const CACHE_READ_SHARE_GOAL = 0.85;
export const BILLED_INPUT_RATIO_GOAL = 0.3;

/** The figures of a cache replay, with their goals. */
export function cacheReplayFigures(result: CacheReplayResult): BenchmarkFigure[] {
  const { ours, baseline } = result;
  const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
  return [
    {
      figure: "input tokens read from cache",
      ours: ours.cacheReadShare,
      baseline: baseline.cacheReadShare,
      ratio: null,
      goal: `≥ ${CACHE_READ_SHARE_GOAL * 100} %`,
      pass: ours.cacheReadShare >= CACHE_READ_SHARE_GOAL,
      unit: "percent",
    },
    {
      figure: "billed-equivalent input tokens",
      ours: ours.billedInputTokens,
      baseline: baseline.billedInputTokens,
      ratio: result.billedInputRatio,
      goal: `ratio ≤ ${BILLED_INPUT_RATIO_GOAL}`,
      pass: result.billedInputRatio <= BILLED_INPUT_RATIO_GOAL,
      unit: "tokens",
    },
    {
      // Both runs must have sent the same conversation, or the comparison says nothing.
      figure: "input tokens, all kinds (same conversation)",
      ours: ours.totalInputTokens,
      baseline: baseline.totalInputTokens,
      ratio: ratio(ours.totalInputTokens, baseline.totalInputTokens),
      goal: "ratio = 1",
      pass: ours.totalInputTokens === baseline.totalInputTokens && ours.requests === baseline.requests,
      unit: "tokens",
    },
    {
      figure: "input tokens read from cache, through the gateway vs direct",
      ours: ours.cacheReadShare,
      baseline: result.direct.cacheReadShare,
      ratio: ratio(ours.cacheReadShare, result.direct.cacheReadShare),
      goal: "ratio = 1",
      pass: ours.cacheReadTokens === result.direct.cacheReadTokens && ours.totalInputTokens === result.direct.totalInputTokens,
      unit: "percent",
    },
    {
      figure: "model calls",
      ours: ours.requests,
      baseline: baseline.requests,
      ratio: ratio(ours.requests, baseline.requests),
      goal: `= ${result.turns}`,
      pass: ours.requests === result.turns && baseline.requests === result.turns,
      unit: "count",
    },
    {
      figure: "cost in dollars (Sonnet prices)",
      ours: ours.costUsd,
      baseline: baseline.costUsd,
      ratio: ratio(ours.costUsd, baseline.costUsd),
      goal: "—",
      pass: null,
      unit: "usd",
    },
  ];
}

export const BENCHMARKS: readonly BenchmarkEntry[] = [
  {
    name: "prompt cache replay (20 model calls)",
    run: async () => {
      const result = await runCacheReplayBenchmark({ turns: 20 });
      return { figures: cacheReplayFigures(result), details: result };
    },
  },
  {
    name: "GitHub secondary rate limits (20 concurrent runs, one installation, time ÷ 20)",
    run: async () => {
      const result = await runGitHubRateLimitBenchmark({ runs: 20 });
      return { figures: githubRateLimitFigures(result), details: result };
    },
  },
  {
    name: "Webhook acknowledgement (200 signed deliveries over HTTP, 20 in flight; baseline: bare Probot app)",
    run: async () => {
      const result = await runWebhookAckBenchmark({ deliveries: 200, concurrency: 20 });
      return { figures: webhookAckFigures(result), details: result };
    },
  },
  {
    name: "First feedback (one issues.labeled; ms as seen by the fake GitHub; baseline: one round trip)",
    run: async () => {
      const result = await runFirstFeedbackBenchmark();
      return { figures: firstFeedbackFigures(result), details: result };
    },
  },
  {
    name: "Many runs (50 at once in one process, model answers after 200 ms; baseline: the same process idle)",
    run: async () => {
      const result = await runManyRunsBenchmark({ runs: 50, concurrency: 50, modelDelayMs: 200 });
      return { figures: manyRunsFigures(result), details: result };
    },
  },
  {
    name: "GitHub economy (calls of one successful run; baseline: the same run with live progress unthrottled)",
    run: async () => {
      const result = await runGitHubEconomyBenchmark();
      return { figures: githubEconomyFigures(result), details: result };
    },
  },
  {
    name: "Model gateway (streamed calls through the gateway; baseline: the same calls straight to the model server)",
    run: async () => {
      const result = await runGatewayBenchmark({ calls: 200, concurrent: 50 });
      return { figures: gatewayFigures(result), details: result };
    },
  },
  {
    name: "Executors (50 runs at once, model answers after 200 ms; ours: process, a runner process per run; baseline: local, in the app's process)",
    run: async () => {
      const result = await runExecutorsBenchmark({ runs: 50, modelDelayMs: 200 });
      return { figures: executorsFigures(result), details: result };
    },
  },
  {
    name: "Console run page (500 agent turns rendered on the server; 100 pages on the live event stream; baselines: a one-turn run, one page)",
    run: async () => {
      const { runPageFigures, runRunPageBenchmark } = await import("./console-run-page.js");
      const result = await runRunPageBenchmark();
      return { figures: runPageFigures(result), details: result };
    },
  },
  {
    name: "Actions executor (100 runs at once, a fake GitHub Actions with 20 runners, the app in its own process; ours: actions; baseline: local, 20 at a time; GitHub's time ÷ 20)",
    run: async () => {
      // Loaded here, not at the top: this file's imports stay as they are.
      const { runActionsBenchmark, actionsFigures } = await import("./actions.js");
      const result = await runActionsBenchmark({ runs: 100, runners: 20 });
      return { figures: actionsFigures(result), details: result };
    },
  },
  {
    name: "Brief planning (50 tasks read from a GitHub lookalike answering each call after 50 ms, checked and scheduled; baseline: one call at a time, each task's issue and blockers)",
    run: async () => {
      const { briefPlanFigures, runBriefPlanBenchmark } = await import("./brief-plan.js");
      const result = await runBriefPlanBenchmark();
      return { figures: briefPlanFigures(result), details: result };
    },
  },
  {
    name: "Warm workspaces (30,000 files, 10,000 commits over HTTP on 127.0.0.1; baselines: git clone, git worktree add)",
    run: async () => {
      // Loaded here, not at the top: this file's imports stay as they are.
      const { runWarmWorkspaceBenchmark, warmWorkspaceFigures } = await import("./warm-workspace.js");
      const result = await runWarmWorkspaceBenchmark();
      return { figures: warmWorkspaceFigures(result), details: result };
    },
  },
];

export async function runBenchmarks(entries: readonly BenchmarkEntry[] = BENCHMARKS): Promise<BenchmarkResult[]> {
  const results: BenchmarkResult[] = [];
  for (const entry of entries) {
    const started = performance.now();
    const { figures, details } = await entry.run();
    results.push({ name: entry.name, durationMs: Math.round(performance.now() - started), figures, details });
  }
  return results;
}

export function renderTable(results: readonly BenchmarkResult[]): string {
  const header = ["figure", "ours", "baseline", "ratio", "goal", "verdict"];
  const out: string[] = [];
  for (const result of results) {
    const rows = result.figures.map((f) => [
      f.figure,
      formatValue(f.ours, f.unit),
      formatValue(f.baseline, f.unit),
      f.ratio === null ? "—" : f.ratio.toFixed(3),
      f.goal,
      f.pass === null ? "info" : f.pass ? "PASS" : "FAIL",
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    out.push(`${result.name} (${(result.durationMs / 1000).toFixed(1)} s)`, line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line), "");
  }
  return out.join("\n");
}

function formatValue(value: number, unit: BenchmarkFigure["unit"]): string {
  switch (unit) {
    case "percent":
      return `${(value * 100).toFixed(1)} %`;
    case "usd":
      return `$${value.toFixed(4)}`;
    case "tokens":
      return Math.round(value).toLocaleString("en-US");
    case "count":
      return String(value);
  }
}

/** bench/results under the package root, whether this runs from bench/ or dist/bench/. */
export function findResultsDir(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return path.join(dir, "bench", "results");
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${from}.`);
  }
}

async function main(): Promise<void> {
  const results = await runBenchmarks();
  process.stdout.write(renderTable(results));
  const dir = findResultsDir();
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, "latest.json");
  const report = { generatedAt: new Date().toISOString(), node: process.version, benchmarks: results };
  // Written next to the target and renamed, so a reader never sees half a file.
  await writeFile(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  process.stdout.write(`\nWrote ${path.relative(process.cwd(), file)}\n`);
  if (results.some((r) => r.figures.some((f) => f.pass === false))) process.exitCode = 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
