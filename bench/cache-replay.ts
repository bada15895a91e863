import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClaudeAgent } from "../src/agent/claude-agent.js";
import { buildImplementPrompt, buildPlanPrompt, buildReportPrompt, parsePlan } from "../src/agent/phase-prompts.js";
import { computeCostUsd } from "../src/agent/prices.js";
import type { AgentContext, ModelEndpoint } from "../src/agent/provider.js";
import { createModelGateway } from "../src/gateway/model-gateway.js";
import { ZERO_SPEND } from "../src/gateway/spend.js";
import type { Task } from "../src/task/task.js";
import { startFakeAnthropicServer, type ScriptedMessage } from "./lib/fake-anthropic-server.js";
import { serveOnLoopback } from "./lib/http.js";

/**
 * Prompt-cache replay: a scripted run of a realistic session (read files, run the tests
 * with a few KB of output, edit, across plan → implement → report) goes through the real
 * Claude session against a fake API that accounts for caching as the API does. The same
 * run is replayed with caching off as the baseline, in the same process; with caching on it
 * goes through the app's model gateway, as runs do, and once straight to the fake API, to
 * show that the gateway leaves caching as it is.
 */

export interface CacheFigures {
  readonly requests: number;
  readonly inputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  /** Every input token, however billed. */
  readonly totalInputTokens: number;
  /** cacheReadTokens / totalInputTokens. */
  readonly cacheReadShare: number;
  /** Input tokens weighted by price: input × 1 + cache writes × 1.25 + cache reads × 0.1. */
  readonly billedInputTokens: number;
  readonly costUsd: number;
}

export interface CacheReplayResult {
  readonly turns: number;
  /** Caching on, every call through the app's model gateway (as runs make them). */
  readonly ours: CacheFigures;
  /** Caching on, straight to the model API: what the gateway must not change. */
  readonly direct: CacheFigures;
  readonly baseline: CacheFigures;
  /** ours.billedInputTokens / baseline.billedInputTokens (lower is better). */
  readonly billedInputRatio: number;
}

export const CACHE_REPLAY_MODEL = "claude-sonnet-4-6";
const MODULES = ["client", "retry", "backoff", "config", "logger", "errors"] as const;

/** Replays a `turns`-call scripted session with caching on and off (default 20 calls; at least 4). */
export async function runCacheReplayBenchmark(options: { turns?: number } = {}): Promise<CacheReplayResult> {
  const turns = Math.max(4, options.turns ?? 20);
  const ours = await replay(turns, true, true);
  const direct = await replay(turns, true, false);
  const baseline = await replay(turns, false, false);
  return { turns, ours, direct, baseline, billedInputRatio: baseline.billedInputTokens === 0 ? 0 : ours.billedInputTokens / baseline.billedInputTokens };
}

/** The app's model gateway in front of `upstreamUrl`, with a grant for every credential and no budget in the way. */
async function startBenchGateway(upstreamUrl: string): Promise<{ endpoint: ModelEndpoint; close(): Promise<void> }> {
  const handler = createModelGateway({
    upstreamBaseUrl: upstreamUrl,
    authenticate: () => ({ runId: 1, attempt: 1, installationId: 1, budgets: { turns: 10_000 } }),
    getProviderKey: () => "bench-not-a-real-key",
    getSpend: () => ZERO_SPEND,
    recordCall: () => undefined,
  });
  const served = await serveOnLoopback(handler);
  return { endpoint: { baseUrl: `${served.url}/api/hamster/model`, apiKey: "hmr_1_bench" }, close: served.close };
}

