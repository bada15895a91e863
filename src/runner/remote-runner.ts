import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentError, type AgentProvider, type ModelEndpoint } from "../agent/provider.js";
import type { AppSettings } from "../config/env.js";
import type { Job, JobIo } from "../executors/executor.js";
import { RunFailure } from "../domain/run-failure.js";
import { renderCommitMessage } from "../lifecycle/run-plan.js";
import { checkoutSourceBundle, cloneSourceBundle, createWorkBundle } from "../workspace/bundle.js";
import { commitAll } from "../workspace/commit-all.js";
import { createEventSender, JobStopped } from "./event-sender.js";
import type { ProtocolClient } from "./protocol-client.js";
import { MAX_FAILURE_MESSAGE_CHARS, type RunnerFailure, type RunnerOutcome } from "./protocol-schemas.js";
import type { JobAssignment } from "./protocol.js";
import { runJob } from "./run-job.js";
import { watchControl } from "./watch-control.js";

export interface RemoteRunnerOptions {
  readonly client: ProtocolClient;
  /** The agent a job asks for (`agent=`), as this runner has it, or why it cannot run it. */
  getAgent(name: string): AgentProvider | { readonly unavailable: string };
  /** The run credential, which never appears in a message. */
  readonly credential: string;
  /** Where the agent calls the model: the app's gateway, with the run credential as the key. */
  readonly modelEndpoint: ModelEndpoint;
  readonly settings: Pick<AppSettings, "sandbox" | "setupNetwork" | "commandTimeoutMs" | "gitAuthor">;
  readonly log: { info(details: object, message: string): void; warn(details: object, message: string): void };
  /** Default 10 s. */
  readonly heartbeatMs?: number;
  /**
   * An existing git checkout to run the job in (`--workdir`, a GitHub Actions workspace
   * whose setup steps already ran) instead of a fresh clone; it is left in place at the end.
   */
  readonly workdir?: string;
}

/** How the runner ended: its outcome reached the app, or the app would no longer take it. */
export type RemoteRunEnd = "reported" | "lost";

/**
 * A job run away from the app, over the runner protocol: fetch the job, clone the source
 * bundle (or check it out in the given workdir), run the stages with events, issues and
 * stops going through the protocol, then commit what the agent left, send it back as a
 * bundle from the start commit, and report the outcome. A failed job still sends its
 * partial work.
 */
