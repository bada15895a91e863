import { anthropicKey } from "../security/fake-secrets.js";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AgentError } from "../../src/agent/provider.js";
import { RunFailure } from "../../src/domain/run-failure.js";
import { spawnCompiledRunner } from "../../src/executors/process/spawn-runner.js";
import { RunnerLost } from "../../src/executors/process/supervise-runner.js";
import { buildJob, createRecordingIo } from "../helpers/jobs.js";
import { RETRY_TURNS, startRunnerHarness, type RunnerHarness } from "../helpers/runner-harness.js";
import { buildRunRequest } from "../helpers/runs.js";
import type { ScriptedTurn } from "../helpers/scripted-model-server.js";
import { createMirrorArea, gitIn, WORK_BRANCH, type MirrorArea } from "../workspace/checkout-fixture.js";

/**
 * The process executor with the real, compiled runner in its own process, against an
 * app-side harness on 127.0.0.1: the job board, the runner protocol, a scripted model (in
 * place of the gateway, through the runner's --model-url), and a checkout of a local remote.
 */
// dist/ (the runner) is compiled once for all tests by test/global-setup.ts.

let area: MirrorArea;
let checkoutDir: string;
let startSha: string;
let harness: RunnerHarness;

beforeEach(async () => {
  area = await createMirrorArea();
  const run = await area.prepareRun();
  checkoutDir = run.dir;
  startSha = run.prepared.headSha;
  harness = await startRunnerHarness();
});

afterEach(async () => {
  await harness.close();
  await area.remote.cleanup();
});

const { plan, createFile, done, report } = RETRY_TURNS;

function startExecutor(turns: readonly ScriptedTurn[], runnerEnv?: NodeJS.ProcessEnv, onSpawn?: (env: Record<string, string>) => void) {
  return harness.startExecutor(turns, {
    // Commands run unsandboxed here: what is under test is the protocol, not the sandbox.
    runnerEnv: runnerEnv ?? { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: area.root, HAMSTER_SANDBOX: "off", LOG_LEVEL: "warn" },
    spawnRunner: (env, modelUrl) => {
      onSpawn?.(env);
      return spawnCompiledRunner(harness.appUrl, env, ["--model-url", modelUrl]);
    },
  });
}

function buildTestJob() {
  return buildJob({
    checkoutDir,
    request: buildRunRequest({ settings: { setup: [], test: "node test.js", budgets: {}, readyForReview: true } }),
  });
}

describe("the process executor with the compiled runner", () => {
  it("runs the job in a runner process and brings its commit into the app's checkout", async () => {
    const executor = await startExecutor([plan, createFile, done, report]);
    const io = createRecordingIo();
    const result = await executor.run(buildTestJob(), io);

    expect(result.plan).toEqual(["Add retry.js with the retry count"]);
    expect(result.verification).toMatchObject({ command: "node test.js", passed: true });
    expect(result.summary).toContain("added retries");
    expect(await readFile(join(checkoutDir, "retry.js"), "utf8")).toBe("export const retries = 3;\n");
    expect((await gitIn(checkoutDir, ["rev-parse", "--abbrev-ref", "HEAD"])).trim()).toBe(WORK_BRANCH);
    expect((await gitIn(checkoutDir, ["rev-parse", "HEAD~1"])).trim()).toBe(startSha);
    expect((await gitIn(checkoutDir, ["log", "-1", "--format=%B"])).trim()).toBe("Add retries\n\nDelivered by Hamster run #5 for #7.");
    expect((await gitIn(checkoutDir, ["status", "--porcelain"])).trim()).toBe("");

    const stages = io.events.flatMap((e) => (e.kind === "stage" ? [e.state] : []));
    expect(stages).toEqual(["planning", "implementing", "verifying", "delivering"]);
    expect(io.events.find((e) => e.kind === "totals")).toMatchObject({ turns: 4 });
    // The attempt is over: off the board, its credential refused.
    expect(harness.board.size).toBe(0);
    expect(harness.credentials.verify(harness.credentials.issued[0]!)).toBeNull();
  });

  it("never passes the app's secrets to the runner, and the credential only in its environment", async () => {
    let seenEnv: Record<string, string> = {};
    const appEnv = { PATH: process.env["PATH"] ?? "", HOME: area.root, HAMSTER_SANDBOX: "off", ANTHROPIC_API_KEY: anthropicKey("app"), WEBHOOK_SECRET: "whsec", GITHUB_TOKEN: "ghs_x" };
    const executor = await startExecutor([plan, createFile, done, report], appEnv, (env) => (seenEnv = env));
    await executor.run(buildTestJob(), createRecordingIo());
    expect(seenEnv["HAMSTER_RUN_CREDENTIAL"]).toBe(harness.credentials.issued[0]);
    expect(Object.keys(seenEnv).sort()).toEqual(["HAMSTER_RUN_CREDENTIAL", "HAMSTER_SANDBOX", "HOME", "PATH"]);
    expect(harness.runner!.spawnargs.join(" ")).not.toContain(harness.credentials.issued[0]!);
    expect(harness.runner!.exitCode).toBe(0);
  });

  it("ends with RunnerLost when the runner is killed mid-job", async () => {
    const executor = await startExecutor([plan, "hang"]);
    const running = executor.run(buildTestJob(), createRecordingIo());
    running.catch(() => undefined);
    // The runner is implementing: its model call is held.
    await vi.waitFor(() => expect(harness.model!.received()).toBe(2), { timeout: 30_000, interval: 50 });
    process.kill(harness.runner!.pid!, "SIGKILL");
    const error = await running.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(RunnerLost);
    expect(error).toBeInstanceOf(RunFailure);
    expect((error as Error).message).toMatch(/exited without a result \(killed by SIGKILL\)/);
    expect(harness.board.size).toBe(0);
    expect((await gitIn(checkoutDir, ["rev-parse", "HEAD"])).trim()).toBe(startSha);
  });

  it("tells the runner of a cancel; it stops and sends its partial work with a cancelled outcome", async () => {
    const executor = await startExecutor([plan, createFile, "hang"]);
    const controller = new AbortController();
    const running = executor.run(buildTestJob(), createRecordingIo({ signal: controller.signal }));
    running.catch(() => undefined);
    // The file is written, and the next model call is held.
    await vi.waitFor(() => expect(harness.model!.received()).toBe(3), { timeout: 30_000, interval: 50 });
    const cancelledAt = Date.now();
    controller.abort({ kind: "cancel", by: "alice" });
    const error = await running.then(() => null, (e: unknown) => e);
    const elapsedMs = Date.now() - cancelledAt;

    // An AgentError "cancelled" is the runner's own outcome: it heard the stop and reported.
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).code).toBe("cancelled");
    expect(elapsedMs).toBeLessThan(15_000);
    expect(await readFile(join(checkoutDir, "retry.js"), "utf8")).toBe("export const retries = 3;\n");
    expect((await gitIn(checkoutDir, ["log", "-1", "--format=%s"])).trim()).toBe("WIP: partial work from Hamster run #5");
    expect((await gitIn(checkoutDir, ["rev-parse", "HEAD~1"])).trim()).toBe(startSha);
  });
});