async function replay(turns: number, promptCaching: boolean, throughGateway: boolean): Promise<CacheFigures> {
  const workdir = await mkdtemp(path.join(tmpdir(), "hamster-bench-repo-"));
  const server = await startFakeAnthropicServer({ replies: buildScript(turns) });
  const gateway = throughGateway ? await startBenchGateway(server.url) : undefined;
  const agent = createClaudeAgent({
    apiKey: "bench-not-a-real-key",
    baseURL: server.url,
    maxTokens: 8192,
    commandTimeoutMs: 30_000,
    maxRetries: 0,
    promptCaching,
  });
  try {
    await writeSampleRepository(workdir);
    const session = await agent.startSession({
      task: TASK,
      context: CONTEXT,
      workdir,
      model: CACHE_REPLAY_MODEL,
      budgets: { turns: turns + 5 },
      signal: new AbortController().signal,
      ...(gateway ? { modelEndpoint: gateway.endpoint } : {}),
    });
    try {
      const plan = parsePlan(await session.send(buildPlanPrompt(), "planning"));
      await session.send(buildImplementPrompt(plan), "implementing");
      await session.send(buildReportPrompt({ criteria: TASK.acceptanceCriteria, testRun: { command: "sh run-tests.sh", passed: true } }), "delivering");
      const { usage } = session.totals();
      if (usage === null) throw new Error("The built-in agent reports its usage; this one did not.");
      const totalInputTokens = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
      return {
        requests: server.requests.length,
        inputTokens: usage.inputTokens,
        cacheReadTokens: usage.cacheReadTokens,
        cacheWriteTokens: usage.cacheWriteTokens,
        totalInputTokens,
        cacheReadShare: totalInputTokens === 0 ? 0 : usage.cacheReadTokens / totalInputTokens,
        billedInputTokens: usage.inputTokens + usage.cacheWriteTokens * 1.25 + usage.cacheReadTokens * 0.1,
        costUsd: computeCostUsd(CACHE_REPLAY_MODEL, usage),
      };
    } finally {
      await session.close();
    }
  } finally {
    await gateway?.close();
    await server.close();
    await rm(workdir, { recursive: true, force: true });
  }
}

const TASK: Task = {
  number: 42,
  title: "Retry idempotent requests on 503",
  description:
    "The HTTP client gives up on the first 503 from the upstream service. Idempotent requests (GET, HEAD, PUT, DELETE) should be retried with exponential backoff; POST must not be retried. Log each retry at warn level.",
  acceptanceCriteria: ["GET requests are retried up to 3 times on 503", "POST requests are never retried", "Each retry is logged at warn level"],
  subtasks: [
    { text: "Add a retry helper", done: false },
    { text: "Use it in the client", done: false },
  ],
  instructions: "",
  comments: [],
};

const CONTEXT: AgentContext = {
  repoInstructions: [
    {
      path: "AGENTS.md",
      text: [
        "# Working in this repository",
        "",
        "- Plain JavaScript (ES modules), Node 20. No new dependencies without asking.",
        "- Tests live in test/ and run with `sh run-tests.sh`; every change needs a test.",
        "- Keep modules small: one concept per file under src/.",
        "- Errors are classes in src/errors.js; never throw strings.",
        "- Logging goes through src/logger.js (levels: debug, info, warn, error).",
        "- Configuration is read once in src/config.js; do not read process.env elsewhere.",
        "",
        "## Style",
        "",
        "Two-space indentation, double quotes, semicolons. Prefer early returns over nested",
        "conditionals. Name functions for what they do to the world: get*, find*, create*, ensure*.",
        "Comments explain why, not what. Public functions get a JSDoc line.",
      ].join("\n"),
    },
  ],
  testCommand: "sh run-tests.sh",
};

/** Source files of a few KB each, each with unique markers the scripted edits replace. */
async function writeSampleRepository(dir: string): Promise<void> {
  await mkdir(path.join(dir, "src"), { recursive: true });
  await mkdir(path.join(dir, "test"), { recursive: true });
  for (const [i, name] of MODULES.entries()) {
    const functions = Array.from({ length: 14 }, (_, j) =>
      [
        `/** ${name} helper ${j}: normalises its input and reports what it did. */`,
        `export function ${name}Step${j}(input, options = {}) {`,
        `  // TODO(hamster-${i}-${j})`,
        `  const value = typeof input === "string" ? input.trim() : String(input ?? "");`,
        `  if (options.strict && value === "") throw new Error("${name}Step${j}: empty input");`,
        `  return { step: ${j}, module: "${name}", value, length: value.length };`,
        `}`,
      ].join("\n"),
    );
    await writeFile(path.join(dir, "src", `${name}.js`), `// src/${name}.js\n\n${functions.join("\n\n")}\n`);
  }
  // A test run that prints a few KB, as real test runners do.
  const lines = Array.from({ length: 60 }, (_, i) => `  ✓ ${MODULES[i % MODULES.length]} step ${i} handles its input (${(i * 7) % 13} ms)`);
  await writeFile(
    path.join(dir, "run-tests.sh"),
    `cat <<'EOF'\n> sample@1.0.0 test\n> node --test test/\n\n${lines.join("\n")}\n\n# tests 60\n# pass 60\n# fail 0\n# duration_ms 412\nEOF\n`,
  );
  await writeFile(path.join(dir, "test", "client.test.js"), `import { test } from "node:test";\n\ntest("client", () => {});\n`);
}

