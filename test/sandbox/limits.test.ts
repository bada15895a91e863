import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildCommandEnv } from "../../src/agent/tools/bash.js";
import { runProcess } from "../../src/sandbox/run-process.js";
import { buildSandboxedCommand } from "../../src/sandbox/sandbox.js";
import { waitFor } from "../helpers/wait.js";
import { createLayout, findMarkedProcesses, requireBubblewrap, runSandboxed, waitUntil, type Layout } from "./sandbox-fixture.js";

/* How a sandboxed command is bounded: processes, file size, memory, time, output, and the kill of its whole tree. */

let layout: Layout;

beforeAll(async () => {
  await requireBubblewrap();
  layout = createLayout();
});

afterAll(() => layout?.cleanup());

afterEach(() => {
  vi.useRealTimers();
  for (const file of ["running", "fork.log", "bg-started"]) if (layout) rmSync(path.join(layout.workdir, file), { force: true });
});

/**
 * Fakes the timers that bound a command: its time limit, and the grace for pipes after it
 * exits. The limit then runs out only when the test says (`expire`), and a result that
 * comes back at all came from the process tree ending, not from a timer.
 */
function fakeTimers(): void {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
}

/** Lets the faked time limit run out. */
async function expire(timeoutMs: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(timeoutMs);
}

const running = () => existsSync(path.join(layout.workdir, "running"));

const MiB = 1024 ** 2;
const isRoot = process.getuid?.() === 0;

/** Runs `script` in a sandbox limited to 64 processes, as `nobody` when this is root; its shell's argv[0] is `marker`. */
function runForkBomb(marker: string, script: string, timeoutMs: number) {
  const sandboxed = buildSandboxedCommand("bash", ["-c", `exec -a ${marker} bash -c '${script}'`], layout.policy({ limits: { processes: 64 } }));
  return runProcess({
    ...(isRoot ? { file: "setpriv", args: ["--reuid=65534", "--regid=65534", "--clear-groups", "--", sandboxed.file, ...sandboxed.args] } : sandboxed),
    cwd: layout.workdir,
    env: buildCommandEnv({ HOME: layout.home }),
    timeoutMs,
    maxOutputChars: 4_000,
    signal: new AbortController().signal,
  });
}

describe("the process limit", () => {
  /*
   * The kernel does not apply RLIMIT_NPROC to root, so a fork bomb run by root would fill
   * the machine's pid table until the timeout (and break every other process on it). Run as
   * root, this test runs the sandbox as `nobody`, as the app runs in production (an
   * unprivileged user); run as any other user, it runs it as that user.
   */
  it("stops a fork bomb at the limit, the timeout kills it, and nothing of it is left", async () => {
    const marker = `hamster-forkbomb-${process.pid}-${Date.now()}`;
    const forkLog = path.join(layout.workdir, "fork.log");
    const failedFork = /fork: (retry: )?Resource temporarily unavailable/;
    fakeTimers();
    // The bomb's errors go to fork.log, where the test sees them while it runs.
    const bomb = runForkBomb(marker, ":(){ :|:& };: 2>fork.log; sleep 60", 2_000);
    // Once it runs into the limit (or, were there none, once it clearly went past it), the timeout ends it.
    await waitFor("the fork bomb to meet the limit", () => (existsSync(forkLog) && failedFork.test(readFileSync(forkLog, "utf8"))) || findMarkedProcesses(marker).length > 200);
    await expire(2_000);
    const result = await bomb;
    expect(result.ending).toBe("timeout");
    // It ran into the limit rather than filling the machine.
    expect(readFileSync(forkLog, "utf8")).toMatch(failedFork);
    expect(await waitUntil(() => findMarkedProcesses(marker).length === 0)).toBe(true);
    // And this process is fine: it can still start processes.
    const after = await runProcess({ file: "true", args: [], cwd: layout.workdir, env: buildCommandEnv(), timeoutMs: 5_000, maxOutputChars: 100, signal: new AbortController().signal });
    expect(after).toMatchObject({ ending: "exited", exitCode: 0 });
  });

  it("ends a fork bomb whose shell exits at once: the pid namespace dies with it", async () => {
    const marker = `hamster-forkbomb-exit-${process.pid}-${Date.now()}`;
    // Neither the time limit nor the grace for open pipes can end it: only the whole bomb dying can.
    fakeTimers();
    const result = await runForkBomb(marker, ":(){ :|:& };:", 5_000);
    expect(result.ending).toBe("exited");
    expect(await waitUntil(() => findMarkedProcesses(marker).length === 0)).toBe(true);
  });
});

