import { tmpdir } from "node:os";
import { z } from "zod";
import type { SandboxPolicy } from "../../sandbox/sandbox.js";
import { runProcess, type ProcessResult } from "../../sandbox/run-process.js";
import { toolError, toolOk, type ToolOutcome } from "./tool-outcome.js";

export { OutputCollector } from "../../sandbox/run-process.js";

/**
 * Executes Anthropic's trained bash tool (`bash_20250124`).
 *
 * Each command runs in a fresh `bash -c` process in the workdir: shell state (cd, exported
 * variables, functions) does not carry over between commands, and any process a command
 * leaves in the background is killed when the command ends. A single long-lived shell
 * would match the tool's model more closely, but a fresh process per command is what
 * makes timeouts, cancellation and output capture exact; the model is told so in the
 * system prompt.
 */
export const BASH_TOOL_NAME = "bash";
export const BASH_TOOL_TYPE = "bash_20250124";

export interface BashContext {
  readonly workdir: string;
  readonly timeoutMs: number;
  readonly maxOutputChars: number;
  readonly signal: AbortSignal;
  /** The complete environment of the command; nothing is inherited from this process. */
  readonly env: Record<string, string>;
  /** The sandbox every command runs in (its workdir is the checkout); none when absent. */
  readonly sandbox?: SandboxPolicy | undefined;
}

const inputSchema = z.object({
  command: z.string({ error: "command must be a string" }).optional(),
  restart: z.boolean({ error: "restart must be a boolean" }).optional(),
});

export const RESTART_MESSAGE =
  "The bash session was restarted. (Each command runs in a fresh shell in the working directory, so no state carried over anyway.)";

export async function executeBash(input: unknown, context: BashContext): Promise<ToolOutcome> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) {
    return toolError(`Invalid input for bash: ${parsed.error.issues.map((issue) => issue.message).join("; ")}.`);
  }
  if (parsed.data.restart === true) return toolOk(RESTART_MESSAGE);
  const command = parsed.data.command;
  if (command === undefined || command.trim() === "") {
    return toolError("Invalid input for bash: give a command (or restart: true).");
  }
  if (context.signal.aborted) return toolError("The command was cancelled before it started.");
  const result = await runShellCommand({ ...context, command, cwd: context.workdir });
  return toOutcome(result, context.timeoutMs);
}

export interface ShellCommandRequest {
  readonly command: string;
  readonly cwd: string;
  /** The complete environment of the command; nothing is inherited from this process. */
  readonly env: Record<string, string>;
  readonly timeoutMs: number;
  /** stdout and stderr together are kept to their first and last maxOutputChars / 2 characters. */
  readonly maxOutputChars: number;
  readonly signal: AbortSignal;
  /** The sandbox the command runs in (`cwd` must lie inside its workdir); none when absent. */
  readonly sandbox?: SandboxPolicy | undefined;
}

export interface ShellCommandResult extends Pick<ProcessResult, "exitCode" | "ending" | "exitSignal"> {
  /** stdout and stderr interleaved as they arrived, capped in the middle; for spawn_error, the reason. */
  readonly output: string;
}

/**
 * Runs one command with `bash -c` in its own process group, and ends the whole group when
 * the command exits, times out or is aborted. Used by the bash tool and by the pipeline's
 * own commands (setup, verification), so both are bounded, and sandboxed, the same way.
 */
export async function runShellCommand(request: ShellCommandRequest): Promise<ShellCommandResult> {
  const { exitCode, ending, exitSignal, output } = await runProcess({
    file: "bash",
    args: ["-c", request.command],
    cwd: request.cwd,
    env: request.env,
    timeoutMs: request.timeoutMs,
    maxOutputChars: request.maxOutputChars,
    signal: request.signal,
    sandbox: request.sandbox,
  });
  return { exitCode, ending, exitSignal, output };
}

/** What the model is told about a command's run. */
function toOutcome(result: ShellCommandResult, timeoutMs: number): ToolOutcome {
  const text = result.output;
  const withNote = (note: string): string => `${text}${text ? "\n" : ""}${note}`;
  switch (result.ending) {
    case "spawn_error":
      return toolError(`Could not start bash: ${text}`);
    case "timeout":
      return { ...toolError(withNote(`Command timed out after ${formatSeconds(timeoutMs)} s and was killed (with every process it started).`)), detail: `timed out after ${formatSeconds(timeoutMs)} s` };
    case "cancelled":
      return { ...toolError(withNote("The command was cancelled (the run was stopped).")), detail: "cancelled" };
    case "exited": {
      if (result.exitCode === 0) return toolOk(text === "" ? "(no output)" : text);
      // A failing command is information for the model (e.g. failing tests), not a tool failure.
      const ending = result.exitCode !== null ? `exit code ${result.exitCode}` : `killed by signal ${result.exitSignal ?? "unknown"}`;
      return { ...toolOk(withNote(result.exitCode !== null ? `[exit code: ${result.exitCode}]` : `[killed by signal ${result.exitSignal ?? "unknown"}]`)), detail: ending };
    }
  }
}

/**
 * The environment for agent commands, built from nothing so that no secret of this
 * process (GitHub token, API key, webhook secret) reaches them. `extra` wins over defaults;
 * pass `HOME` there (defaults to the system temp dir).
 */
export function buildCommandEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: tmpdir(),
    LANG: "C.UTF-8",
    TERM: "dumb",
    CI: "true",
    GIT_TERMINAL_PROMPT: "0",
    ...extra,
  };
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(1);
}
