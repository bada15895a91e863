import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { StringDecoder } from "node:string_decoder";
import { z } from "zod";
import { toolError, toolOk, type ToolOutcome } from "./tool-outcome.js";

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
}

const inputSchema = z.object({
  command: z.string({ error: "command must be a string" }).optional(),
  restart: z.boolean({ error: "restart must be a boolean" }).optional(),
});

/** After the shell exits, how long to wait for pipes held by escaped processes to close. */
const DRAIN_GRACE_MS = 2_000;

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
}

export interface ShellCommandResult {
  /** null when the command did not exit by itself: timed out, cancelled, killed by a signal, or never started. */
  readonly exitCode: number | null;
  /** How it ended: on its own ("exited", also when killed by a signal from elsewhere), or not. */
  readonly ending: "exited" | "timeout" | "cancelled" | "spawn_error";
  /** The signal that ended it, when one did. */
  readonly exitSignal: NodeJS.Signals | null;
  /** stdout and stderr interleaved as they arrived, capped in the middle; for spawn_error, the reason. */
  readonly output: string;
}

/**
 * Runs one command with `bash -c` in its own process group, and ends the whole group when
 * the command exits, times out or is aborted. Used by the bash tool and by the pipeline's
 * own commands (setup, verification), so both are bounded the same way.
 */
export function runShellCommand(request: ShellCommandRequest): Promise<ShellCommandResult> {
  return new Promise((resolve) => {
    const output = new OutputCollector(request.maxOutputChars);
    if (request.signal.aborted) {
      resolve({ exitCode: null, ending: "cancelled", exitSignal: null, output: "" });
      return;
    }
    const child = spawn("bash", ["-c", request.command], {
      cwd: request.cwd,
      env: request.env,
      // Its own process group, so one kill reaches everything the command started.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });

    let settled = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let ending: "timeout" | "cancelled" | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // ESRCH: the group is already gone.
      }
    };

    const finish = (result: ShellCommandResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timeoutTimer);
      clearTimeout(drainTimer);
      request.signal.removeEventListener("abort", onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(result);
    };

    const conclude = (): void => {
      const text = output.render();
      if (ending !== undefined) finish({ exitCode: null, ending, exitSignal, output: text });
      else finish({ exitCode, ending: "exited", exitSignal, output: text });
    };

    const onAbort = (): void => {
      ending ??= "cancelled";
      killGroup();
      // Promptly: do not wait for pipes to drain once the run is being stopped.
      conclude();
    };

    const timeoutTimer = setTimeout(() => {
      ending ??= "timeout";
      killGroup();
      // Pipes close once the group is dead; the grace bound covers processes that escaped it.
      drainTimer = setTimeout(conclude, DRAIN_GRACE_MS);
    }, request.timeoutMs);

    request.signal.addEventListener("abort", onAbort, { once: true });

    const decode = (stream: NodeJS.ReadableStream | null): void => {
      if (!stream) return;
      const decoder = new StringDecoder("utf8");
      stream.on("data", (chunk: Buffer) => output.append(decoder.write(chunk)));
      stream.on("end", () => output.append(decoder.end()));
    };
    decode(child.stdout);
    decode(child.stderr);

    child.on("error", (error) => {
      finish({ exitCode: null, ending: "spawn_error", exitSignal: null, output: error.message });
    });
    child.on("exit", (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      // Background processes the command left behind would hold the pipes open and
      // outlive the command; end them so the result comes back now.
      killGroup();
      drainTimer ??= setTimeout(conclude, DRAIN_GRACE_MS);
    });
    child.on("close", () => conclude());
  });
}

/** What the model is told about a command's run. */
function toOutcome(result: ShellCommandResult, timeoutMs: number): ToolOutcome {
  const text = result.output;
  const withNote = (note: string): string => `${text}${text ? "\n" : ""}${note}`;
  switch (result.ending) {
    case "spawn_error":
      return toolError(`Could not start bash: ${text}`);
    case "timeout":
      return toolError(withNote(`Command timed out after ${formatSeconds(timeoutMs)} s and was killed (with every process it started).`));
    case "cancelled":
      return toolError(withNote("The command was cancelled (the run was stopped)."));
    case "exited":
      if (result.exitCode === 0) return toolOk(text === "" ? "(no output)" : text);
      // A failing command is information for the model (e.g. failing tests), not a tool failure.
      return toolOk(withNote(result.exitCode !== null ? `[exit code: ${result.exitCode}]` : `[killed by signal ${result.exitSignal ?? "unknown"}]`));
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

/**
 * Keeps the first and last `max / 2` characters of everything appended, in arrival order,
 * with bounded memory however much a command prints.
 */
export class OutputCollector {
  private head = "";
  private tail = "";
  private total = 0;
  private readonly headMax: number;
  private readonly tailMax: number;

  constructor(maxChars: number) {
    this.headMax = Math.ceil(Math.max(maxChars, 2) / 2);
    this.tailMax = Math.floor(Math.max(maxChars, 2) / 2);
  }

  append(text: string): void {
    if (text === "") return;
    this.total += text.length;
    const room = this.headMax - this.head.length;
    if (room > 0) {
      this.head += text.slice(0, room);
      text = text.slice(room);
    }
    if (text === "") return;
    this.tail += text;
    // Trim in batches so that many small chunks do not each copy the whole tail.
    if (this.tail.length > this.tailMax * 2) this.tail = this.tail.slice(-this.tailMax);
  }

  render(): string {
    const kept = this.head.length + Math.min(this.tail.length, this.tailMax);
    if (this.total <= this.headMax + this.tailMax) return this.head + this.tail;
    const elided = this.total - kept;
    return `${this.head}\n[... ${elided} characters elided ...]\n${this.tail.slice(-this.tailMax)}`;
  }
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(1);
}