export async function runRemoteJob(options: RemoteRunnerOptions): Promise<RemoteRunEnd> {
  const { client, log } = options;
  const assignment = await client.getJob();
  const root = await mkdtemp(join(tmpdir(), "hamster-runner-"));
  const stopping = new AbortController();
  let lost = false;
  const stop = (reason: string) => stopping.abort(new JobStopped(reason));
  const events = createEventSender({ client, onStop: stop });
  const watch = watchControl({
    client,
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    onStop: (reason, isLost) => {
      lost ||= isLost;
      stop(reason);
    },
  });
  const workdir = options.workdir ?? join(root, "work");
  let workKept = false;
  try {
    const stages = await runStages(options, assignment, root, workdir, { emit: events.emit, getIssue: (n) => client.getIssue(n), signal: stopping.signal });
    let outcome = stages.outcome;
    if (lost) return "lost";
    await events.flush().catch((error: unknown) => log.warn({ err: error }, "could not send the last events"));
    const packed = stages.checkedOut ? await packWork(options, assignment, workdir, join(root, "work.bundle"), outcome) : { bundle: null, outcome, workKept: false };
    outcome = packed.outcome;
    workKept = packed.workKept;
    if (packed.bundle !== null) {
      // Refused (too large): the app says so in the run's reason; the outcome still goes.
      await client.uploadWorkBundle(packed.bundle).catch((error: unknown) => log.warn({ err: error }, "the work bundle was not taken"));
    }
    await client.postResult(redactOutcome(outcome, options.credential));
    return "reported";
  } finally {
    watch.close();
    if (workKept) log.warn({ workdir }, "the agent's work could not be committed; it is kept here");
    // Only the runner's own temporary directory goes, never a workdir it was given.
    if (!workKept || options.workdir !== undefined) await rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Gets the job's source into `workdir` and runs the stages there; any failure becomes the
 * outcome. `checkedOut` says whether the work branch was checked out, so that there is
 * work to pack: a workdir that was given exists whether or not the source reached it.
 */
async function runStages(
  options: RemoteRunnerOptions,
  assignment: JobAssignment,
  root: string,
  workdir: string,
  io: JobIo,
): Promise<{ outcome: RunnerOutcome; checkedOut: boolean }> {
  let checkedOut = false;
  try {
    const agent = options.getAgent(assignment.job.request.agent);
    if ("unavailable" in agent) throw new RunFailure(`The runner cannot run this job's agent. ${agent.unavailable}`);
    const bundle = join(root, "source.bundle");
    await options.client.downloadSourceBundle(bundle);
    const at = { branch: assignment.workBranch, sha: assignment.startSha };
    await (options.workdir === undefined ? cloneSourceBundle(bundle, workdir, at) : checkoutSourceBundle(bundle, workdir, at));
    checkedOut = true;
    await rm(bundle, { force: true });
    // The runner's checkout holds every object itself: nothing outside it to read.
    const job: Job = { ...assignment.job, checkoutDir: workdir, readOnlyPaths: [] };
    const result = await runJob(job, io, { agent, modelEndpoint: options.modelEndpoint, settings: options.settings, workdir, log: options.log });
    return { outcome: { outcome: "completed", result }, checkedOut };
  } catch (error) {
    return { outcome: { outcome: "failed", error: describeRunnerFailure(error, io.signal) }, checkedOut };
  }
}

/**
 * Commits what the agent left and bundles everything since the start commit; null when there
 * is nothing. A clone git must not touch (the agent changed its git config) is kept, and the
 * outcome says where, as the app keeps a local run's workspace: the work is never deleted.
 */
async function packWork(
  options: RemoteRunnerOptions,
  assignment: JobAssignment,
  workdir: string,
  file: string,
  outcome: RunnerOutcome,
): Promise<{ bundle: string | null; outcome: RunnerOutcome; workKept: boolean }> {
  const { job } = assignment;
  const message =
    outcome.outcome === "completed"
      ? renderCommitMessage(job.request.issue.title, job.request.issue.number, job.runId)
      : `WIP: partial work from Hamster run #${job.runId}\n\n${outcome.error.message}`;
  try {
    await commitAll(workdir, message, options.settings.gitAuthor);
    const made = await createWorkBundle(workdir, file, { branch: assignment.workBranch, fromSha: assignment.startSha });
    return { bundle: made ? file : null, outcome, workKept: false };
  } catch (error) {
    const failure = outcome.outcome === "failed" ? outcome.error : describeRunnerFailure(error, new AbortController().signal);
    const kept = `\n\nThe agent's work could not be committed; it is kept on the runner's machine in \`${workdir}\` for an admin to inspect.`;
    const message = `${failure.message.slice(0, MAX_FAILURE_MESSAGE_CHARS - kept.length)}${kept}`;
    return { bundle: null, outcome: { outcome: "failed", error: { ...failure, message } }, workKept: true };
  }
}

/** A failure as the app rebuilds it: an AgentError keeps its code and budget; a stop is a cancel. */
export function describeRunnerFailure(error: unknown, signal: AbortSignal): RunnerFailure {
  const failure = classifyFailure(error, signal);
  return { ...failure, message: failure.message.slice(0, MAX_FAILURE_MESSAGE_CHARS) || "The runner failed without a message." };
}

function classifyFailure(error: unknown, signal: AbortSignal): RunnerFailure {
  // The app's stop explains itself better than the error it caused (a killed command, an aborted call), as in a local run.
  if (signal.aborted && signal.reason instanceof JobStopped) return { message: signal.reason.message, code: "cancelled" };
  if (error instanceof AgentError) return { message: error.message, code: error.code, ...(error.budget ? { budget: error.budget } : {}) };
  if (error instanceof JobStopped) return { message: error.message, code: "cancelled" };
  const message = error instanceof Error ? error.message : String(error);
  // WorkspaceError, RunFailure and the like are written for the user; anything else is a fault.
  if (error instanceof Error && ["WorkspaceError", "RunFailure", "SandboxPolicyError"].includes(error.name)) return { message };
  return { message: `The runner hit an unexpected error: ${message}` };
}

function redactOutcome(outcome: RunnerOutcome, credential: string): RunnerOutcome {
  if (outcome.outcome === "completed" || credential.length < 8) return outcome;
  return { ...outcome, error: { ...outcome.error, message: outcome.error.message.split(credential).join("[redacted]") } };
}