/** The model's side of the session: `turns` replies over the plan, implement and report phases. */
function buildScript(turns: number): ScriptedMessage[] {
  const planTurns = Math.max(2, Math.floor(turns / 4));
  const implementTurns = turns - planTurns - 1;
  const script: ScriptedMessage[] = [];
  let call = 0;
  const tool = (say: string, name: string, input: Record<string, unknown>): ScriptedMessage => {
    call += 1;
    return { content: [{ type: "text", text: say }, { type: "tool_use", id: `toolu_bench_${call}`, name, input }], stop_reason: "tool_use" };
  };
  const end = (text: string): ScriptedMessage => ({ content: [{ type: "text", text }], stop_reason: "end_turn" });

  const explore = [
    () => tool("Let me look at the layout first.", "str_replace_based_edit_tool", { command: "view", path: "." }),
    (k: number) => tool(`Reading src/${module(k)}.js.`, "str_replace_based_edit_tool", { command: "view", path: `src/${module(k)}.js` }),
    () => tool("Where are the helpers used?", "bash", { command: "grep -rn 'export function' src | head -60" }),
    () => tool("Running the tests to see where we start.", "bash", { command: "sh run-tests.sh" }),
  ];
  for (let k = 0; k < planTurns - 1; k++) script.push(explore[k % explore.length]!(k));
  script.push(end("- [ ] Add src/retry.js with a retry helper\n- [ ] Use it in src/client.js for idempotent methods\n- [ ] Log each retry at warn level\n- [ ] Add tests for GET, POST and logging\n- [ ] Run sh run-tests.sh"));

  const work = [
    (k: number) => tool(`Reading src/${module(k)}.js before changing it.`, "str_replace_based_edit_tool", { command: "view", path: `src/${module(k)}.js` }),
    (k: number) =>
      tool(`Updating ${module(k)}Step${k % 14}.`, "str_replace_based_edit_tool", {
        command: "str_replace",
        path: `src/${module(k)}.js`,
        old_str: `  // TODO(hamster-${k % MODULES.length}-${k % 14})`,
        new_str: `  // Retries are decided by the caller (see src/retry.js).\n  const attempt = options.attempt ?? 0;\n  if (attempt > 3) throw new Error("${module(k)}Step${k % 14}: too many attempts");`,
      }),
    () => tool("Running the tests.", "bash", { command: "sh run-tests.sh" }),
    (k: number) => tool("Checking the remaining call sites.", "bash", { command: `grep -rn 'Step${k % 14}' src` }),
  ];
  for (let k = 0; k < implementTurns - 1; k++) script.push(work[k % work.length]!(k));
  script.push(end("Added the retry helper, used it for idempotent requests and logged each retry; the tests pass."));

  script.push(
    end(
      "```json\n" +
        JSON.stringify(
          {
            summary: "Idempotent requests are retried up to 3 times on 503 with exponential backoff; POST is never retried.",
            criteria: [
              { index: 1, status: "met", evidence: { kind: "command", command: "sh run-tests.sh", result: "# pass 60" } },
              { index: 2, status: "met", evidence: { kind: "file", path: "src/client.js", line: 12 } },
              { index: 3, status: "met", evidence: { kind: "file", path: "src/logger.js", line: 4 } },
            ],
          },
          null,
          2,
        ) +
        "\n```",
    ),
  );
  return script;
}

function module(k: number): string {
  return MODULES[k % MODULES.length]!;
}
