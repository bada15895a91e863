import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AgentError } from "../../src/agent/provider.js";
import { RunFailure } from "../../src/domain/run-failure.js";
import { createJobBoard, type JobBoard } from "../../src/executors/process/job-board.js";
import { createProcessExecutor, type ProcessExecutorDeps } from "../../src/executors/process/process-executor.js";
import { RunnerLost } from "../../src/executors/process/supervise-runner.js";
import { createProtocolClient, type ProtocolClient } from "../../src/runner/protocol-client.js";
import { createRunnerProtocolHandler } from "../../src/server/runner-protocol.js";
import { createFakeRunCredentials } from "../helpers/fake-run-credentials.js";
import { runTestGit } from "../helpers/git.js";
import { buildJob, createRecordingIo } from "../helpers/jobs.js";
import { createMirrorArea, gitIn, WORK_BRANCH, type MirrorArea } from "../workspace/checkout-fixture.js";

/**
 * The process executor's side of the contract, with the test playing the runner over the
 * protocol: the spawned "runner" is an idle process, and the test speaks for it with its
 * credential. No build needed.
 */

const RESULT = {
  plan: ["Add retries"],
  verification: null,
  report: { criteria: [] },
  summary: "Done.",
  totals: { turns: 1, usage: null, costUsd: null },
};

let area: MirrorArea;
let checkoutDir: string;
let startSha: string;
let board: JobBoard;
let credentials: ReturnType<typeof createFakeRunCredentials>;
let server: Server;
let appUrl: string;
let idle: ChildProcess | undefined;

beforeEach(async () => {
  area = await createMirrorArea();
  const run = await area.prepareRun();
  checkoutDir = run.dir;
  startSha = run.prepared.headSha;
  board = createJobBoard();
  credentials = createFakeRunCredentials();
  const handler = createRunnerProtocolHandler({ board, credentials });
  server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  if (idle?.pid !== undefined && idle.exitCode === null && idle.signalCode === null) process.kill(idle.pid, "SIGKILL");
  idle = undefined;
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  await area.remote.cleanup();
});

/** An executor whose runner is an idle process; resolves `client` with a protocol client holding its credential. */
function createExecutorWithTestRunner(overrides: Partial<ProcessExecutorDeps> = {}) {
  let resolveClient!: (client: ProtocolClient) => void;
  const client = new Promise<ProtocolClient>((resolve) => (resolveClient = resolve));
  const executor = createProcessExecutor({
    board,
    credentials,
    appUrl,
    // The idle "runner" never exits by itself.
    exitGraceMs: 50,
    spawnRunner: (env) => {
      resolveClient(createProtocolClient({ url: appUrl, credential: env["HAMSTER_RUN_CREDENTIAL"]!, attempts: 1 }));
      idle = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
      return idle;
    },
    ...overrides,
  });
  return { executor, client };
}

/** A bundle of one commit on the work branch, built on `base` in a clone of the remote. */
async function makeBundle(base: string, name: string): Promise<string> {
  const dir = join(area.root, name);
  await runTestGit(["clone", "--quiet", "--no-checkout", area.remote.dir, dir]);
  await runTestGit(["-C", dir, "fetch", "--quiet", checkoutDir, `refs/heads/${WORK_BRANCH}`]);
  await runTestGit(["-C", dir, "checkout", "--quiet", "-b", WORK_BRANCH, base]);
  await writeFile(join(dir, `${name}.txt`), `${name}\n`);
  await runTestGit(["-C", dir, "add", "--all"]);
  await runTestGit(["-C", dir, "commit", "--quiet", `--message=${name}`]);
  const bundle = join(area.root, `${name}.bundle`);
  await runTestGit(["-C", dir, "bundle", "create", "--quiet", bundle, `refs/heads/${WORK_BRANCH}`, `^${base}`]);
  return bundle;
}

