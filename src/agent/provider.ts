import type { Task } from "../task/task.js";
import type { RunEvent } from "../domain/run-event.js";
import { ZERO_USAGE, type TokenUsage } from "../domain/usage.js";

/** What stops a run that would go on too long or cost too much. Absent limits are not enforced. */
export interface Budgets {
  /** Model calls over the whole session. */
  readonly turns: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly costUsd?: number;
  /** Wall-clock time from the start of the session. */
  readonly wallClockMs?: number;
}

export type BudgetName = "turns" | "input_tokens" | "output_tokens" | "cost" | "wall_clock";

/** A Messages API endpoint and the key it takes: the app's model gateway and a run credential. */
export interface ModelEndpoint {
  readonly baseUrl: string;
  readonly apiKey: string;
}

/** Everything the agent knows besides the task: why (the brief) and how (the repository's own instructions). */
export interface AgentContext {
  /** The brief the task belongs to, when one was found. */
  readonly brief?: { readonly source: string; readonly text: string };
  /** AGENTS.md, CLAUDE.md, .github/copilot-instructions.md, as found in the checkout. */
  readonly repoInstructions: readonly { readonly path: string; readonly text: string }[];
  /** The command that verifies the work, when known (config or discovery). */
  readonly testCommand?: string;
}

/** Which step of the run a message to the agent belongs to; providers may use it for status lines. */
export type AgentPhase = "planning" | "implementing" | "verifying" | "delivering";

export interface AgentProgress {
  /** A short line for the live status (e.g. "turn 3: bash — npm test"). */
  readonly message: string;
  readonly turn: number;
  /** Tokens so far; null when the agent does not report them. */
  readonly usage: TokenUsage | null;
}

export interface AgentSessionRequest {
  readonly task: Task;
  readonly context: AgentContext;
  /** Absolute path of the checkout the agent works in; every tool is confined to it. */
  readonly workdir: string;
  readonly model: string;
  readonly budgets: Budgets;
  /** Aborts model calls and running commands; the session then throws AgentError "cancelled". */
  readonly signal: AbortSignal;
  readonly onProgress?: (progress: AgentProgress) => void;
  /**
   * Told of each model call (`model_call`) and each tool call (`tool_call`) as far as the
   * provider can see them: the built-in agent sees all; a CLI only what its output says.
   */
  readonly onEvent?: (event: RunEvent) => void;
  /** Outside the checkout, what commands may read (e.g. the objects of the mirror the checkout shares). */
  readonly readOnlyPaths?: readonly string[];
  /** The provider key for this run (the installation's, from the vault); absent: the provider's default. */
  readonly apiKey?: string;
  /**
   * The model gateway: where model calls go, with the run credential as their key. The
   * agent then never holds a provider key; absent (a local `hamster run`), `apiKey` or the
   * provider's default applies.
   */
  readonly modelEndpoint?: ModelEndpoint;
}

export interface AgentTotals {
  readonly turns: number;
  /** null: the agent did not report its token usage (some command-line agents), which is not zero. */
  readonly usage: TokenUsage | null;
  /** null when usage is. */
  readonly costUsd: number | null;
}

/**
 * One conversation with an agent over a run. The run's pipeline drives it phase by phase
 * (plan, implement, fix, report); the agent works with its tools until it ends its turn.
 */
export interface AgentSession {
  /** Sends one instruction; resolves with the agent's final text once it ends its turn. */
  send(prompt: string, phase: AgentPhase): Promise<string>;
  /** Turns, tokens and cost so far (also after a failure). */
  totals(): AgentTotals;
  /**
   * The shell commands the agent itself ran so far, as far as the provider can see them;
   * null when it cannot (a CLI that does not report its tool calls). Tells evidence the
   * agent produced from evidence that only the app's own test run produced.
   */
  commandsRun(): readonly string[] | null;
  /** Releases what the session holds (temp dirs, processes). Idempotent. */
  close(): Promise<void>;
}

/** One interface, several providers: the pipeline does not know which one runs. */
export interface AgentProvider {
  readonly name: string;
  startSession(request: AgentSessionRequest): Promise<AgentSession>;
}

/** A failure that ends the agent's work, with a message a user can act on (never containing a key). */
export class AgentError extends Error {
  override readonly name = "AgentError";
  constructor(
    message: string,
    readonly code: "model_api" | "auth" | "budget" | "cancelled" | "bad_response" | "unavailable",
    readonly usage?: TokenUsage,
    options?: { cause?: unknown; budget?: BudgetName },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.budget = options?.budget;
  }
  /** Set when code is "budget": which budget stopped the run. */
  readonly budget: BudgetName | undefined;
}
