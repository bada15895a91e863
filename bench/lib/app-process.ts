import { fork, type ChildProcess } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Run } from "../../src/domain/run.js";
import { startHamster, within, type HamsterUnderTest, type StartHamsterOptions } from "./app-harness.js";
import { readTreeCpuMs, startSampling, type ProcessSample } from "./process-sampling.js";

/**
 * The real app (startHamster: Probot's middleware on node:http, against the fake GitHub) in
 * a Node process of its own, the compiled dist/bench/lib/app-process.js, as `npm start` runs
 * it: what it measures of itself — its CPU time, its memory, its event-loop delay — is the
 * app's alone, not that of the fake servers or the runners of the benchmark driving it. The
 * benchmark drives it over IPC (start, measure, wait until idle and report, close) and over
 * HTTP (webhooks in; the app's endpoints).
 */

export interface AppProcessOptions extends Omit<StartHamsterOptions, "github"> {
  /** The fake GitHub, as GHE_HOST: 127.0.0.1:<port>. */
  readonly githubHost: string;
}

export interface AppProcessReport {
  /** The app process's own CPU time (process.cpuUsage, user + system) since `startMeasuring`, ms. */
  readonly cpuMs: number;
  /** The same with the child processes it started and waited for (git, sandboxed commands), ms; null without /proc. */
  readonly treeCpuMs: number | null;
  /** Whether the app became idle (every run ended) within the time given. */
  readonly idle: boolean;
  /** Memory and event-loop delay while measuring. */
  readonly load: ProcessSample;
  /** The same over `idleSampleMs` before measuring began: the app loaded and listening, nothing to do. */
  readonly idleSample: ProcessSample;
  /** The runs of the tasks asked about. */
  readonly runs: Run[];
  readonly errorsLogged: number;
  /** Requests to the app's own endpoints, by "METHOD path". */
  readonly appRequests: Record<string, number>;
}

export interface AppProcess {
  /** http://127.0.0.1:<port>/api/github/webhooks */
  readonly webhookUrl: string;
  /** http://127.0.0.1:<port>: HAMSTER_PUBLIC_URL. */
  readonly publicUrl: string;
  /** Samples the idle app for `idleSampleMs`, then starts measuring. */
  startMeasuring(idleSampleMs: number): Promise<void>;
  /** Waits until the app is idle (at most `timeoutMs`), stops measuring and reports, with the runs of `tasks`. */
  finish(input: { timeoutMs: number; tasks: readonly { repoId: number; issue: number }[] }): Promise<AppProcessReport>;
  /** Closes the app and ends its process. */
  close(): Promise<void>;
}

type Command =
  | { kind: "start"; options: AppProcessOptions }
  | { kind: "measure"; idleSampleMs: number }
  | { kind: "finish"; timeoutMs: number; tasks: readonly { repoId: number; issue: number }[] }
  | { kind: "close" };
type Answer = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** How long the process may take to exit once the app is closed. */
const EXIT_GRACE_MS = 5_000;

/** Where `npm run build` puts this module compiled, whether it runs compiled or from its TypeScript source (the tests). */
function resolveEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith(".ts") ? resolve(dirname(here), "../../dist/bench/lib/app-process.js") : here;
}

export async function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  // No execArgv of this process (--input-type, a test runner's loaders): the app starts as `node` starts it.
  const child = fork(resolveEntry(), [], { execArgv: [], serialization: "advanced", stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4_000)));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const call = createCaller(child, () => stderr);
  try {
    const { webhookUrl, publicUrl } = (await call({ kind: "start", options })) as { webhookUrl: string; publicUrl: string };
    return {
      webhookUrl,
      publicUrl,
      startMeasuring: async (idleSampleMs) => void (await call({ kind: "measure", idleSampleMs })),
      finish: async (input) => (await call({ kind: "finish", ...input })) as AppProcessReport,
      close: async () => {
        await call({ kind: "close" }).catch(() => undefined);
        await endProcess(child, exited);
      },
    };
  } catch (error) {
    await endProcess(child, exited);
    throw error;
  }
}

/** Sends commands and matches the answers; an answer never comes when the process dies, and then the call rejects. */
function createCaller(child: ChildProcess, stderr: () => string) {
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  child.on("message", (message: Answer) => {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.ok) waiter?.resolve(message.value);
    else waiter?.reject(new Error(`The app process failed: ${message.error}`));
  });
  child.once("exit", (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`The app process exited (${code ?? signal}): ${stderr()}`));
    pending.clear();
  });
  return (command: Command): Promise<unknown> =>
    new Promise((resolvePromise, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolvePromise, reject });
      child.send({ id, command }, (error) => {
        if (!error) return;
        pending.delete(id);
        reject(error);
      });
    });
}

async function endProcess(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill("SIGKILL"), EXIT_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------
// In the app's process

interface Measuring {
  readonly cpu: NodeJS.CpuUsage;
  readonly treeCpuMs: number | null;
  readonly sampling: ReturnType<typeof startSampling>;
  readonly idleSample: ProcessSample;
}

function serveParent(): void {
  let app: HamsterUnderTest | undefined;
  let measuring: Measuring | undefined;
  const run = async (command: Command): Promise<unknown> => {
    switch (command.kind) {
      case "start": {
        const { githubHost, ...rest } = command.options;
        app = await startHamster({ ...rest, github: { host: githubHost } });
        return { webhookUrl: app.server.url, publicUrl: new URL(app.server.url).origin };
      }
      case "measure": {
        const idle = startSampling();
        await new Promise((done) => setTimeout(done, command.idleSampleMs));
        measuring = { idleSample: idle.stop(), cpu: process.cpuUsage(), treeCpuMs: readTreeCpuMs(), sampling: startSampling() };
        return null;
      }
      case "finish":
        return finishMeasuring(need(app), need(measuring), command);
      case "close":
        await app?.close();
        app = undefined;
        return null;
    }
  };
  process.on("message", (message: { id: number; command: Command }) => {
    run(message.command).then(
      (value) => process.send?.({ id: message.id, ok: true, value } satisfies Answer),
      (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Answer),
    );
  });
  // The benchmark is gone (or done): nothing else keeps this process.
  process.on("disconnect", () => void Promise.resolve(app?.close()).finally(() => process.exit(0)));
}

async function finishMeasuring(app: HamsterUnderTest, measuring: Measuring, command: Extract<Command, { kind: "finish" }>): Promise<AppProcessReport> {
  const idle = await within(app.hamster.idle(), command.timeoutMs);
  const cpu = process.cpuUsage(measuring.cpu);
  const treeCpuMs = readTreeCpuMs();
  const load = measuring.sampling.stop();
  return {
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    treeCpuMs: treeCpuMs === null || measuring.treeCpuMs === null ? null : Math.round(treeCpuMs - measuring.treeCpuMs),
    idle,
    load,
    idleSample: measuring.idleSample,
    runs: command.tasks.flatMap(({ repoId, issue }) => app.hamster.runs.listRunsForTask(repoId, issue)),
    errorsLogged: app.log.errors(),
    appRequests: app.server.appRequests(),
  };
}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("The app process was asked to measure before it started, or to finish before it measured.");
  return value;
}

if (process.send !== undefined && process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) serveParent();
