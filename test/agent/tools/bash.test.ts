import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OutputCollector, RESTART_MESSAGE, buildCommandEnv, executeBash, runShellCommand, type BashContext } from "../../../src/agent/tools/bash.js";
import { groupAlive } from "../fixtures/fake-cli.js";
import { requireBubblewrap } from "../../sandbox/sandbox-fixture.js";
import { waitFor } from "../../helpers/wait.js";

let workdir: string;
let home: string;

beforeEach(() => {
  workdir = realpathSync(mkdtempSync(path.join(tmpdir(), "hamster-bash-")));
  home = realpathSync(mkdtempSync(path.join(tmpdir(), "hamster-bash-home-")));
});

afterEach(() => {
  vi.useRealTimers();
  rmSync(workdir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
  delete process.env["HAMSTER_TEST_CANARY"];
});

function context(overrides: Partial<BashContext> = {}): BashContext {
  return {
    workdir,
    timeoutMs: 10_000,
    maxOutputChars: 10_000,
    signal: new AbortController().signal,
    env: buildCommandEnv({ HOME: home }),
    ...overrides,
  };
}

describe("executeBash", () => {
  it("runs in the workdir and returns stdout and stderr in arrival order", async () => {
    // Nothing goes to stdout after stderr: a reader held up by a busy machine could find data
    // waiting in both pipes, and would then read all of stdout's first.
    const result = await executeBash({ command: "pwd; echo out; echo err >&2" }, context());
    expect(result).toEqual({ isError: false, content: `${workdir}\nout\nerr\n` });
  });

  it("appends a non-zero exit code", async () => {
    const result = await executeBash({ command: "echo failing; exit 3" }, context());
    expect(result.isError).toBe(false);
    expect(result.content).toBe("failing\n\n[exit code: 3]");
    // The run's event log says it in a few words.
    expect(result.detail).toBe("exit code 3");
  });

  it("says so when a command prints nothing", async () => {
    expect(await executeBash({ command: "true" }, context())).toEqual({ isError: false, content: "(no output)" });
  });

  it("does not keep state between commands, and restart only answers", async () => {
    await executeBash({ command: "cd /; export FOO=1" }, context());
    expect((await executeBash({ command: 'pwd; echo "foo=$FOO"' }, context())).content).toBe(`${workdir}\nfoo=\n`);
    expect(await executeBash({ restart: true }, context())).toEqual({ isError: false, content: RESTART_MESSAGE });
  });

  it("closes stdin so a command waiting for input ends", async () => {
    const result = await executeBash({ command: "cat; echo done" }, context({ timeoutMs: 5_000 }));
    expect(result).toEqual({ isError: false, content: "done\n" });
  });

  it("kills the whole process group on timeout", async () => {
    const result = await timeOutWhenRunning(500, (timeoutMs) => executeBash({ command: "echo $$ > pgid; echo started; sleep 30 & touch running; sleep 30" }, context({ timeoutMs })));
    expect(result.isError).toBe(true);
    expect(result.content).toContain("started");
    expect(result.content).toContain("Command timed out after 0.5 s");
    expect(result.detail).toBe("timed out after 0.5 s");
    const pgid = Number(realReadFile(path.join(workdir, "pgid")));
    expect(pgid).toBeGreaterThan(1);
    await waitFor("the command's processes to end", () => !groupAlive(pgid));
  });

  it("returns when the shell exits, ending processes it left in the background", async () => {
    const result = await executeBash({ command: "echo $$ > pgid; sleep 30 & echo left" }, context({ timeoutMs: 20_000 }));
    // Had the background sleep been left alive, it would still be found here.
    expect(result).toEqual({ isError: false, content: "left\n" });
    const pgid = Number(realReadFile(path.join(workdir, "pgid")));
    expect(pgid).toBeGreaterThan(1);
    await waitFor("the command's processes to end", () => !groupAlive(pgid));
  });

  it("keeps the head and the tail of long output", async () => {
    const result = await executeBash(
      { command: "echo HEAD-START; seq 1 100000; echo TAIL-END" },
      context({ maxOutputChars: 1_000 }),
    );
    expect(result.isError).toBe(false);
    expect(result.content.startsWith("HEAD-START\n1\n2\n")).toBe(true);
    expect(result.content.endsWith("99999\n100000\nTAIL-END\n")).toBe(true);
    const elided = /\[\.\.\. (\d+) characters elided \.\.\.\]/.exec(result.content);
    expect(elided).not.toBeNull();
    const total = "HEAD-START\n".length + "TAIL-END\n".length + Array.from({ length: 100000 }, (_, i) => `${i + 1}\n`).join("").length;
    expect(Number(elided?.[1])).toBe(total - 1_000);
    expect(result.content.length).toBeLessThan(1_100);
  });

  it("resolves when aborted, and kills the command", async () => {
    const controller = new AbortController();
    const running = executeBash({ command: "echo $$ > pgid; touch running; sleep 30" }, context({ signal: controller.signal, timeoutMs: 20_000 }));
    await waitFor("the command to start", () => realExists(path.join(workdir, "running")));
    controller.abort();
    const result = await running;
    // Not the time limit's doing: that would say "timed out".
    expect(result.isError).toBe(true);
    expect(result.content).toMatch(/cancelled/);
    const pgid = Number(realReadFile(path.join(workdir, "pgid")));
    expect(pgid).toBeGreaterThan(1);
    await waitFor("the command's processes to end", () => !groupAlive(pgid));
  });

  it("does not start when already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await executeBash({ command: "touch ran" }, context({ signal: controller.signal }));
    expect(result.isError).toBe(true);
    expect(result.content).toMatch(/cancelled/);
    expect(realExists(path.join(workdir, "ran"))).toBe(false);
  });

  it("rejects bad input as a tool error", async () => {
    expect((await executeBash({}, context())).isError).toBe(true);
    expect((await executeBash({ command: 42 }, context())).content).toMatch(/command must be a string/);
    expect((await executeBash("ls", context())).isError).toBe(true);
  });
});

