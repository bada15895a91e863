import { z } from "zod";
import type { AgentError, BudgetName } from "../agent/provider.js";
import type { RunReport, Verification } from "../domain/run.js";
import { STAGES } from "../domain/run-state.js";
import type { JobResult } from "../executors/executor.js";

/**
 * The values the runner protocol carries, as zod schemas: both ends parse what they
 * receive with these, so a malformed message is refused at the edge. Sizes are bounded by
 * the request body's limit, not per field: a long test log is not malformed.
 */

const count = z.number().int().min(0);

export const TokenUsageSchema = z.object({
  inputTokens: count,
  outputTokens: count,
  cacheReadTokens: count,
  cacheWriteTokens: count,
});

export const VerificationSchema = z.object({
  command: z.string(),
  passed: z.boolean(),
  exitCode: z.number().int().nullable(),
  runs: count,
  outputTail: z.string(),
}) satisfies z.ZodType<Verification>;

export const StageSchema = z.enum(STAGES);

/** A run event as a runner sends it: the event log's own schema, so both accept the same events. */
export { RunEventSchema } from "../store/run-event-schema.js";

const EvidenceSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("command"), command: z.string(), result: z.string() }),
  z.object({ kind: z.literal("file"), path: z.string(), line: count }),
]);

export const RunReportSchema = z.object({
  criteria: z
    .array(
      z.object({
        index: count,
        criterion: z.string(),
        status: z.enum(["met", "not_met", "unverified"]),
        evidence: EvidenceSchema.nullable(),
        note: z.string().optional(),
      }),
    ),
  formatError: z.string().optional(),
}) satisfies z.ZodType<RunReport>;

export const JobResultSchema = z.object({
  plan: z.array(z.string()),
  verification: VerificationSchema.nullable(),
  report: RunReportSchema,
  summary: z.string(),
  totals: z.object({ turns: count, usage: TokenUsageSchema.nullable(), costUsd: z.number().min(0).nullable() }),
}) satisfies z.ZodType<JobResult>;

/** AgentError's codes: a runner's failure keeps its code, so the control plane ends the run as it would a local one. */
export const AGENT_ERROR_CODES = ["model_api", "auth", "budget", "cancelled", "bad_response", "unavailable"] as const satisfies readonly AgentError["code"][];
export const BUDGET_NAMES = ["turns", "input_tokens", "output_tokens", "cost", "wall_clock"] as const satisfies readonly BudgetName[];

/** A failure's message is a run's reason, which is read on GitHub: never a log. */
export const MAX_FAILURE_MESSAGE_CHARS = 20_000;

export const RunnerFailureSchema = z.object({
  message: z.string().min(1).max(MAX_FAILURE_MESSAGE_CHARS),
  code: z.enum(AGENT_ERROR_CODES).optional(),
  budget: z.enum(BUDGET_NAMES).optional(),
});

/** What a runner reports at the end of its job (`POST result`). */
export const RunnerOutcomeSchema = z.discriminatedUnion("outcome", [
  z.object({ outcome: z.literal("completed"), result: JobResultSchema }),
  z.object({ outcome: z.literal("failed"), error: RunnerFailureSchema }),
]);

export type RunnerFailure = z.infer<typeof RunnerFailureSchema>;
export type RunnerOutcome = { readonly outcome: "completed"; readonly result: JobResult } | { readonly outcome: "failed"; readonly error: RunnerFailure };
