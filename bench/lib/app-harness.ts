import { execFile } from "node:child_process";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import pino from "pino";
import { createNodeMiddleware, createProbot, type ApplicationFunction, type Logger } from "probot";
import { AppOctokit } from "../../src/github/app-octokit.js";
import { parseSettings } from "../../src/config/env.js";
import { createHamsterApp, type HamsterApp } from "../../src/index.js";
import type { HttpHandler } from "../../src/server/route-table.js";
import type { Run } from "../../src/domain/run.js";
import type { ExecutorName } from "../../src/domain/executor-name.js";
import type { BenchmarkFigure } from "./figure.js";
import { startFakeAnthropicServer, type ScriptedMessage } from "./fake-anthropic-server.js";
import { startFakeGitHubServer, type FakeGitHubServer } from "./fake-github-server.js";
import { closeServer, listenOnLoopback, readBody } from "./http.js";

/**
 * What the app-level benchmarks share: the real Hamster app (or a bare Probot app) started
 * the way `npm start` starts it — Probot's node middleware on a node:http server on
 * 127.0.0.1, against the fake GitHub through GHE_HOST/GHE_PROTOCOL — signed webhook
 * deliveries built from @octokit/webhooks-examples, local bare repositories as remotes, and
 * a scripted model that answers after a delay.
 *
 * Octokit's retry and throttling plugins are off, as in the tests (with throttling on, every
 * write waits about a second and the benchmarks would measure that spacing), and the app's
 * own write limiter gets `writeMinTimeMs` (default 0 here: one write of an installation at a
 * time, no spacing). Logging is silent: nothing is written; error lines are only counted.
 */

export const WEBHOOK_SECRET = "bench-webhook-secret";
export const WEBHOOK_PATH = "/api/github/webhooks";
export const OWNER = "Codertocat";
export const SENDER = "Codertocat";
export const INSTALLATION_ID = 4711;

export const TASK_BODY = [
  "The onboarding docs link to a greeting file that does not exist yet.",
  "",
  "## Acceptance criteria",
  "",
  "- `hello.txt` exists at the root and contains `hello`",
  "",
].join("\n");

let privateKey: string | undefined;
/** One RSA key per process (generating one takes a while); never written anywhere. */
export function getBenchPrivateKey(): string {
  privateKey ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
  return privateKey;
}

/** The app's Octokit with retries and throttling off, in the function form Probot does not override. */
export const BenchOctokit = AppOctokit.defaults((o: Record<string, unknown>) => ({
  ...o,
  retry: { enabled: false },
  throttle: { ...(o.throttle as object), enabled: false },
}));

export interface BenchLog {
  readonly log: Logger;
  /** Error-level lines logged so far. */
  errors(): number;
}

/** A logger that writes nothing and counts error lines (the app is otherwise silent). */
export function createBenchLog(): BenchLog {
  let errors = 0;
  const log = pino({ level: "error" }, { write: () => void errors++ }) as unknown as Logger;
  return { log, errors: () => errors };
}

// ---------------------------------------------------------------------------------------
// Repositories

const execFileAsync = promisify(execFile);

/** git isolated from the machine's configuration, committing as "Bench". */
function runBenchGit(args: string[], cwd?: string) {
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
  return execFileAsync("git", args, { cwd: cwd ?? tmpdir(), env });
}

/** A bare repository whose `main` holds a README; returns its file:// URL. */
export async function createBareRemote(dir: string): Promise<string> {
  const work = `${dir}-seed`;
  await runBenchGit(["init", "--quiet", "--bare", "--initial-branch=main", dir]);
  await runBenchGit(["init", "--quiet", "--initial-branch=main", work]);
  await writeFile(path.join(work, "README.md"), "# Bench repository\n");
  await runBenchGit(["add", "--all"], work);
  await runBenchGit(["commit", "--quiet", "--message=Initial commit"], work);
  await runBenchGit(["push", "--quiet", dir, "HEAD:refs/heads/main"], work);
  await rm(work, { recursive: true, force: true });
  return pathToFileURL(dir).href;
}