describe("runShellCommand", () => {
  const shell = (command: string, overrides: Partial<BashContext> = {}) => {
    const { workdir: cwd, ...rest } = context(overrides);
    return runShellCommand({ ...rest, cwd, command });
  };

  it("reports the exit code and the output as values", async () => {
    expect(await shell("echo out; echo err >&2; exit 2")).toEqual({ exitCode: 2, ending: "exited", exitSignal: null, output: "out\nerr\n" });
  });

  it("reports a timeout and a cancellation as endings without an exit code", async () => {
    expect(await timeOutWhenRunning(300, (timeoutMs) => shell("echo slow; touch running; sleep 30", { timeoutMs }))).toEqual({ exitCode: null, ending: "timeout", exitSignal: "SIGKILL", output: "slow\n" });
    vi.useRealTimers();
    const controller = new AbortController();
    const cancelled = shell("sleep 30", { signal: controller.signal });
    controller.abort();
    expect(await cancelled).toMatchObject({ exitCode: null, ending: "cancelled" });
  });

  it("reports a command that could not start", async () => {
    const result = await shell("true", { workdir: path.join(workdir, "missing") });
    expect(result).toMatchObject({ exitCode: null, ending: "spawn_error" });
    expect(result.output).toMatch(/ENOENT/);
  });
});