describe("the process executor, with the test as its runner", () => {
  it("returns the runner's result and takes a bundle that descends from the start commit", async () => {
    const redactor = { addSecret: vi.fn() };
    const { executor, client } = createExecutorWithTestRunner({ redactor });
    const running = executor.run(buildJob({ checkoutDir }), createRecordingIo());
    const runner = await client;
    expect(await runner.getJob()).toMatchObject({ startSha, workBranch: WORK_BRANCH });
    await runner.uploadWorkBundle(await makeBundle(startSha, "good"));
    await runner.postResult({ outcome: "completed", result: RESULT });
    expect(await running).toEqual(RESULT);
    expect((await gitIn(checkoutDir, ["log", "-1", "--format=%s"])).trim()).toBe("good");
    expect(redactor.addSecret).toHaveBeenCalledWith(credentials.issued[0], { temporary: true });
    // It reported, but did not exit: stopped after a grace.
    expect(idle!.signalCode).toBe("SIGKILL");
  });

  it("refuses a bundle that does not descend from the start commit, with the reason, and keeps nothing of it", async () => {
    const { executor, client } = createExecutorWithTestRunner();
    const running = executor.run(buildJob({ checkoutDir }), createRecordingIo());
    const runner = await client;
    // Built on the base branch, beside the start commit.
    await runner.uploadWorkBundle(await makeBundle(`${startSha}~1`, "beside"));
    await runner.postResult({ outcome: "completed", result: RESULT });
    const error = await running.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailure);
    expect((error as Error).message).toMatch(/refused the runner's work: its commit [0-9a-f]{12} does not descend from the run's start commit/);
    expect((await gitIn(checkoutDir, ["rev-parse", "HEAD"])).trim()).toBe(startSha);
  });

  it("refuses the work of a runner whose bundle was over the size limit", async () => {
    const handler = createRunnerProtocolHandler({ board, credentials, maxWorkBundleBytes: 100 });
    server.removeAllListeners("request");
    server.on("request", (req, res) => void handler(req, res));
    const { executor, client } = createExecutorWithTestRunner();
    const running = executor.run(buildJob({ checkoutDir }), createRecordingIo());
    const runner = await client;
    await expect(runner.uploadWorkBundle(await makeBundle(startSha, "large"))).rejects.toMatchObject({ status: 413 });
    await runner.postResult({ outcome: "completed", result: RESULT });
    await expect(running).rejects.toThrow(/work bundle is larger than 100 bytes/);
    expect((await gitIn(checkoutDir, ["rev-parse", "HEAD"])).trim()).toBe(startSha);
  });

  it("throws a failed outcome as the AgentError the lifecycle knows, budget included", async () => {
    const { executor, client } = createExecutorWithTestRunner();
    const running = executor.run(buildJob({ checkoutDir }), createRecordingIo());
    await (await client).postResult({ outcome: "failed", error: { message: "The run's cost budget is spent.", code: "budget", budget: "cost" } });
    const error = await running.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect(error).toMatchObject({ message: "The run's cost budget is spent.", code: "budget", budget: "cost" });
  });

  it("throws a failed outcome without a code as a RunFailure with the runner's message", async () => {
    const { executor, client } = createExecutorWithTestRunner();
    const running = executor.run(buildJob({ checkoutDir }), createRecordingIo());
    await (await client).postResult({ outcome: "failed", error: { message: "The setup command failed." } });
    await expect(running).rejects.toEqual(new RunFailure("The setup command failed."));
  });

  it("rethrows what refused a stage (a shutdown), once the runner has reported", async () => {
    class DrainStop extends Error {}
    const drain = new DrainStop("The app is shutting down.");
    const { executor, client } = createExecutorWithTestRunner();
    const io = createRecordingIo({ refuse: (event) => (event.kind === "stage" ? drain : undefined) });
    const running = executor.run(buildJob({ checkoutDir }), io);
    const runner = await client;
    const answer = await runner.postEvents([{ seq: 1, at: new Date().toISOString(), event: { kind: "stage", state: "planning" } }]);
    expect(answer).toEqual({ applied: 1, stop: "The app is shutting down." });
    await runner.postResult({ outcome: "failed", error: { message: "Stopped.", code: "cancelled" } });
    await expect(running).rejects.toBe(drain);
  });

  it("presumes a silent runner dead, kills it, and ends with RunnerLost", async () => {
    const { executor } = createExecutorWithTestRunner({ heartbeatTimeoutMs: 300 });
    const error = await executor.run(buildJob({ checkoutDir }), createRecordingIo()).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(RunnerLost);
    expect((error as Error).message).toMatch(/stopped answering for 0 s and was presumed dead/);
    await vi.waitFor(() => expect(idle!.signalCode).toBe("SIGKILL"));
    expect(board.size).toBe(0);
  });

  it("tells the runner to stop on the signal, and kills it when it does not report in time", async () => {
    const controller = new AbortController();
    const { executor, client } = createExecutorWithTestRunner({ stopGraceMs: 300 });
    const running = executor.run(buildJob({ checkoutDir }), createRecordingIo({ signal: controller.signal }));
    const runner = await client;
    expect(await runner.waitForControl(0)).toEqual({ stop: null });
    controller.abort({ kind: "cancel", by: "alice" });
    expect(await runner.waitForControl(2000)).toEqual({ stop: "Cancelled by @alice." });
    const error = await running.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(RunnerLost);
    expect((error as Error).message).toMatch(/did not stop within 0 s of being told to/);
    expect(idle!.signalCode).toBe("SIGKILL");
  });

  it("revokes the credential and frees the attempt when the runner cannot even start", async () => {
    const executor = createProcessExecutor({
      board,
      credentials,
      appUrl,
      spawnRunner: () => spawn("/nonexistent/hamster-runner", [], { stdio: "ignore" }),
    });
    await expect(executor.run(buildJob({ checkoutDir }), createRecordingIo())).rejects.toThrow(/could not be started/);
    expect(board.size).toBe(0);
    expect(credentials.verify(credentials.issued[0]!)).toBeNull();
  });
});