/** Commits `files` (path → content) on `main` of the bare repository at `cloneUrl` (file://). */
export async function commitToBareRemote(cloneUrl: string, files: Readonly<Record<string, string>>, message: string): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), "hamster-bench-commit-"));
  try {
    await runBenchGit(["clone", "--quiet", "--branch", "main", cloneUrl, work]);
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(work, name)), { recursive: true });
      await writeFile(path.join(work, name), content);
    }
    await runBenchGit(["add", "--all"], work);
    await runBenchGit(["commit", "--quiet", `--message=${message}`], work);
    await runBenchGit(["push", "--quiet", "origin", "HEAD:refs/heads/main"], work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A repository as the payloads describe it. */
export interface BenchRepo {
  readonly id: number;
  readonly owner: string;
  readonly name: string;
  readonly cloneUrl: string;
  /** On the fake GitHub. */
  readonly htmlUrl: string;
}

export function benchRepo(index: number, cloneUrl: string, githubUrl: string): BenchRepo {
  const name = `bench-repo-${index}`;
  return { id: 900_000 + index, owner: OWNER, name, cloneUrl, htmlUrl: `${githubUrl}/${OWNER}/${name}` };
}

export interface WorkArea {
  readonly root: string;
  readonly repos: BenchRepo[];
  cleanup(): Promise<void>;
}

/** A temporary directory and the bare remotes in it. */
export async function createWorkArea(prefix: string, repos: number, githubUrl: string): Promise<WorkArea> {
  const root = await mkdtemp(path.join(tmpdir(), `hamster-bench-${prefix}-`));
  const list: BenchRepo[] = [];
  for (let i = 1; i <= repos; i++) list.push(benchRepo(i, await createBareRemote(path.join(root, `remote-${i}.git`)), githubUrl));
  return { root, repos: list, cleanup: () => rm(root, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------
// Webhook deliveries

type Payload = Record<string, any>;
type Example = { name: string; examples: Payload[] };
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as Example[];

/** A real payload from @octokit/webhooks-examples, deep-copied. */
export function loadExample(event: string, action: string): Payload {
  const found = examples.find((e) => e.name === event)?.examples.find((x) => x.action === action);
  if (!found) throw new Error(`No ${event}.${action} example in @octokit/webhooks-examples`);
  return structuredClone(found);
}

function pointAt(payload: Payload, repo: BenchRepo, issueNumber: number, installationId: number): Payload {
  payload.installation = { id: installationId };
  Object.assign(payload.repository, {
    id: repo.id,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    clone_url: repo.cloneUrl,
    default_branch: "main",
    html_url: repo.htmlUrl,
  });
  payload.repository.owner.login = repo.owner;
  Object.assign(payload.issue, {
    number: issueNumber,
    title: `Add a greeting file (${issueNumber})`,
    body: TASK_BODY,
    html_url: `${repo.htmlUrl}/issues/${issueNumber}`,
  });
  payload.sender.login = SENDER;
  return payload;
}

/** `issues.labeled` with the hamster:deliver label. */
export function labeledPayload(repo: BenchRepo, issueNumber: number, installationId = INSTALLATION_ID): Payload {
  const payload = pointAt(loadExample("issues", "labeled"), repo, issueNumber, installationId);
  payload.label.name = "hamster:deliver";
  return payload;
}

/** `issue_comment.created` with a `/deliver` comment. */
export function commentPayload(repo: BenchRepo, issueNumber: number, commentId: number, installationId = INSTALLATION_ID): Payload {
  const payload = pointAt(loadExample("issue_comment", "created"), repo, issueNumber, installationId);
  payload.comment.id = commentId;
  payload.comment.body = "/deliver";
  return payload;
}

/** A delivery ready to send: body serialized and signed ahead of time, so timing covers only the HTTP exchange. */
export interface SignedDelivery {
  readonly id: string;
  readonly name: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}

export function signDelivery(id: string, name: string, payload: Payload, secret = WEBHOOK_SECRET): SignedDelivery {
  const body = JSON.stringify(payload);
  return {
    id,
    name,
    body,
    headers: {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      "user-agent": "GitHub-Hookshot/bench",
      "x-github-event": name,
      "x-github-delivery": id,
      "x-github-hook-id": "1",
      "x-github-hook-installation-target-type": "integration",
      "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    },
  };
}

export interface DeliveryResponse {
  readonly status: number;
  /** From sending the request to the end of the response. */
  readonly ms: number;
  /** performance.now() when the request was sent. */
  readonly sentAt: number;
}

/** POSTs one delivery and times the response. */
export function postDelivery(url: string, delivery: SignedDelivery, agent?: Agent): Promise<DeliveryResponse> {
  return new Promise((resolve, reject) => {
    const sentAt = performance.now();
    const req = httpRequest(url, { method: "POST", headers: delivery.headers, ...(agent ? { agent } : {}) }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - sentAt, sentAt }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(delivery.body);
  });
}

/** Sends the deliveries with at most `concurrency` in flight, in order; the responses in the same order. */
export async function postAll(url: string, deliveries: readonly SignedDelivery[], concurrency: number): Promise<DeliveryResponse[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const responses: DeliveryResponse[] = new Array(deliveries.length);
  let next = 0;
  const lane = async () => {
    while (next < deliveries.length) {
      const i = next++;
      responses[i] = await postDelivery(url, deliveries[i]!, agent);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, deliveries.length) }, lane));
  } finally {
    agent.destroy();
  }
  return responses;
}

// ---------------------------------------------------------------------------------------
// The app over HTTP

export interface WebhookServer {
  /** http://127.0.0.1:<port>/api/github/webhooks */
  readonly url: string;
  /** Requests to the app's own endpoints so far (runner protocol, model gateway), by "METHOD path". */
  appRequests(): Record<string, number>;
  close(): Promise<void>;
}

/** Where the app's own endpoints live; what a benchmark counts of them shows which executor ran. */
const APP_ENDPOINTS_PREFIX = "/api/hamster/";

/**
 * Loads the app into a Probot built from the environment (as `probot run` builds it:
 * GHE_HOST/GHE_PROTOCOL point it at the fake GitHub) and serves Probot's node middleware
 * from a node:http server on 127.0.0.1.
 */
/** An app that needs its own address first (for its model gateway): built once the server listens. */
export interface AppBuilder {
  build(baseUrl: string): { appFn: ApplicationFunction; httpHandler?: HttpHandler };
}

export async function startWebhookServer(
  app: ApplicationFunction | AppBuilder,
  github: Pick<FakeGitHubServer, "host">,
  log: Logger,
): Promise<WebhookServer> {
  const probot = createProbot({
    env: {
      APP_ID: "1",
      PRIVATE_KEY: getBenchPrivateKey(),
      WEBHOOK_SECRET,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      LOG_LEVEL: "silent",
    },
    overrides: { Octokit: BenchOctokit, log },
  });
  // Listening first: the app learns its own address (the gateway's) before it is built.
  let middleware: Awaited<ReturnType<typeof createNodeMiddleware>> | undefined;
  let httpHandler: HttpHandler | undefined;
  const appRequests: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    const requestPath = (req.url ?? "/").split("?")[0]!;
    if (requestPath.startsWith(APP_ENDPOINTS_PREFIX)) {
      const key = `${req.method ?? "GET"} ${requestPath}`;
      appRequests[key] = (appRequests[key] ?? 0) + 1;
    }
    const notFound = () => void (httpHandler ? Promise.resolve(httpHandler(req, res)) : Promise.resolve(false)).then((handled) => handled || res.writeHead(404).end());
    if (!middleware) return notFound();
    void middleware(req, res, notFound);
  });
  const port = await listenOnLoopback(server);
  const baseUrl = `http://127.0.0.1:${port}`;
  const { appFn, httpHandler: handler } = typeof app === "function" ? { appFn: app, httpHandler: undefined } : app.build(baseUrl);
  httpHandler = handler;
  middleware = await createNodeMiddleware(appFn, { probot, webhooksPath: WEBHOOK_PATH });
  return {
    url: `${baseUrl}${WEBHOOK_PATH}`,
    appRequests: () => ({ ...appRequests }),
    close: () => closeServer(server),
  };
}

