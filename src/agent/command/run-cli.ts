import type { RunEvent } from "../../domain/run-event.js";
import { mapStrings } from "../../security/map-strings.js";
import { runProcess, type ProcessResult } from "../../sandbox/run-process.js";
import type { SandboxPolicy } from "../../sandbox/sandbox.js";
import { createClaudeStreamReader, type ClaudeStreamReport } from "../claude-stream.js";
import { createClaudeStreamEvents } from "../claude-stream-events.js";
import type { AgentSessionRequest } from "../provider.js";
import { STDERR_TAIL_CHARS } from "./outcome.js";
import type { CommandAgentSpec } from "./spec.js";
import { TASK_FILE_NAME } from "./task-file.js";

const DEFAULT_MAX_OUTPUT_CHARS = 30_000;

/** One run of the CLI, for one send. */
export interface CliRun {
  readonly spec: CommandAgentSpec;
  readonly executablePath: string;
  readonly request: Pick<AgentSessionRequest, "workdir" | "onEvent" | "model">;
  readonly env: Record<string, string>;
  readonly sandbox: SandboxPolicy | undefined;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  readonly maxOutputChars: number | undefined;
  /** The instruction, as the session was given it. */
  readonly prompt: string;
  readonly model: string | undefined;
  readonly conversation: { readonly id: string; readonly resume: boolean };
  /** Model calls of earlier runs, so the events number their turns on from there. */
  readonly modelCallsBefore: number;
  readonly redact: (text: string) => string;
  /** Called with each command the CLI's events say it ran. */
  readonly onToolCall: (call: string) => void;
}

export interface CliRunResult {
  readonly outcome: ProcessResult;
  /** What its events said; undefined when it printed none. */
  readonly events: ClaudeStreamReport | undefined;
  /** The model calls its events showed. */
  readonly modelCalls: number;
}

/**
 * Runs the CLI the way the bash tool runs a command: its own process group, stdin
 * closed, killed on timeout and on abort, output capped head+tail. Its event stream, when
 * its spec has one, is read as it arrives.
 */
export async function runCli(run: CliRun): Promise<CliRunResult> {
  const { spec, request } = run;
  const { onEvent } = request;
  // The CLI's own key may be in what it printed: taken out before the events leave.
  const runEvents =
    spec.output === undefined || onEvent === undefined
      ? undefined
      : createClaudeStreamEvents({ onEvent: (event) => onEvent(mapStrings<RunEvent>(event, run.redact)), turnsBefore: run.modelCallsBefore, model: run.model ?? request.model });
  const reader = spec.output === undefined ? undefined : createClaudeStreamReader(run.onToolCall, runEvents);
  const outcome = await runProcess({
    file: run.executablePath,
    args: spec.buildArgs({ prompt: `Read the task in ${TASK_FILE_NAME}, then: ${run.prompt}`, model: run.model, conversation: { ...run.conversation } }),
    cwd: request.workdir,
    env: run.env,
    timeoutMs: run.timeoutMs,
    signal: run.signal,
    maxOutputChars: run.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS,
    stderrTailChars: STDERR_TAIL_CHARS,
    sandbox: run.sandbox,
    onStdout: reader === undefined ? undefined : (text) => reader.push(text),
  });
  // No events at all: a CLI that printed plain text (another version, a wrapper), read as such.
  const finished = reader?.finish();
  const events = finished !== undefined && finished.events > 0 ? finished : undefined;
  return { outcome, events, modelCalls: runEvents?.modelCalls() ?? 0 };
}
