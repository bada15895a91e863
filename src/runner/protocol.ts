import { z } from "zod";
import type { RunEvent } from "../domain/run-event.js";
import type { Job } from "../executors/executor.js";
import { RunEventSchema, StageSchema } from "./protocol-schemas.js";

/**
 * The runner protocol, version 1: HTTP under RUNNER_PROTOCOL_PATH on the app's own server,
 * JSON, every request carrying the run credential as `Authorization: Bearer …`.
 *
 *   GET  job               the job (JobAssignment)
 *   GET  source.bundle     a git bundle of the work branch at its start commit
 *   GET  runner.mjs        the runner as one file (for a job on GitHub Actions), its sha256 in x-hamster-sha256;
 *                          404 when the app serves none
 *   POST events            { events: [{ seq, at, event }] } → { applied, stop }
 *   POST heartbeat         → { stop }
 *   GET  control?wait=ms   long-poll, held at most 2 s, answered at once when the job must stop → { stop }
 *   GET  issues/:n         another issue of the repository → { issue: { title, body } | null }
 *   PUT  work.bundle       the work since the start commit, as a git bundle (raw body)
 *   POST result            RunnerOutcome
 *
 * `stop` is null, or why the job must stop (a cancel, the time budget, a shutdown).
 */
export const RUNNER_PROTOCOL_PATH = "/api/hamster/runner/v1/";

/** The longest a control long-poll is held. */
export const MAX_CONTROL_WAIT_MS = 2_000;

/** What the runner is told of its job: the Job without the app's paths, plus where to start. */
export type RemoteJob = Omit<Job, "checkoutDir" | "readOnlyPaths">;

export interface JobAssignment {
  readonly job: RemoteJob;
  /** The work branch's commit the runner starts from (the source bundle's head). */
  readonly startSha: string;
  readonly workBranch: string;
}

/** One event as the runner numbers it: 1, 2, 3… within the attempt. */
export const SequencedEventSchema = z.object({
  seq: z.number().int().min(1),
  at: z.iso.datetime({ offset: true }),
  event: RunEventSchema,
});
export interface SequencedEvent {
  readonly seq: number;
  /** ISO time the runner produced it. */
  readonly at: string;
  readonly event: RunEvent;
}

export const EventBatchSchema = z.object({
  events: z
    .array(SequencedEventSchema)
    .min(1)
    .max(1_000)
    .refine((events) => events.every((e, i) => i === 0 || e.seq === events[i - 1]!.seq + 1), "seq must increase by 1 within a batch"),
});

export const StopAnswerSchema = z.object({ stop: z.string().nullable() });
export const EventsAnswerSchema = z.object({ applied: z.number().int().min(0), stop: z.string().nullable() });
export const IssueAnswerSchema = z.object({ issue: z.object({ title: z.string(), body: z.string().nullable() }).nullable() });

const COMMIT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * The job as the runner receives it. The request is the app's own record of the run; the
 * fields the stages read are checked, the rest passes as it is.
 */
export const JobAssignmentSchema = z.object({
  job: z.object({
    runId: z.number().int().min(1),
    attempt: z.number().int().min(1),
    request: z.looseObject({
      repo: z.looseObject({ owner: z.string(), name: z.string(), htmlUrl: z.string() }),
      issue: z.looseObject({ number: z.number().int(), title: z.string(), body: z.string().nullable() }),
      model: z.string().min(1),
      instructions: z.string(),
      settings: z.looseObject({ setup: z.array(z.string()), test: z.string().optional() }).optional(),
    }),
    taskComments: z.array(z.object({ author: z.string(), body: z.string() })),
    resumeAt: StageSchema,
    plan: z.array(z.string()),
    budgets: z.looseObject({ turns: z.number().int().min(1) }),
  }),
  startSha: z.string().regex(COMMIT_ID),
  workBranch: z.string().min(1),
});

/** Parses `GET job`'s answer into the JobAssignment the runner works from. */
export function parseJobAssignment(value: unknown): JobAssignment {
  // The request is checked where the stages read it; the rest is the app's own record of the run.
  return JobAssignmentSchema.parse(value) as unknown as JobAssignment;
}
