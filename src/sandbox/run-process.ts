import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { buildSandboxedCommand, type SandboxPolicy } from "./sandbox.js";

/*
 * Runs one program in its own process group and ends the whole group when it exits, times
 * out or is aborted. The bash tool, the pipeline's own commands and the CLI agents all run
 * through here, so every process Hamster starts is bounded the same way, and, given a
 * sandbox policy, confined the same way (src/sandbox/sandbox.ts).
 */

export interface ProcessRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The complete environment of the process; nothing is inherited from this process. */
  readonly env: Record<string, string>;
  readonly timeoutMs: number;
  /** The captured output is kept to its first and last maxOutputChars / 2 characters. */
  readonly maxOutputChars: number;
  readonly signal: AbortSignal;
  /**
   * When set, stderr is captured apart from stdout and only its last `stderrTailChars`
   * characters are kept (in `stderrTail`); otherwise both streams go, interleaved as they
   * arrive, into `output`.
   */
  readonly stderrTailChars?: number;
  /**
   * With mode "bubblewrap", the program runs inside that sandbox (bwrap, then prlimit, then
   * the program); `cwd` must lie inside its workdir. Killing the process group on timeout
   * or abort kills bwrap, and with it every process in the sandbox's pid namespace.
   */
  readonly sandbox?: SandboxPolicy | undefined;
  /**
   * Called with stdout as it arrives, whole and uncapped (decoded, chunk by chunk), for
   * programs whose output is a stream of events to read as they come.
   */
  readonly onStdout?: (text: string) => void;
}

export interface ProcessResult {
  /** null when the process did not exit by itself: timed out, cancelled, killed by a signal, or never started. */
  readonly exitCode: number | null;
  /** How it ended: on its own ("exited", also when killed by a signal from elsewhere), or not. */
  readonly ending: "exited" | "timeout" | "cancelled" | "spawn_error";
  /** The signal that ended it, when one did. */
  readonly exitSignal: NodeJS.Signals | null;
  /** stdout (and stderr, unless separated), capped in the middle; for spawn_error, the reason. */
  readonly output: string;
  /** The end of stderr when `stderrTailChars` was given; "" otherwise. */
  readonly stderrTail: string;
  /** For spawn_error, the error spawning raised. */
  readonly error?: Error;
}

/** After the process exits, how long to wait for pipes held by escaped processes to close. */
const DRAIN_GRACE_MS = 2_000;

/**
 * Its own process group (one kill reaches every process it started), stdin closed (a
 * program waiting for input gets EOF, not a hang), killed on timeout and on abort, output
 * capped head+tail.
 */
export function runProcess(request: ProcessRequest): Promise<ProcessResult> {
  return new Promise((resolve) => {
    if (request.signal.aborted) {
      resolve({ exitCode: null, ending: "cancelled", exitSignal: null, output: "", stderrTail: "" });
      return;
    }
    let command: { file: string; args: string[] };
    try {
      command =
        request.sandbox?.mode === "bubblewrap"
          ? buildSandboxedCommand(request.file, request.args, request.sandbox, request.cwd)
          : { file: request.file, args: [...request.args] };
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      resolve({ exitCode: null, ending: "spawn_error", exitSignal: null, output: `Could not set up the sandbox: ${error.message}`, stderrTail: "", error });
      return;
    }
    const sandboxed = request.sandbox?.mode === "bubblewrap";
    const tailChars = request.stderrTailChars;
    const output = new OutputCollector(request.maxOutputChars);
    // Both halves of the collector hold the tail's size, so its last half is the real tail.
    const stderr = tailChars === undefined ? output : new OutputCollector(tailChars * 2);
    const child = spawn(command.file, command.args, {
      cwd: request.cwd,
      env: request.env,
      // Its own process group, so one kill reaches everything the program started.
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

    const finish = (result: ProcessResult): void => {
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
      const stderrTail = tailChars === undefined ? "" : stderr.render().slice(-tailChars);
      if (ending !== undefined) finish({ exitCode: null, ending, exitSignal, output: text, stderrTail });
      else finish({ exitCode, ending: "exited", exitSignal, output: text, stderrTail });
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

    const decode = (stream: NodeJS.ReadableStream | null, into: OutputCollector, watch?: (text: string) => void): void => {
      if (!stream) return;
      const decoder = new StringDecoder("utf8");
      const take = (text: string): void => {
        into.append(text);
        if (watch === undefined || text === "") return;
        try {
          watch(text);
        } catch {
          // A watcher's bug must not become an uncaught exception in a stream handler.
        }
      };
      stream.on("data", (chunk: Buffer) => take(decoder.write(chunk)));
      stream.on("end", () => take(decoder.end()));
    };
    decode(child.stdout, output, request.onStdout);
    decode(child.stderr, stderr);

    child.on("error", (error) => {
      // Also emitted for a failed kill, after the process started; only a spawn failure ends the run here.
      if (child.pid !== undefined) return;
      const output = sandboxed ? `Could not start the sandbox (bubblewrap): ${error.message}` : error.message;
      finish({ exitCode: null, ending: "spawn_error", exitSignal: null, output, stderrTail: "", error });
    });
    child.on("exit", (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      // Background processes it left behind would hold the pipes open and outlive it;
      // end them so the result comes back now.
      killGroup();
      // Not once the result is out (a stop): the timer would only keep this process alive.
      if (!settled) drainTimer ??= setTimeout(conclude, DRAIN_GRACE_MS);
    });
    child.on("close", () => conclude());
  });
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
