import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildCommandEnv } from "../../../src/agent/tools/bash.js";
import { runProcess, type ProcessRequest } from "../../../src/agent/tools/run-process.js";

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

  it("returns the spawn error itself when the program cannot start", async () => {
    const result = await runProcess(request({ file: path.join(tmpdir(), "hamster-no-such-program") }));
    expect(result).toMatchObject({ exitCode: null, ending: "spawn_error", stderrTail: "" });
    expect(result.error).toBeInstanceOf(Error);
    expect(result.output).toMatch(/ENOENT/);
  });
});