/** A Probot app that subscribes to the same events and does nothing with them. */
export const bareAppFn: ApplicationFunction = (app) => {
  app.on(["issues.labeled", "issue_comment.created"], async () => undefined);
};

export interface HamsterUnderTest {
  readonly hamster: HamsterApp;
  readonly server: WebhookServer;
  readonly log: BenchLog;
  close(): Promise<void>;
}

export interface StartHamsterOptions {
  readonly github: Pick<FakeGitHubServer, "host">;
  readonly modelUrl: string;
  readonly dataDir: string;
  readonly concurrency?: number;
  /** Default: the app's own (5 s). */
  readonly progressIntervalMs?: number;
  /** Default 0: the limiter keeps one write of an installation in flight, with no spacing. */
  readonly writeMinTimeMs?: number;
  /** Where runs execute (HAMSTER_EXECUTOR); default the app's own default, `local`. */
  readonly executor?: ExecutorName;
  /** More settings (HAMSTER_ACTIONS_OIDC_ISSUER, say), over the ones above. */
  readonly settingsEnv?: Readonly<Record<string, string>>;
}

/** What a runner process inherits from this one besides the app's settings: the host basics its git and sandbox need. */
const RUNNER_HOST_VARIABLES = ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ"] as const;

/**
 * A `process` executor's runners get the same HAMSTER_* settings as the app (its sandbox,
 * its limits), as they would from the app's environment in production, so that both
 * executors run under one configuration; the app filters out its secrets itself.
 */
