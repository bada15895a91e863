import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import pino from "pino";
import { createProbot, ProbotOctokit, type Probot } from "probot";
import { parseSettings } from "../src/config/env.js";
import { createWriteLimiters } from "../src/github/write-limiter.js";
import { createHamsterApp } from "../src/index.js";
import { startFakeAnthropicServer, type ScriptedMessage } from "./lib/fake-anthropic-server.js";
import { startFakeGitHubServer, type FakeGitHubServer, type SecondaryRateLimitRule } from "./lib/fake-github-server.js";
import type { BenchmarkFigure } from "./run.js";

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

export interface VariantFigures {
  readonly runs: number;
  readonly succeeded: number;
  /** Runs that did not succeed, or were never created. */
  readonly lost: number;
  readonly states: Record<string, number>;
  /** Why runs did not succeed (first line of the reason, at most 120 characters), with how many. */
  readonly failureReasons: Record<string, number>;
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

const OWNER = "bench-org";
const REPO = "bench-repo";
const REPO_ID = 4242;
const INSTALLATION_ID = 77;
const SENDER = "maintainer";

const TASK_BODY = [
  "The onboarding docs link to a greeting file that does not exist yet.",
  "",
  "## Acceptance criteria",
  "",
  "- `hello.txt` exists at the root and contains `hello`",
  "",
].join("\n");

export async function runGitHubRateLimitBenchmark(options: GitHubRateLimitOptions = {}): Promise<GitHubRateLimitResult> {
  const config = {
    runs: options.runs ?? 20,
    concurrency: options.concurrency ?? 20,
    minTimeMs: options.minTimeMs ?? 1_000 / TIME_SCALE,
    rule: options.rule ?? { maxWrites: 25, windowMs: 1_000, retryAfterSeconds: 1 },
    progressIntervalMs: options.progressIntervalMs ?? 5_000 / TIME_SCALE,
    timeScale: TIME_SCALE,
  };
  const privateKey = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
  const ours = await runVariant(true, config, privateKey);
  const baseline = await runVariant(false, config, privateKey);
  return { config, ours, baseline };
}

async function runVariant(limited: boolean, config: GitHubRateLimitResult["config"], privateKey: string): Promise<VariantFigures> {
  const root = await mkdtemp(path.join(tmpdir(), "hamster-bench-ratelimit-"));
  const github = await startFakeGitHubServer({ secondaryLimit: config.rule, roles: { [SENDER]: "admin" }, branches: ["main"] });
  const model = await startFakeAnthropicServer({ replies: (request) => replyTo(request) });
  // Disabled, the limiter set still claims each client, so no limiter the app may install itself applies.
  const limiters = createWriteLimiters({ minTimeMs: config.minTimeMs, enabled: limited });
  let errorsLogged = 0;
  const log = pino({ level: "info" }, {
    write(line: string) {
      if ((JSON.parse(line) as { level: number }).level >= 50) errorsLogged++;
    },
  });
  const BenchOctokit = ProbotOctokit.plugin(limiters.plugin).defaults((o: Record<string, unknown>) => ({
    ...o,
    retry: { enabled: false },
    throttle: { ...(o.throttle as object), enabled: false },
  }));
  const hamster = createHamsterApp({
    settings: parseSettings({
      HAMSTER_DATA_DIR: path.join(root, "data"),
      HAMSTER_CONCURRENCY: String(config.concurrency),
      ANTHROPIC_API_KEY: "bench-not-a-real-key",
      ANTHROPIC_BASE_URL: model.url,
    }),
    env: { PATH: "" },
    progressIntervalMs: config.progressIntervalMs,
  });
  try {
    const remoteUrl = await createRemote(path.join(root, "remote.git"));
    const probot = createProbot({
      env: { APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "bench-secret", GHE_HOST: github.host, GHE_PROTOCOL: "http" },
      overrides: { Octokit: BenchOctokit, log },
    });
    await probot.load(hamster.appFn);
    await hamster.idle();

    const issues = Array.from({ length: config.runs }, (_, i) => i + 1);
    const started = performance.now();
    await Promise.all(
      issues.map((n) =>
        probot.receive({ id: `bench-${limited ? "ours" : "baseline"}-${n}`, name: "issues", payload: labeledPayload(n, remoteUrl, github.url) } as Parameters<Probot["receive"]>[0]),
      ),
    );
    await hamster.idle();
    const wallTimeMs = performance.now() - started;
    return summarize(github, hamster.runs, issues, wallTimeMs, errorsLogged);
  } finally {
    await hamster.close();
    await limiters.stop();
    await Promise.all([github.close(), model.close()]);
    await rm(root, { recursive: true, force: true });
  }
}

function summarize(
  github: FakeGitHubServer,
  runStore: ReturnType<typeof createHamsterApp>["runs"],
  issues: readonly number[],
  wallTimeMs: number,
  errorsLogged: number,
): VariantFigures {
  const runs = issues.flatMap((n) => runStore.listRunsForTask(REPO_ID, n));
  const states: Record<string, number> = {};
  for (const run of runs) states[run.state] = (states[run.state] ?? 0) + 1;
  const succeeded = states["succeeded"] ?? 0;
  const failureReasons: Record<string, number> = {};
  for (const run of runs) {
    if (run.state === "succeeded") continue;
    const reason = (run.reason ?? "(no reason)").split("\n")[0]!.slice(0, 120);
    failureReasons[reason] = (failureReasons[reason] ?? 0) + 1;
  }
  const count = issues.length;
  const perRun = (n: number) => round(n / count);
  const byEndpointPerRun = Object.fromEntries(
    Object.entries(github.countByEndpoint())
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([endpoint, n]) => [endpoint, perRun(n)]),
  );
  const durations = runs.map((run) => Math.max(1, Date.parse(run.finishedAt ?? run.updatedAt) - Date.parse(run.createdAt)));
  const updatesOf = (runId: number) => github.checkRuns.filter((c) => c.externalId === String(runId)).reduce((sum, c) => sum + c.updates, 0);
  const ratePerMinute = runs.map((run, i) => updatesOf(run.id) / (durations[i]! / 60_000));
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    runs: count,
    succeeded,
    lost: count - succeeded,
    states,
    failureReasons,
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
    medianRunMs: sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!,
  };
}

