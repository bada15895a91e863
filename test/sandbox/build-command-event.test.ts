import { describe, expect, it } from "vitest";
import { buildCommandEvent } from "../../src/sandbox/build-command-event.js";

describe("buildCommandEvent", () => {
  it("keeps the command, its exit code, how it ended, its duration and the end of its output", () => {
    const event = buildCommandEvent({
      purpose: "setup",
      command: "npm ci",
      result: { exitCode: 1, ending: "exited", output: `${"a".repeat(50)}npm ERR! missing lockfile\n` },
      durationMs: 12_345.6,
      tailChars: 26,
    });
    expect(event).toEqual({ kind: "command", purpose: "setup", command: "npm ci", exitCode: 1, ending: "exited", durationMs: 12_346, outputTail: "npm ERR! missing lockfile\n" });
  });

  it("says a timed-out command has no exit code, and puts a separate stderr after stdout", () => {
    const event = buildCommandEvent({
      purpose: "test",
      command: "npm test",
      result: { exitCode: null, ending: "timeout", output: "running", stderrTail: "killed" },
      durationMs: 600_000,
    });
    expect(event).toMatchObject({ exitCode: null, ending: "timeout", outputTail: "running\nkilled" });
  });
});
