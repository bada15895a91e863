import type { RunEvent } from "../domain/run-event.js";
import type { ProcessResult } from "./run-process.js";

/** How much of a command's output its event keeps: the end, where a failure says why. */
export const COMMAND_OUTPUT_TAIL_CHARS = 4_000;

export interface CommandRun {
  readonly purpose: "setup" | "test";
  readonly command: string;
  /** runProcess's result, or runShellCommand's (no separate stderr). */
  readonly result: Pick<ProcessResult, "exitCode" | "ending" | "output"> & { readonly stderrTail?: string };
  readonly durationMs: number;
  /** Default COMMAND_OUTPUT_TAIL_CHARS. */
  readonly tailChars?: number;
}

/** The `command` event of a setup or test command the run itself ran. */
export function buildCommandEvent(run: CommandRun): RunEvent {
  const { result } = run;
  const stderr = result.stderrTail ?? "";
  const output = stderr === "" ? result.output : `${result.output}${result.output === "" || result.output.endsWith("\n") ? "" : "\n"}${stderr}`;
  const tailChars = run.tailChars ?? COMMAND_OUTPUT_TAIL_CHARS;
  return {
    kind: "command",
    purpose: run.purpose,
    command: run.command,
    exitCode: result.exitCode,
    ending: result.ending,
    durationMs: Math.max(0, Math.round(run.durationMs)),
    outputTail: output.length <= tailChars ? output : output.slice(output.length - tailChars),
  };
}
