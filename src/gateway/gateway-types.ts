import type { Budgets } from "../agent/provider.js";
import type { TokenUsage } from "../domain/usage.js";

/** The budgets the gateway enforces: the run's wall clock is the lifecycle's to watch, not a model call's. */
export type GatewayBudgets = Omit<Budgets, "wallClockMs">;

/** What an accepted run credential allows: whose run it is, what it may spend, which models it may call. */
export interface GatewayGrant {
  readonly runId: number;
  readonly attempt: number;
  readonly installationId: number;
  readonly budgets: GatewayBudgets;
  /** The models the run may call; absent: any (a CLI agent may use a small model for chores). */
  readonly allowedModels?: readonly string[];
}

/** What the run has used so far, as the budgets measure it. */
export interface GatewaySpend {
  /** Model calls answered so far (see addCallToSpend). */
  readonly turns: number;
  readonly usage: TokenUsage;
  readonly costUsd: number;
}

/** One `messages` call forwarded to the model API, as recorded after it ended. */
export interface ModelCall {
  /** The model the request named. */
  readonly model: string;
  /** As the API reported it; zeros when it reported none (an error, or a stream cut before message_start). */
  readonly usage: TokenUsage;
  readonly costUsd: number;
  /** The model API's HTTP status; 502 when it could not be reached. */
  readonly status: number;
  /** From forwarding the request to the end of the answer (or its breaking off). */
  readonly durationMs: number;
  /** The answer came as server-sent events. */
  readonly streamed: boolean;
  /** False when the answer did not reach the client whole: the client left, or the API broke off. */
  readonly complete: boolean;
  /** Why the model stopped (end_turn, tool_use, max_tokens…); null when the answer did not say. */
  readonly stopReason: string | null;
}

/** The gateway's dependencies: all of its I/O besides the model API itself. */
export interface ModelGatewayDeps {
  /** The grant of a run credential, or null: unknown, expired, revoked, or its run is over or on another attempt. */
  authenticate(token: string): GatewayGrant | null | Promise<GatewayGrant | null>;
  /** The installation's provider key (its vault key, else ANTHROPIC_API_KEY), or undefined when there is none. */
  getProviderKey(installationId: number): string | undefined | Promise<string | undefined>;
  /** Where the Messages API is: ANTHROPIC_BASE_URL, e.g. https://api.anthropic.com. */
  readonly upstreamBaseUrl: string;
  getSpend(runId: number): GatewaySpend | Promise<GatewaySpend>;
  recordCall(grant: GatewayGrant, call: ModelCall): void | Promise<void>;
  /** Where the gateway is mounted; default /api/hamster/model. */
  readonly basePath?: string;
  /** Larger request bodies get 413; default 32 MiB. */
  readonly maxBodyBytes?: number;
  /** A failure of the gateway itself (a dependency threw); never carries a key. */
  onError?(error: unknown): void;
}