export function githubRateLimitFigures(result: GitHubRateLimitResult): BenchmarkFigure[] {
  const { ours, baseline, config } = result;
  const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
  const info = (figure: string, a: number, b: number): BenchmarkFigure => ({ figure, ours: a, baseline: b, ratio: ratio(a, b), goal: "—", pass: null, unit: "count" });
  return [
    { figure: `runs succeeded (of ${config.runs})`, ours: ours.succeeded, baseline: baseline.succeeded, ratio: ratio(ours.succeeded, baseline.succeeded), goal: `= ${config.runs}`, pass: ours.succeeded === config.runs, unit: "count" },
    { figure: "runs lost", ours: ours.lost, baseline: baseline.lost, ratio: null, goal: "= 0", pass: ours.lost === 0, unit: "count" },
    { figure: "secondary-rate-limit errors", ours: ours.secondaryLimitHits, baseline: baseline.secondaryLimitHits, ratio: ratio(ours.secondaryLimitHits, baseline.secondaryLimitHits), goal: "= 0", pass: ours.secondaryLimitHits === 0, unit: "count" },
    {
      figure: "peak writes in any 1 s",
      ours: ours.peakWritesPerSecond,
      baseline: baseline.peakWritesPerSecond,
      ratio: ratio(ours.peakWritesPerSecond, baseline.peakWritesPerSecond),
      goal: `≤ ${config.rule.maxWrites}`,
      pass: ours.peakWritesPerSecond <= config.rule.maxWrites,
      unit: "count",
    },
    info("REST calls per run", ours.restCallsPerRun, baseline.restCallsPerRun),
    info("writes per run", ours.writesPerRun, baseline.writesPerRun),
    info("check-run updates per run", ours.checkRunUpdatesPerRun, baseline.checkRunUpdatesPerRun),
    info("check-run updates per run per minute", ours.checkRunUpdatesPerRunPerMinute, baseline.checkRunUpdatesPerRunPerMinute),
    info("status comment edits per run", ours.statusCommentEditsPerRun, baseline.statusCommentEditsPerRun),
    info("app errors logged", ours.errorsLogged, baseline.errorsLogged),
    info("wall time of all runs (s)", round(ours.wallTimeMs / 1000, 1), round(baseline.wallTimeMs / 1000, 1)),
  ];
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The model's side of each run, chosen by how far its conversation has got: plan, edit, end turn, report. */
function replyTo(request: unknown): ScriptedMessage {
  const messages = ((request as { messages?: { role: string }[] }).messages ?? []).filter((m) => m.role === "assistant");
  switch (messages.length) {
    case 0:
      return { content: [{ type: "text", text: "- [ ] Create `hello.txt` containing `hello`" }], stop_reason: "end_turn" };
    case 1:
      return {
        content: [
          { type: "text", text: "I'll create the file." },
          { type: "tool_use", id: "toolu_bench_1", name: "str_replace_based_edit_tool", input: { command: "create", path: "hello.txt", file_text: "hello\n" } },
        ],
        stop_reason: "tool_use",
      };
    case 2:
      return { content: [{ type: "text", text: "Done: hello.txt exists." }], stop_reason: "end_turn" };
    default: {
      const report = { summary: "Added `hello.txt` containing `hello`.", criteria: [{ index: 1, status: "met", evidence: { kind: "file", path: "hello.txt", line: 1 } }] };
      return { content: [{ type: "text", text: `Here is my report.\n\n\`\`\`json\n${JSON.stringify(report)}\n\`\`\`` }], stop_reason: "end_turn" };
    }
  }
}

function labeledPayload(issueNumber: number, cloneUrl: string, origin: string): Record<string, unknown> {
  const repoHtml = `${origin}/${OWNER}/${REPO}`;
  return {
    action: "labeled",
    label: { name: "hamster:deliver" },
    issue: {
      number: issueNumber,
      title: `Add a greeting file (${issueNumber})`,
      body: TASK_BODY,
      html_url: `${repoHtml}/issues/${issueNumber}`,
      user: { login: SENDER, type: "User" },
    },
    repository: {
      id: REPO_ID,
      name: REPO,
      full_name: `${OWNER}/${REPO}`,
      owner: { login: OWNER, type: "Organization" },
      clone_url: cloneUrl,
      default_branch: "main",
      html_url: repoHtml,
    },
    sender: { login: SENDER, type: "User" },
    installation: { id: INSTALLATION_ID },
  };
}

const execFileAsync = promisify(execFile);

/** A bare repository whose `main` holds a README; returns its file:// URL. */
async function createRemote(dir: string): Promise<string> {
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: tmpdir(),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: "Bench",
    GIT_AUTHOR_EMAIL: "bench@example.test",
    GIT_COMMITTER_NAME: "Bench",
    GIT_COMMITTER_EMAIL: "bench@example.test",
  };
  const git = (args: string[], cwd?: string) => execFileAsync("git", args, { cwd: cwd ?? tmpdir(), env });
  const work = `${dir}-seed`;
  await git(["init", "--quiet", "--bare", "--initial-branch=main", dir]);
  await git(["init", "--quiet", "--initial-branch=main", work]);
  await writeFile(path.join(work, "README.md"), "# Bench repository\n");
  await git(["add", "--all"], work);
  await git(["commit", "--quiet", "--message=Initial commit"], work);
  await git(["push", "--quiet", dir, "HEAD:refs/heads/main"], work);
  await rm(work, { recursive: true, force: true });
  return pathToFileURL(dir).href;
}
