import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildCommandEnv } from "../../src/agent/tools/bash.js";
import { runProcess, type ProcessRequest } from "../../src/sandbox/run-process.js";
import { requireBubblewrap } from "./sandbox-fixture.js";

function request(overrides: Partial<ProcessRequest>): ProcessRequest {
  return {
    file: "sh",
    args: [],
    cwd: tmpdir(),
    env: buildCommandEnv(),
    timeoutMs: 10_000,
    maxOutputChars: 10_000,
    signal: new AbortController().signal,
    ...overrides,
  };
}

describe("runProcess", () => {
  it("interleaves stdout and stderr unless a stderr tail is asked for", async () => {
    const script = ["-c", "echo out; echo err-start >&2; echo err-end >&2; exit 4"];
    expect(await runProcess(request({ args: script }))).toEqual({
      exitCode: 4,
      ending: "exited",
      exitSignal: null,
      output: "out\nerr-start\nerr-end\n",
      stderrTail: "",
    });
    expect(await runProcess(request({ args: script, stderrTailChars: 8 }))).toEqual({
      exitCode: 4,
      ending: "exited",
      exitSignal: null,
      output: "out\n",
      stderrTail: "err-end\n",
    });
  });

  it("hands a watcher all of stdout, uncapped, while the captured output stays capped", async () => {
    let seen = "";
    const result = await runProcess(
      request({ args: ["-c", "seq 1 20000; echo err >&2"], maxOutputChars: 100, stderrTailChars: 10, onStdout: (text) => (seen += text) }),
    );
    expect(seen).toBe(`${Array.from({ length: 20_000 }, (_, i) => i + 1).join("\n")}\n`);
    expect(result.output.length).toBeLessThan(200);
    expect(result.stderrTail).toBe("err\n");

    // A watcher that throws does not take the process (or this one) down with it.
    const survived = await runProcess(request({ args: ["-c", "echo a; echo b"], onStdout: () => { throw new Error("watcher bug"); } }));
    expect(survived).toMatchObject({ exitCode: 0, output: "a\nb\n" });
  });

  it("leaves no timer behind once a stopped command is gone, so the process that ran it can exit at once", async () => {
    const count = (kind: string) => process.getActiveResourcesInfo().filter((resource) => resource === kind).length;
    const [timersBefore, processesBefore] = [count("Timeout"), count("ProcessWrap")];
    const stop = new AbortController();
    const result = await runProcess(request({ args: ["-c", "echo started; exec sleep 60"], signal: stop.signal, onStdout: () => stop.abort() }));
    expect(result.ending).toBe("cancelled");
    // The killed command's exit comes after the result: wait for it, without a timer of our own.
    for (let turn = 0; turn < 100_000 && count("ProcessWrap") > processesBefore; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(count("ProcessWrap")).toBe(processesBefore);
    expect(count("Timeout")).toBe(timersBefore);
  });

  it("returns the spawn error itself when the program cannot start", async () => {
    const result = await runProcess(request({ file: path.join(tmpdir(), "hamster-no-such-program") }));
    expect(result).toMatchObject({ exitCode: null, ending: "spawn_error", stderrTail: "" });
    expect(result.error).toBeInstanceOf(Error);
    expect(result.output).toMatch(/ENOENT/);
  });
});

describe("runProcess with a sandbox", () => {
  it("runs the program inside bwrap and prlimit when the policy says bubblewrap", async () => {
    await requireBubblewrap();
    const workdir = realpathSync(mkdtempSync(path.join(tmpdir(), "hamster-run-process-")));
    try {
      const sandbox = { mode: "bubblewrap" as const, workdir, hidePaths: [], network: "none" as const, limits: { processes: 77 } };
      const result = await runProcess(request({ file: "bash", args: ["-c", "ulimit -u; tr '\\0' ' ' < /proc/1/cmdline"], cwd: workdir, sandbox }));
      expect(result).toMatchObject({ exitCode: 0, ending: "exited" });
      expect(result.output).toMatch(/^77\nbwrap /);
    } finally {
      rmSync(workdir, { recursive: true, force: true });
    }
  });

  it("reports a policy it cannot set up, or a bwrap it cannot start, as a spawn error that names the sandbox", async () => {
    const missing = path.join(tmpdir(), "hamster-no-such-workdir");
    const sandbox = { mode: "bubblewrap" as const, workdir: missing, hidePaths: [], network: "none" as const, limits: {} };
    const unusable = await runProcess(request({ sandbox }));
    expect(unusable).toMatchObject({ exitCode: null, ending: "spawn_error" });
    expect(unusable.output).toMatch(/^Could not set up the sandbox: .*not an existing directory/);

    const workdir = realpathSync(mkdtempSync(path.join(tmpdir(), "hamster-run-process-")));
    try {
      const noBwrap = await runProcess(request({ cwd: workdir, env: { PATH: path.join(workdir, "empty") }, sandbox: { ...sandbox, workdir } }));
      expect(noBwrap).toMatchObject({ exitCode: null, ending: "spawn_error" });
      expect(noBwrap.output).toMatch(/^Could not start the sandbox \(bubblewrap\): .*ENOENT/);
    } finally {
      rmSync(workdir, { recursive: true, force: true });
    }
  });
});
