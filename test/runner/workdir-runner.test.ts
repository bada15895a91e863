import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveRunnerBundle } from "../../src/runner/runner-bundle.js";
import { buildJob, createRecordingIo } from "../helpers/jobs.js";
import { RETRY_TURNS, startRunnerHarness, type RunnerHarness } from "../helpers/runner-harness.js";
import { buildRunRequest } from "../helpers/runs.js";
import type { ScriptedTurn } from "../helpers/scripted-model-server.js";
import { createActionsMirrorArea, createActionsWorkspace, gitIn, INSTALLED_FILE, WORK_BRANCH, type MirrorArea } from "../workspace/checkout-fixture.js";

/**
 * The bundled runner (dist/runner/hamster-runner.mjs, built once by test/global-setup.ts)
 * with --workdir, as a job on GitHub Actions runs it: in the workspace actions/checkout made
 * and the setup steps filled, against an app-side harness on 127.0.0.1 (the job board, the
 * runner protocol, a scripted model in place of the gateway).
 */

let area: MirrorArea;
let checkoutDir: string;
let startSha: string;
let workspace: string;
let runnerTmp: string;
let harness: RunnerHarness;

beforeEach(async () => {
  area = await createActionsMirrorArea();
  const run = await area.prepareRun();
  checkoutDir = run.dir;
  startSha = run.prepared.headSha;
  workspace = await createActionsWorkspace(area);
  runnerTmp = join(area.root, "runner-tmp");
  await mkdir(runnerTmp);
  harness = await startRunnerHarness();
});

afterEach(async () => {
  await harness.close();
  await area.remote.cleanup();
});

const { plan, createFile, done, report } = RETRY_TURNS;

/** The process executor, starting the bundled runner with `--workdir dir`. */
function startExecutor(turns: readonly ScriptedTurn[], dir: string) {
  return harness.startExecutor(turns, {
    // As on Actions: no sandbox (HAMSTER_SANDBOX=off), and the runner's own temp dir where the test sees it.
    runnerEnv: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: area.root, TMPDIR: runnerTmp, HAMSTER_SANDBOX: "off", LOG_LEVEL: "warn" },
    spawnRunner: (env, modelUrl) =>
      spawn(process.execPath, [resolveRunnerBundle(), "runner", "--url", harness.appUrl, "--model-url", modelUrl, "--workdir", dir], {
        env,
        stdio: ["ignore", "ignore", "pipe"],
        detached: true,
      }),
  });
}

function buildTestJob() {
  return buildJob({ checkoutDir, request: buildRunRequest({ settings: { setup: [], test: "node test.js", budgets: {}, readyForReview: true } }) });
}

describe("the bundled runner with --workdir", () => {
  it("runs the job in the existing checkout, keeps what the setup installed, and sends its work back", async () => {
    const config = await gitIn(workspace, ["config", "--local", "--list"]);
    const executor = await startExecutor([plan, createFile, done, report], workspace);
    const result = await executor.run(buildTestJob(), createRecordingIo());

    expect(result.verification).toMatchObject({ command: "node test.js", passed: true });
    // The app's checkout took the work bundle: one commit on the start commit, nothing installed in it.
    expect(await readFile(join(checkoutDir, "retry.js"), "utf8")).toBe("export const retries = 3;\n");
    expect((await gitIn(checkoutDir, ["rev-parse", "HEAD~1"])).trim()).toBe(startSha);
    expect((await gitIn(checkoutDir, ["show", "--name-only", "--format=", "HEAD"])).trim()).toBe("retry.js");
    // The workspace stays, on the work branch at that commit, with node_modules and its config as they were.
    expect((await gitIn(workspace, ["rev-parse", "--abbrev-ref", "HEAD"])).trim()).toBe(WORK_BRANCH);
    expect((await gitIn(workspace, ["rev-parse", "HEAD"])).trim()).toBe((await gitIn(checkoutDir, ["rev-parse", "HEAD"])).trim());
    expect(await readFile(join(workspace, INSTALLED_FILE), "utf8")).toContain("module.exports");
    expect(await gitIn(workspace, ["config", "--local", "--list"])).toBe(config);
    // Only the runner's own temporary directory is gone.
    expect(await readdir(runnerTmp)).toEqual([]);
    expect(harness.runner!.exitCode).toBe(0);
  });

  it("fails the job, touching nothing, when the workdir is not a git work tree", async () => {
    const plain = join(area.root, "plain");
    await mkdir(plain);
    await writeFile(join(plain, "notes.txt"), "mine\n");
    const executor = await startExecutor([plan], plain);
    const error = await executor.run(buildTestJob(), createRecordingIo()).then(
      () => null,
      (caught: unknown) => caught,
    );

    expect((error as Error).message).toMatch(/cannot run the job in .*plain: it is not the top of a git work tree/);
    // Nothing was checked out, so there was nothing to commit or keep.
    expect((error as Error).message).not.toMatch(/could not be committed/);
    expect(harness.model!.received()).toBe(0);
    expect(await readdir(plain)).toEqual(["notes.txt"]);
    expect((await gitIn(checkoutDir, ["rev-parse", "HEAD"])).trim()).toBe(startSha);
    expect(await readdir(runnerTmp)).toEqual([]);
  });
});