describe("the file size and memory limits", () => {
  it("stops a file at the file size limit", async () => {
    const result = await runSandboxed(layout, "head -c 5M /dev/zero > small && echo small-ok; head -c 2G /dev/zero > big; echo \"big-exit=$?\"", {
      policy: { limits: { fileSizeBytes: 10 * MiB } },
    });
    expect(result).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(result.output).toContain("small-ok");
    // SIGXFSZ: 128 + 25.
    expect(result.output).toMatch(/big-exit=153/);
    expect(statSync(path.join(layout.workdir, "big")).size).toBe(10 * MiB);
  });

  it("lets node (and its WebAssembly, which fetch uses) run under the default memory limit, and stops an allocation above a lower one", async () => {
    const script = [
      `node -e 'WebAssembly.instantiate(new Uint8Array([0,97,115,109,1,0,0,0,5,3,1,0,1])).then(() => console.log("wasm-ok"))'`,
      `node -e 'fetch("http://127.0.0.1:9/").catch(e => console.log("fetch-ran", e.cause?.code ?? e.message))'`,
    ].join("\n");
    const defaults = await runSandboxed(layout, script);
    expect(defaults).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(defaults.output).toContain("wasm-ok");
    expect(defaults.output).toMatch(/fetch-ran (ECONNREFUSED|fetch failed)/);

    const low = await runSandboxed(layout, `node -e 'console.log("started"); const b = Buffer.alloc(1024 * 1024 * 1024, 1); console.log("allocated", b.length)'; echo "alloc-exit=$?"`, {
      policy: { limits: { memoryBytes: 512 * MiB } },
    });
    expect(low).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(low.output).toContain("started");
    expect(low.output).not.toContain("allocated");
    expect(low.output).toMatch(/alloc-exit=[1-9]/);
  });
});

describe("time, output, and the kill of the whole tree", () => {
  it("kills an endless loop at the timeout", async () => {
    fakeTimers();
    const loop = runSandboxed(layout, "touch running; while :; do :; done", { timeoutMs: 1_000 });
    await waitFor("the loop to start", running);
    await expire(1_000);
    // The result comes once the loop, which holds the output pipes, is dead.
    expect((await loop).ending).toBe("timeout");
  });

  it("caps a flood of output", async () => {
    const result = await runSandboxed(layout, "head -c 50000000 /dev/zero | tr '\\0' a; echo; echo end-of-flood", { maxOutputChars: 2_000 });
    expect(result).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(result.output.length).toBeLessThan(2_200);
    expect(result.output).toMatch(/\[\.\.\. \d+ characters elided \.\.\.\]/);
    expect(result.output).toContain("end-of-flood");
  });

  // Background children, a new session (out of the process group) and a double fork: only the pid namespace holds them all.
  const escapees = (marker: string) =>
    [
      `(exec -a ${marker} sleep 300) &`,
      `setsid bash -c "exec -a ${marker} sleep 300" &`,
      `bash -c "(exec -a ${marker} sleep 300) & disown" &`,
      "echo started; touch running; sleep 300",
    ].join("\n");

  it("kills every process of the sandbox at the timeout, even those that left the process group", async () => {
    const marker = `hamster-timeout-tree-${process.pid}-${Date.now()}`;
    fakeTimers();
    const tree = runSandboxed(layout, escapees(marker), { timeoutMs: 1_500 });
    await waitFor("the processes to start", () => running() && findMarkedProcesses(marker).length === 3);
    await expire(1_500);
    const result = await tree;
    expect(result.ending).toBe("timeout");
    expect(result.output).toContain("started");
    expect(await waitUntil(() => findMarkedProcesses(marker).length === 0)).toBe(true);
  });

  it("kills every process of the sandbox on abort", async () => {
    const marker = `hamster-abort-tree-${process.pid}-${Date.now()}`;
    const controller = new AbortController();
    // With the timers faked, only the abort can end it.
    fakeTimers();
    const tree = runSandboxed(layout, escapees(marker), { signal: controller.signal, timeoutMs: 60_000 });
    await waitFor("the processes to start", () => running() && findMarkedProcesses(marker).length === 3);
    controller.abort();
    const result = await tree;
    expect(result.ending).toBe("cancelled");
    expect(await waitUntil(() => findMarkedProcesses(marker).length === 0)).toBe(true);
  });

  it("ends what a command left in the background when it exits", async () => {
    const marker = `hamster-exit-tree-${process.pid}-${Date.now()}`;
    // The shell exits once the background process has started.
    const result = await runSandboxed(layout, `setsid bash -c "touch bg-started; exec -a ${marker} sleep 300" > /dev/null 2>&1 & until [ -e bg-started ]; do sleep 0.01; done; echo done`);
    expect(result).toMatchObject({ ending: "exited", exitCode: 0 });
    expect(await waitUntil(() => findMarkedProcesses(marker).length === 0)).toBe(true);
  });
});