describe("buildCommandEnv", () => {
  it("gives commands no variable of this process except PATH", async () => {
    process.env["HAMSTER_TEST_CANARY"] = "canary-value-123";
    const result = await executeBash({ command: "env" }, context());
    expect(result.isError).toBe(false);
    expect(result.content).not.toContain("canary-value-123");
    const names = result.content
      .trim()
      .split("\n")
      .map((line) => line.slice(0, line.indexOf("=")));
    // bash itself adds PWD, SHLVL and _.
    const allowed = new Set(["PATH", "HOME", "LANG", "TERM", "CI", "GIT_TERMINAL_PROMPT", "PWD", "SHLVL", "_", "OLDPWD"]);
    expect(names.filter((name) => !allowed.has(name))).toEqual([]);
    expect(result.content).toContain(`HOME=${home}\n`);
    expect(result.content).toContain(`PATH=${process.env["PATH"]}\n`);
  });

  it("builds the fixed set, with extra winning", () => {
    expect(buildCommandEnv({ HOME: "/h", EXTRA: "1" })).toEqual({
      PATH: process.env["PATH"],
      HOME: "/h",
      LANG: "C.UTF-8",
      TERM: "dumb",
      CI: "true",
      GIT_TERMINAL_PROMPT: "0",
      EXTRA: "1",
    });
  });
});

describe("OutputCollector", () => {
  it("keeps everything under the cap and head+tail over it, across many small chunks", () => {
    const small = new OutputCollector(10);
    small.append("abc");
    small.append("def");
    expect(small.render()).toBe("abcdef");

    const big = new OutputCollector(10);
    for (const ch of "abcdefghijklmnopqrstuvwxyz") big.append(ch);
    expect(big.render()).toBe("abcde\n[... 16 characters elided ...]\nvwxyz");
  });
});

/**
 * Starts a command whose time limit (a timer) is faked, and lets the limit run out once the
 * command has touched `running`: under way, however slowly the machine started it.
 */
async function timeOutWhenRunning<T>(timeoutMs: number, start: (timeoutMs: number) => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  const result = start(timeoutMs);
  await waitFor("the command to start", () => realExists(path.join(workdir, "running")));
  await vi.advanceTimersByTimeAsync(timeoutMs);
  return result;
}

function realReadFile(p: string): string {
  return readFileSync(p, "utf8").trim();
}
function realExists(p: string): boolean {
  return existsSync(p);
}

describe("executeBash and runShellCommand in a sandbox", () => {
  // The workdir lies in the host's /tmp, which the sandbox covers with its own: it is mounted back, like HOME.
  const sandbox = (): BashContext["sandbox"] => ({ mode: "bubblewrap", workdir, hidePaths: [], writablePaths: [home], network: "none", limits: {} });

  it("runs the bash tool's command in the sandbox it is given", async () => {
    await requireBubblewrap();
    const outcome = await executeBash({ command: 'echo "pids=$(ls -d /proc/[0-9]* | wc -l)"; touch here "$HOME/h" && echo wrote; touch /etc/hamster-x' }, context({ sandbox: sandbox() }));
    expect(outcome.content).toMatch(/^pids=[1-9]$/m);
    expect(outcome.content).toContain("wrote");
    expect(outcome.content).toMatch(/Read-only file system[\s\S]*\[exit code: 1\]$/);
    expect(existsSync(path.join(workdir, "here"))).toBe(true);
    expect(existsSync(path.join(home, "h"))).toBe(true);
  });

  it("passes the sandbox through runShellCommand, and runs unsandboxed with mode off", async () => {
    await requireBubblewrap();
    const { workdir: cwd, ...rest } = context();
    const inside = await runShellCommand({ ...rest, cwd, command: "cat /proc/1/cmdline | tr '\\0' ' '", sandbox: sandbox() });
    expect(inside.output).toMatch(/^bwrap /);
    const off = await runShellCommand({ ...rest, cwd, command: "cat /proc/1/cmdline | tr '\\0' ' '", sandbox: { ...sandbox()!, mode: "off" } });
    expect(off.output).not.toMatch(/^bwrap /);
  });

  it("tells the model when the sandbox cannot be set up", async () => {
    const outcome = await executeBash({ command: "true" }, context({ sandbox: { ...sandbox()!, hidePaths: [workdir] } }));
    expect(outcome.isError).toBe(true);
    expect(outcome.content).toMatch(/^Could not start bash: Could not set up the sandbox: .*both hidden and writable/);
  });
});