function buildRunnerBaseEnv(settingsEnv: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of RUNNER_HOST_VARIABLES) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...settingsEnv };
}

/** The real app, loaded and listening, its start-up recovery done. */
export async function startHamster(options: StartHamsterOptions): Promise<HamsterUnderTest> {
  const log = createBenchLog();
  let hamster: HamsterApp | undefined;
  const server = await startWebhookServer(
    {
      build(baseUrl) {
        const settingsEnv: Record<string, string> = {
          HAMSTER_DATA_DIR: options.dataDir,
          HAMSTER_CONCURRENCY: String(options.concurrency ?? 2),
          ANTHROPIC_API_KEY: "bench-not-a-real-key",
          ANTHROPIC_BASE_URL: options.modelUrl,
          HAMSTER_PUBLIC_URL: baseUrl,
          ...(options.executor ? { HAMSTER_EXECUTOR: options.executor } : {}),
          ...options.settingsEnv,
        };
        hamster = createHamsterApp({
          settings: parseSettings(settingsEnv),
          env: { PATH: "" },
          runnerEnv: buildRunnerBaseEnv(settingsEnv),
          writeMinTimeMs: options.writeMinTimeMs ?? 0,
          ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
        });
        return { appFn: hamster.appFn, httpHandler: hamster.httpHandler };
      },
    },
    options.github,
    log.log,
  );
  const app = hamster!;
  await app.idle();
  return {
    hamster: app,
    server,
    log,
    async close() {
      await server.close();
      await app.close();
    },
  };
}

/** What an app-level benchmark runs against: the fake GitHub, the scripted model and a work area with bare remotes. */
export interface BenchSetup {
  readonly github: FakeGitHubServer;
  readonly model: ScriptedModel;
  readonly area: WorkArea;
}

export interface BenchSetupOptions {
  /** Names the temporary directory: hamster-bench-<prefix>-…. */
  readonly prefix: string;
  /** Bare remotes in the work area; default 1. */
  readonly repos?: number;
  readonly model?: ScriptedModelOptions;
}

/**
 * Starts the fake GitHub (no secondary limit; SENDER an admin; `main` exists), the scripted
 * model and the work area, hands them to `use`, and closes and removes them afterwards.
 */
export async function withBenchSetup<T>(options: BenchSetupOptions, use: (setup: BenchSetup) => Promise<T>): Promise<T> {
  const github = await startFakeGitHubServer({ secondaryLimit: null, roles: { [SENDER]: "admin" }, branches: ["main"] });
  const model = await startScriptedModel(options.model);
  const area = await createWorkArea(options.prefix, options.repos ?? 1, github.url);
  try {
    return await use({ github, model, area });
  } finally {
    await model.close();
    await github.close();
    await area.cleanup();
  }
}

/** The real app against the setup (data in the work area), handed to `use` and closed afterwards. */
export async function withHamster<T>(
  setup: BenchSetup,
  options: Omit<StartHamsterOptions, "github" | "modelUrl" | "dataDir">,
  use: (app: HamsterUnderTest) => Promise<T>,
): Promise<T> {
  const app = await startHamster({ ...options, github: setup.github, modelUrl: setup.model.url, dataDir: path.join(setup.area.root, "data") });
  try {
    return await use(app);
  } finally {
    await app.close();
  }
}

/** Resolves true when `work` settles within `ms`, false when the time ran out first. */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `done` every 10 ms; true once it holds, false after `ms`. */
export async function waitUntil(done: () => boolean, ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  while (!done()) {
    if (performance.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// The model

export interface ScriptedModel {
  readonly url: string;
  /** Model calls received so far. */
  calls(): number;
  close(): Promise<void>;
}

/**
 * The scripted model of a run (plan, tool turns, end turn, JSON evidence report) behind a proxy
 * that answers each call after `delayMs`; `hold: true` never answers (runs wait on the
 * model until the app shuts down), for measuring intake alone.
 */
export interface ScriptedModelOptions {
  readonly delayMs?: number;
  readonly hold?: boolean;
  readonly toolTurns?: number;
}

export async function startScriptedModel(options: ScriptedModelOptions = {}): Promise<ScriptedModel> {
  const upstream = await startFakeAnthropicServer({ replies: (request) => replyToRun(request, options.toolTurns ?? 1) });
  const delayMs = options.delayMs ?? 0;
  let calls = 0;
  const timers = new Set<NodeJS.Timeout>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    calls++;
    if (options.hold) return;
    if (delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, delayMs);
        timers.add(timer);
      });
    }
    if (res.destroyed) return;
    const answer = await fetch(`${upstream.url}${req.url ?? "/"}`, { method: req.method ?? "POST", headers: { "content-type": "application/json" }, body });
    const text = await answer.text();
    const headers: Record<string, string> = { "content-type": answer.headers.get("content-type") ?? "application/json" };
    const retry = answer.headers.get("x-should-retry");
    if (retry) headers["x-should-retry"] = retry;
    res.writeHead(answer.status, headers);
    res.end(text);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { "x-should-retry": "false" });
      res.end();
    });
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => calls,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await closeServer(server);
      await upstream.close();
    },
  };
}

