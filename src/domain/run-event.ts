import type { Verification } from "./run.js";
import type { RunState } from "./run-state.js";
import type { TokenUsage } from "./usage.js";

/**
 * What happened during a run, as its executor reports it. Each is stored as one row (the
 * run's event log, redacted); the check run, the status comment, `/runs` and the console
 * are renderings of these rows and of the run they are folded into.
 */
export type RunEvent =
  /** The run entered a stage (or ended); `detail` is a short note such as the test command. */
  | { readonly kind: "stage"; readonly state: RunState; readonly detail?: string }
  /**
   * One model call: its usage as the API reported it (null when the agent does not report it).
   * `turn` numbers the model calls of the attempt's agent session: 1, 2, 3…
   */
  | {
      readonly kind: "model_call";
      readonly turn: number;
      readonly model: string;
      readonly usage: TokenUsage | null;
      readonly costUsd: number | null;
      readonly stopReason?: string;
      readonly durationMs?: number;
    }
  /**
   * One tool call of the agent: its name, a short summary of its input (a command's first
   * line, `view src/a.ts`), and how it went; `turn` is the model call that asked for it.
   * "unknown": the agent's output never said (a command-line agent stopped, or its result
   * too long to read). `detail`: a short reason for an error, or a command's exit code.
   */
  | {
      readonly kind: "tool_call";
      readonly turn: number;
      readonly tool: string;
      readonly summary: string;
      readonly outcome: "ok" | "error" | "unknown";
      readonly detail?: string;
      readonly durationMs?: number;
    }
  /**
   * A command the run itself ran (setup, tests): exit code (null: killed or timed out), how it
   * ended, duration, output tail.
   */
  | {
      readonly kind: "command";
      readonly purpose: "setup" | "test";
      readonly command: string;
      readonly exitCode: number | null;
      readonly ending?: "exited" | "timeout" | "cancelled" | "spawn_error";
      readonly durationMs: number;
      readonly outputTail: string;
    }
  /** The result of verifying the work with the repository's test command. */
  | { readonly kind: "verification"; readonly verification: Verification }
  /** The agent's plan, as a checklist. */
  | { readonly kind: "plan"; readonly steps: readonly string[] }
  /** A live progress line (e.g. "turn 4: bash — npm test"); the agent's adds its turns and tokens so far. */
  | { readonly kind: "progress"; readonly message: string; readonly agent?: { readonly turn: number; readonly usage: TokenUsage | null } }
  /** What the agent reads besides the task: where the brief came from, and the test command. */
  | { readonly kind: "context"; readonly briefSource: string | null; readonly testCommand: string | null }
  /** The agent's turns, tokens and cost so far (null: not reported), sent when a session ends either way. */
  | { readonly kind: "totals"; readonly turns: number; readonly usage: TokenUsage | null; readonly costUsd: number | null }
  /** Something the user should know that does not stop the run (a brief that could not be read). */
  | { readonly kind: "note"; readonly text: string };

export type RunEventKind = RunEvent["kind"];

/** An event as the log holds it: numbered per attempt, so a batch sent twice is stored once. */
export interface RecordedRunEvent {
  readonly runId: number;
  readonly attempt: number;
  /** 1, 2, 3… within the attempt, in the order the executor produced them. */
  readonly seq: number;
  /** ISO time the executor produced it. */
  readonly at: string;
  readonly event: RunEvent;
}
