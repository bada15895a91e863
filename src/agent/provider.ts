import type { Task } from "../task/task.js";

/** Token counts as the model API reports them, summed over a run. */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
}

export interface AgentProgress {
  /** A short line for the live status (e.g. "turn 3: bash npm test"). */
  readonly message: string;
  readonly turn: number;
  readonly usage: TokenUsage;
}

export interface AgentRequest {
  readonly task: Task;
  /** Absolute path of the checkout the agent works in; every tool is confined to it. */
  readonly workdir: string;
  readonly model: string;
  readonly signal: AbortSignal;
  readonly onProgress?: (progress: AgentProgress) => void;
}

export interface AgentResult {
  /** The agent's own account of what it did, in markdown (its final message). */
  readonly summary: string;
  readonly turns: number;
  readonly usage: TokenUsage;
  readonly costUsd: number;
}

/** One interface, several providers: the worker does not know which one runs. */
export interface AgentProvider {
  readonly name: string;
  run(request: AgentRequest): Promise<AgentResult>;
}

/** A failure that ends the run (model API refused, budget exhausted, …), with a message a user can act on. */
export class AgentError extends Error {
  override readonly name = "AgentError";
  constructor(
    message: string,
    readonly code: "model_api" | "auth" | "budget" | "cancelled" | "bad_response",
    readonly usage?: TokenUsage,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const ZERO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
