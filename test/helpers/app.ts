import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import nock from "nock";
import { createProbot, Probot } from "probot";
import pino from "pino";
import { parseSettings, type AppSettings } from "../../src/config/env.js";
import type { ExecutorName } from "../../src/domain/executor-name.js";
import { createHamsterApp, type HamsterApp, type HamsterAppOptions } from "../../src/index.js";
import type { HttpHandler } from "../../src/server/route-table.js";
import { serveOnLoopback } from "../../bench/lib/http.js";
import { anthropicLike } from "../security/fake-secrets.js";
import { BenchOctokit as TestOctokit, getBenchPrivateKey as generatePrivateKey } from "../../bench/lib/app-harness.js";

/** Generated per test process: no key is ever committed. */
// One generated key per process and an Octokit without retries: the benchmarks' own.
export { generatePrivateKey, TestOctokit };

export function disableNetwork(): void {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
}

export interface TestApp {
  probot: Probot;
  hamster: HamsterApp;
  settings: AppSettings;
  dataDir: string;
  /** Log lines the app wrote, as parsed JSON. */
  logs: Record<string, unknown>[];
  receive(name: string, payload: object, id?: string): Promise<void>;
  close(): Promise<void>;
}

export async function createTestApp(
  options: {
    env?: Record<string, string>;
    /** Probot's own variables (GHE_HOST, GHE_PROTOCOL, …), read the way `npm start` reads them. */
    probotEnv?: Record<string, string>;
    builtinAgent?: HamsterAppOptions["builtinAgent"];
    /** PATH and variables the agent registry sees; by default an empty PATH, so no command-line agent is found. */
    agentEnv?: NodeJS.ProcessEnv;
    dataDir?: string;
    /** Serves the app's own endpoints (runner protocol, model gateway) on 127.0.0.1, as HAMSTER_PUBLIC_URL; default true. */
    serve?: boolean;
    /** Starts each run's wall-clock deadline in place of the app's timer (see test/helpers/deadlines.ts). */
    startRunDeadline?: HamsterAppOptions["startRunDeadline"];
    /** Where runs execute (HAMSTER_EXECUTOR); default the app's default, local. */
    executor?: ExecutorName;
    /** Serves the app at this address instead of a new one: an app started again keeps its public URL. */
    endpoint?: LoopbackEndpoint;
  } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "hamster-data-"));
  const ownEndpoint = options.serve !== false && !options.endpoint ? await createLoopbackEndpoint() : undefined;
  const server = options.endpoint ?? ownEndpoint;
  const env: Record<string, string> = {
    HAMSTER_DATA_DIR: dataDir,
    ANTHROPIC_API_KEY: anthropicLike("test-key"),
    HAMSTER_MODEL: "claude-sonnet-5-5",
    ...(server ? { HAMSTER_PUBLIC_URL: server.url } : {}),
    ...(options.executor ? { HAMSTER_EXECUTOR: options.executor } : {}),
    ...options.env,
  };
  // An empty value unsets a default (e.g. ANTHROPIC_API_KEY: "" for an app without a key).
  for (const [name, value] of Object.entries(env)) if (value === "") delete env[name];
  const settings = parseSettings(env);
  const logs: Record<string, unknown>[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const probot = createProbot({
    env: { APP_ID: "1", PRIVATE_KEY: generatePrivateKey(), WEBHOOK_SECRET: "test-secret", ...options.probotEnv },
    overrides: { Octokit: TestOctokit, log },
  });
  const hamster = createHamsterApp({
    settings,
    env: options.agentEnv ?? { PATH: "" },
    progressIntervalMs: 50,
    writeMinTimeMs: 0,
    ...(options.builtinAgent ? { builtinAgent: options.builtinAgent } : {}),
    ...(options.startRunDeadline ? { startRunDeadline: options.startRunDeadline } : {}),
    // A runner reads its settings (the sandbox, its limits) from its environment, as the app
    // reads its own from the process's: here both come from the test's variables. It runs on
    // this machine, so it finds the same command-line agents.
    runnerEnv: { ...process.env, ...options.agentEnv, ...env },
  });
  await probot.load(hamster.appFn);
  server?.serve(hamster.httpHandler);
  return {
    probot,
    hamster,
    settings,
    dataDir,
    logs,
    async receive(name, payload, id = randomUUID()) {
      await probot.receive({ id, name, payload } as Parameters<Probot["receive"]>[0]);
    },
    async close() {
      await hamster.close();
      await ownEndpoint?.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An address on 127.0.0.1 whose handler can be swapped, for an app that is stopped and started again. */
export interface LoopbackEndpoint {
  readonly url: string;
  serve(handler: HttpHandler): void;
  close(): Promise<void>;
}

export async function createLoopbackEndpoint(): Promise<LoopbackEndpoint> {
  let handler: HttpHandler | undefined;
  const server = await serveOnLoopback((request, response) => handler?.(request, response) ?? false);
  return { url: server.url, serve: (next) => void (handler = next), close: () => server.close() };
}

const require = createRequire(import.meta.url);
type Example = { name: string; examples: Record<string, any>[] };
const examples = require("@octokit/webhooks-examples") as Example[];

/** A real payload from @octokit/webhooks-examples, deep-copied so a test can adjust it. */
export function loadExample(event: string, action: string): Record<string, any> {
  const found = examples.find((e) => e.name === event)?.examples.find((x) => x.action === action);
  if (!found) throw new Error(`No ${event}.${action} example in @octokit/webhooks-examples`);
  return structuredClone(found);
}
