import { z } from "zod";
import type { RunEvent } from "../domain/run-event.js";
import { ACTIVE_STATES, FINAL_STATES } from "../domain/run-state.js";

/*
 * The run event vocabulary (src/domain/run-event.ts) as a schema: what the log accepts when
 * it stores an event and checks again when it reads one back, and what the runner protocol
 * accepts from a runner (one schema, so an event a local run records is never refused from a
 * runner). Unknown fields are dropped, so a row written by a newer version still reads as far
 * as this one understands it.
 */

const count = z.number().int().nonnegative();
const usage = z.object({ inputTokens: count, outputTokens: count, cacheReadTokens: count, cacheWriteTokens: count });
const durationMs = z.number().nonnegative();

const verification = z.object({
  command: z.string(),
  passed: z.boolean(),
  exitCode: z.number().int().nullable(),
  runs: z.number().int().positive(),
  outputTail: z.string(),
});

export const RunEventSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("stage"), state: z.enum([...ACTIVE_STATES, ...FINAL_STATES]), detail: z.string().optional() }),
  z.object({
    kind: z.literal("model_call"),
    turn: z.number().int().positive(),
    model: z.string(),
    usage: usage.nullable(),
    costUsd: z.number().nonnegative().nullable(),
    stopReason: z.string().optional(),
    durationMs: durationMs.optional(),
  }),
  z.object({
    kind: z.literal("tool_call"),
    turn: z.number().int().nonnegative(),
    tool: z.string(),
    summary: z.string(),
    outcome: z.enum(["ok", "error", "unknown"]),
    detail: z.string().optional(),
    durationMs: durationMs.optional(),
  }),
  z.object({
    kind: z.literal("command"),
    purpose: z.enum(["setup", "test"]),
    command: z.string(),
    exitCode: z.number().int().nullable(),
    ending: z.enum(["exited", "timeout", "cancelled", "spawn_error"]).optional(),
    durationMs,
    outputTail: z.string(),
  }),
  z.object({ kind: z.literal("verification"), verification }),
  z.object({ kind: z.literal("plan"), steps: z.array(z.string()).readonly() }),
  z.object({
    kind: z.literal("progress"),
    message: z.string(),
    agent: z.object({ turn: z.number().int().nonnegative(), usage: usage.nullable() }).optional(),
  }),
  z.object({ kind: z.literal("context"), briefSource: z.string().nullable(), testCommand: z.string().nullable() }),
  z.object({ kind: z.literal("totals"), turns: count, usage: usage.nullable(), costUsd: z.number().nonnegative().nullable() }),
  z.object({ kind: z.literal("note"), text: z.string() }),
]);

// Fails to compile when the schema and the vocabulary drift apart: what it accepts is a
// RunEvent, every RunEvent's values are ones it accepts, and it knows every kind. (A field it
// lacks is dropped, not refused: the round-trip test of every field catches that.)
type Parsed = z.infer<typeof RunEventSchema>;
const parsedIsEvent = (parsed: Parsed): RunEvent => parsed;
const eventIsAccepted = (event: RunEvent): z.input<typeof RunEventSchema> => event;
const everyKind: Exclude<RunEvent["kind"], Parsed["kind"]> extends never ? true : never = true;
void parsedIsEvent;
void eventIsAccepted;
void everyKind;

export type RunEventParse = { readonly ok: true; readonly event: RunEvent } | { readonly ok: false; readonly error: string };

/** Checks that `value` (parsed JSON) is a run event this version knows; says what is wrong when not. */
export function parseRunEvent(value: unknown): RunEventParse {
  const result = RunEventSchema.safeParse(value);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, error: z.prettifyError(result.error).replace(/\n/g, "; ") };
}