/**
 * The model's side of a run, chosen by how far its conversation has got: plan; `toolTurns`
 * tool calls (views of README.md, then the edit that creates hello.txt); end turn; the JSON
 * evidence report. With one tool turn this is the scenario of test/helpers/scenario.ts.
 */
export function replyToRun(request: unknown, toolTurns = 1): ScriptedMessage {
  const turns = ((request as { messages?: { role: string }[] }).messages ?? []).filter((m) => m.role === "assistant").length;
  if (turns === 0) return { content: [{ type: "text", text: "- [ ] Create `hello.txt` containing `hello`" }], stop_reason: "end_turn" };
  if (turns < toolTurns) {
    return {
      content: [
        { type: "text", text: `Looking around (${turns}).` },
        { type: "tool_use", id: `toolu_bench_view_${turns}`, name: "str_replace_based_edit_tool", input: { command: "view", path: "README.md" } },
      ],
      stop_reason: "tool_use",
    };
  }
  if (turns === toolTurns) {
    return {
      content: [
        { type: "text", text: "I'll create the file." },
        { type: "tool_use", id: "toolu_bench_create", name: "str_replace_based_edit_tool", input: { command: "create", path: "hello.txt", file_text: "hello\n" } },
      ],
      stop_reason: "tool_use",
    };
  }
  if (turns === toolTurns + 1) return { content: [{ type: "text", text: "Done: hello.txt exists." }], stop_reason: "end_turn" };
  const report = { summary: "Added `hello.txt` containing `hello`.", criteria: [{ index: 1, status: "met", evidence: { kind: "file", path: "hello.txt", line: 1 } }] };
  return { content: [{ type: "text", text: `Here is my report.\n\n\`\`\`json\n${JSON.stringify(report)}\n\`\`\`` }], stop_reason: "end_turn" };
}

// ---------------------------------------------------------------------------------------
// Figures

/** Nearest-rank percentile of the values (0 < p ≤ 100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function ratioOf(ours: number, baseline: number): number | null {
  return baseline === 0 ? null : ours / baseline;
}

/** The middle value (the upper one of an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** How a benchmark's runs ended. */
export interface RunTally {
  readonly succeeded: number;
  /** Runs that did not succeed, or were never created. */
  readonly lost: number;
  readonly states: Record<string, number>;
  /** Why runs did not succeed, with how many. */
  readonly failureReasons: Record<string, number>;
}

/** Tallies the runs of `expected` tasks; `reasonOf` says why one did not succeed (default: its short reason). */
export function tallyRuns(runs: readonly Run[], expected: number, reasonOf: (run: Run) => string = shortReason): RunTally {
  const states = countBy(runs, (run) => run.state);
  const succeeded = states["succeeded"] ?? 0;
  const failureReasons = countBy(
    runs.filter((run) => run.state !== "succeeded"),
    reasonOf,
  );
  return { succeeded, lost: expected - succeeded, states, failureReasons };
}

/** How many of the items fall under each key. */
export function countBy<T>(items: Iterable<T>, key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

/** Why a run ended as it did: the first line of its reason, at most 120 characters. */
export function shortReason(run: Pick<Run, "reason">): string {
  return (run.reason ?? "(no reason)").split("\n")[0]!.slice(0, 120);
}

/** From a run's creation to its end (its last update while it has not ended). */
export function runDurationMs(run: Pick<Run, "createdAt" | "updatedAt" | "finishedAt">): number {
  return Date.parse(run.finishedAt ?? run.updatedAt) - Date.parse(run.createdAt);
}

/** A count reported for information: the ratio ours ÷ baseline, no goal. */
export function infoFigure(figure: string, ours: number, baseline: number): BenchmarkFigure {
  return { figure, ours, baseline, ratio: ratioOf(ours, baseline), goal: "—", pass: null, unit: "count" };
}

/** A count with a goal; the ratio is ours ÷ baseline unless given. */
export function goalFigure(figure: string, ours: number, baseline: number, goal: string, pass: boolean, ratio: number | null = ratioOf(ours, baseline)): BenchmarkFigure {
  return { figure, ours, baseline, ratio, goal, pass, unit: "count" };
}
