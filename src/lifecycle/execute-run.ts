import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "probot";
import { buildImplementPrompt, buildPlanPrompt, buildReportPrompt, parseEvidenceReport, parsePlan } from "../agent/phase-prompts.js";
import { AgentError, type AgentProvider, type AgentSession, type Budgets } from "../agent/provider.js";
import { buildCommandEnv } from "../agent/tools/bash.js";
import { checkSandbox } from "../sandbox/check-sandbox.js";
import { resolveSandboxPolicy } from "../sandbox/sandbox.js";
import type { AppSettings } from "../config/env.js";
import type { RunStore } from "../store/run-store.js";
import { isFinalState, STAGES, type FinalState, type RunState, type Stage } from "../domain/run-state.js";
import type { Run, RunReport } from "../domain/run.js";
import { parseTask } from "../task/parse-task.js";
import { renderWorkBranch } from "../workspace/branch-name.js";
import { commitAll, listChangedFiles, prepareCheckout, pushBranch, refillSpare, removeCheckout, resolveCommit } from "../workspace/workspace.js";
import type { RunHost } from "./run-host.js";
import { describeFailure, RunFailure } from "./run-failure.js";
import { readStopReason, renderStopReason } from "./stop-reason.js";
import { startRunDeadline } from "./run-deadline.js";
import { checkPush, WorkflowChangeRefused } from "./push-policy.js";
import { gatherContext } from "./gather-context.js";
import { resolveRunAgent, type AgentSources } from "./resolve-run-agent.js";
import { runSetupCommands } from "./run-setup.js";
import { pruneRunMirrors, resolveMirrorsDir } from "./prune-run-mirrors.js";
import { checkEvidence, decideConclusion, verifyWork } from "./verify-work.js";

export interface RunDependencies extends AgentSources {
  readonly runs: RunStore;
  readonly settings: AppSettings;
  readonly log: Logger;
  /** Where the run is shown and delivered: GitHub for the app, the terminal for `hamster run`. */
  createHost(run: Run): Promise<RunHost>;
  /** True while the app shuts down: the run stops at the next stage boundary and stays active. */
  isDraining?(): boolean;
  /** How often an executing run records that it is alive. */
  heartbeatMs?: number;
  /**
   * Takes work that need not delay the run's end (pruning mirrors, making the next run's spare) and
   * keeps track of it, so that idle() and shutdown still wait for it. Without it, the run
   * awaits that work itself.
   */
  runInBackground?(work: Promise<unknown>): void;
}

/** The app is shutting down: the run stops here and the next start resumes it. */
class DrainStop extends Error {
  override readonly name = "DrainStop";
}

/** Where a resumed run starts again: after its last completed stage. */
export function decideResumeStage(interrupted: RunState, hasPlan: boolean): Stage {
  switch (interrupted) {
    case "queued":
    case "preparing":
    case "planning":
      return hasPlan ? "implementing" : "planning";
    case "delivering":
      // The agent's report is cheap to redo, and the tests must run on the salvaged work.
      return "verifying";
    case "implementing":
    case "verifying":
      return hasPlan ? interrupted : "planning";
    default:
      return "planning";
  }
}

/** What the run has done to the outside world so far, so a failure can be cleaned up precisely. */
interface RunProgress {
  workdir: string;
  startSha?: string;
  branchCreated: boolean;
  agentStarted: boolean;
  /** The agent's work, committed locally. */
  localWorkSha?: string;
  workPushed: boolean;
  /** Set when work could not be pushed: the checkout is the only copy left. */
  keepWorkspace: boolean;
  files: readonly string[];
}

export function renderCommitMessage(title: string, issueNumber: number, runId: number): string {
  return issueNumber > 0 ? `${title}\n\nDelivered by Hamster run #${runId} for #${issueNumber}.` : `${title}\n\nDelivered by Hamster run #${runId}.`;
}

/** The run's budgets: the repository's settings over the app's defaults. */
export function resolveBudgets(run: Run, settings: AppSettings): Budgets {
  const b = run.request.settings?.budgets ?? {};
  return {
    turns: b.turns ?? settings.maxTurns,
    ...(b.inputTokens !== undefined ? { inputTokens: b.inputTokens } : {}),
    ...(b.outputTokens !== undefined ? { outputTokens: b.outputTokens } : {}),
    ...(b.costUsd !== undefined ? { costUsd: b.costUsd } : {}),
  };
}

/** The run's wall-clock budget: the repository's `budgets.minutes`, else HAMSTER_RUN_MINUTES. It covers the whole run. */
export function resolveWallClockMs(run: Run, settings: AppSettings): number {
  return (run.request.settings?.budgets.minutes ?? settings.runMinutes) * 60_000;
}

/** Drives one queued run through its stages to an end state. Never throws: a failure ends the run. */
export async function executeRun(deps: RunDependencies, runId: number, workerSignal: AbortSignal): Promise<void> {
  const { runs, settings, log } = deps;
  const run = runs.getRun(runId);
  // Cancelled while it waited for a worker, or already ended elsewhere.
  if (isFinalState(run.state)) return;
  const resuming = run.state !== "queued";
  let host: RunHost;
  try {
    host = await deps.createHost(run);
  } catch (error) {
    // Without a host nothing can be reported; the run still ends, with the reason.
    log.error({ runId, err: error }, "could not start reporting the run");
    runs.transitionRun(runId, "failed", { reason: `Hamster could not authenticate as the app's installation: ${describeFailure(error)}` });
    return;
  }
  const progress: RunProgress = {
    workdir: join(settings.dataDir, "workspaces", `run-${runId}`),
    branchCreated: false,
    agentStarted: false,
    workPushed: false,
    keepWorkspace: false,
    files: [],
  };
  const request = run.request;
  // The budget runs from the run's first start; a resumed run keeps its deadline.
  const firstStart = runs.listTransitions(runId).find((t) => t.state === "preparing")?.at;
  const deadline = startRunDeadline({ startedAt: firstStart ? Date.parse(firstStart) : Date.now(), budgetMs: resolveWallClockMs(run, settings) });
  const signal = AbortSignal.any([workerSignal, deadline.signal]);
  const enter = async (state: RunState, detail?: string) => {
    // A stage boundary: the place where a shutdown may stop a run without losing a step.
    if (deps.isDraining?.()) throw new DrainStop("The app is shutting down.");
    // Cancelled, or out of time, during a step that does not watch the signal (the checkout).
    if (signal.aborted) throw new RunFailure("The run was stopped.");
    runs.transitionRun(runId, state, detail ? { detail } : {});
    await host.publish();
  };
  let session: AgentSession | undefined;
  const home = await mkdtemp(join(tmpdir(), "hamster-home-"));
  runs.touchHeartbeat(runId);
  const heartbeat = setInterval(() => runs.touchHeartbeat(runId), deps.heartbeatMs ?? HEARTBEAT_MS);

  try {
    const resumeAt = resuming ? decideResumeStage(run.state, (run.plan?.length ?? 0) > 0) : "planning";
    await enter("preparing", resuming ? `resumed after an interruption (was ${run.state})` : undefined);
    if (resuming) await salvageWorkspace(deps, host, run, progress.workdir);
    // Whatever can be known to fail is checked before anything is created: no checkout, PR or check run.
    const resolved = resolveRunAgent(deps, { installationId: run.installationId, agentName: request.agent, appAnthropicKey: settings.anthropicApiKey });
    if (!resolved.ok) throw new RunFailure(resolved.reason);
    const { agent, apiKey } = resolved;
    // Commands never run unsandboxed unless an admin turned the sandbox off.
    if (settings.sandbox.mode === "bubblewrap") {
      const check = await checkSandbox();
      if (!check.ok) throw new RunFailure(check.reason);
    }
    const workBranch = run.workBranch ?? renderWorkBranch(request.issue.number, request.issue.title);
    runs.updateRun(runId, { workBranch });
    const token = await host.getGitToken();
    const prepared = await prepareCheckout({
      dir: progress.workdir,
      remoteUrl: request.repo.cloneUrl,
      token,
      baseBranch: request.baseBranch,
      workBranch,
      startMessage: `Start: ${request.issue.title}`,
      author: settings.gitAuthor,
      mirrorsDir: resolveMirrorsDir(settings),
    });
    // The checkout borrows the mirror's objects; inside the sandbox, which hides the data
    // directory, git needs them readable (and only readable).
    const readOnlyPaths = prepared.borrowedObjectsDir === undefined ? [] : [prepared.borrowedObjectsDir];
    Object.assign(progress, { startSha: prepared.headSha, branchCreated: prepared.branchCreated });
    runs.updateRun(runId, { headSha: prepared.headSha });
    await host.opened(prepared);

    const sandbox = resolveSandboxPolicy(settings.sandbox, progress.workdir, { writablePaths: [home], readOnlyPaths });
    const runner = { workdir: progress.workdir, env: buildCommandEnv({ HOME: home }), timeoutMs: settings.commandTimeoutMs, signal, sandbox };
    const egress = await runSetupCommands({
      commands: request.settings?.setup ?? [],
      settings,
      workdir: progress.workdir,
      home,
      readOnlyPaths,
      env: runner.env,
      signal,
      onCommand: (command) => host.progress(`setup: ${command}`),
    });
    if (egress.allowed.length > 0 || egress.refused.length > 0) log.info({ runId, allowed: egress.allowed, refused: egress.refused }, "setup network requests");

    const gathered = await gatherContext(request, progress.workdir, host);
    runs.updateRun(runId, { notes: [...runs.getRun(runId).notes, ...gathered.notes], ...(gathered.context.brief ? { briefSource: gathered.context.brief.source } : {}) });
    const task = parseTask({
      number: request.issue.number,
      title: request.issue.title,
      body: request.issue.body,
      instructions: request.instructions,
      comments: await host.getTaskComments(),
    });

    session = await agent.startSession({
      ...(apiKey ? { apiKey } : {}),
      task,
      context: gathered.context,
      workdir: progress.workdir,
      readOnlyPaths,
      model: request.model,
      budgets: resolveBudgets(run, settings),
      signal,
      onProgress: (p) => {
        runs.updateRun(runId, { progress: p.message, usage: p.usage, turns: p.turn });
        host.progress(p.message);
      },
    });
    progress.agentStarted = true;

    const skip = (stage: Stage) => STAGES.indexOf(stage) < STAGES.indexOf(resumeAt);
    let plan = run.plan ?? [];
    if (!skip("planning")) {
      await enter("planning", `${agent.name} · ${request.model}`);
      plan = parsePlan(await session.send(buildPlanPrompt(), "planning"));
      runs.updateRun(runId, { plan });
    }
    if (!skip("implementing")) {
      await enter("implementing", resuming ? "resumed: the work pushed so far is on the branch" : undefined);
      await session.send(buildImplementPrompt(plan), "implementing");
    }

    await enter("verifying", gathered.context.testCommand ? gathered.context.testCommand : "no test command");
    const verification = gathered.context.testCommand
      ? await verifyWork({ command: gathered.context.testCommand, runner, session, onAttempt: (m) => host.progress(m) })
      : null;
    if (verification) runs.updateRun(runId, { verification });

    await enter("delivering");
    const reportText = await session.send(
      buildReportPrompt({ criteria: task.acceptanceCriteria, ...(verification ? { testRun: { command: verification.command, passed: verification.passed } } : {}) }),
      "delivering",
    );
    const parsed = parseEvidenceReport(reportText, task.acceptanceCriteria);
    const report: RunReport = await checkEvidence(
      { criteria: parsed.criteria, ...(parsed.formatError ? { formatError: parsed.formatError } : {}) },
      { workdir: progress.workdir, verification, agentCommands: session.commandsRun() },
    );
    recordTotals(runs, runId, session);
    const conclusion = decideConclusion(report, verification);
    runs.updateRun(runId, { summary: parsed.summary, report, conclusion });

    const commit = await commitAll(progress.workdir, renderCommitMessage(request.issue.title, request.issue.number, runId), settings.gitAuthor);
    // The agent is told not to commit, but if it did, its commits are its work all the same.
    const headSha = commit?.sha ?? (await resolveCommit(progress.workdir, "HEAD"));
    if (headSha === prepared.headSha) {
      throw new RunFailure(
        "The agent finished without changing any file, so there is nothing to deliver. Make the task more specific (what to change, where, and how to check it) and trigger it again.",
      );
    }
    progress.localWorkSha = headSha;
    await checkPush({
      dir: progress.workdir,
      fromSha: prepared.headSha,
      toSha: headSha,
      workBranch,
      defaultBranch: request.repo.defaultBranch,
      allowWorkflowChanges: request.settings?.allowWorkflowChanges ?? false,
    });
    await pushBranch({ dir: progress.workdir, remoteUrl: request.repo.cloneUrl, token, workBranch });
    progress.workPushed = true;
    progress.files = await listChangedFiles(progress.workdir, prepared.baseSha, headSha);
    runs.updateRun(runId, { headSha });

    await host.deliver({ files: progress.files, ready: conclusion === "success" && (request.settings?.readyForReview ?? true) });
    runs.transitionRun(runId, "succeeded", { detail: `${progress.files.length} files changed · ${conclusion}` });
    await host.concluded({ files: progress.files, headSha, workPushed: true, branchCreated: progress.branchCreated });
    log.info({ runId, files: progress.files.length, conclusion }, "run delivered");
  } catch (error) {
    if (session) recordTotals(runs, runId, session);
    if (error instanceof DrainStop || readStopReason(signal)?.kind === "shutdown") {
      // Left active on purpose: the next start salvages the workspace and resumes the run.
      progress.keepWorkspace = true;
      log.info({ runId, state: runs.getRun(runId).state }, "run left for resumption at shutdown");
    } else {
      await concludeFailedRun({ deps, host, runId, progress, error, signal });
    }
  } finally {
    deadline.stop();
    clearInterval(heartbeat);
    await session?.close().catch((error: unknown) => log.warn({ runId, err: error }, "could not close the agent session"));
    await rm(home, { recursive: true, force: true }).catch(() => undefined);
    if (!progress.keepWorkspace) await removeCheckout(progress.workdir).catch((error: unknown) => log.warn({ runId, err: error }, "could not remove checkout"));
    // The run has reported: mirrors past their limits go, and the next run of the repository
    // finds its files written already. Neither needs to hold the worker's slot.
    const housekeeping = (async () => {
      await pruneRunMirrors(settings, log);
      if (deps.isDraining?.()) return;
      const refilled = await refillSpare({ mirrorsDir: resolveMirrorsDir(settings), remoteUrl: request.repo.cloneUrl, branch: request.baseBranch });
      if (refilled.outcome === "failed") log.warn({ runId, err: refilled.error }, "could not make a spare checkout for the next run");
    })();
    if (deps.runInBackground) deps.runInBackground(housekeeping);
    else await housekeeping;
  }
}

export const HEARTBEAT_MS = 10_000;

/**
 * A resumed run's previous process may have left the agent's uncommitted work in the
 * workspace: push it to the branch before starting again, so no work is thrown away.
 */
async function salvageWorkspace(deps: RunDependencies, host: RunHost, run: Run, workdir: string): Promise<void> {
  if (!existsSync(workdir)) return;
  try {
    if (run.workBranch) {
      const commit = await commitAll(workdir, `WIP: work of Hamster run #${run.id} before an interruption`, deps.settings.gitAuthor);
      if (commit) {
        await pushBranch({ dir: workdir, remoteUrl: run.request.repo.cloneUrl, token: await host.getGitToken(), workBranch: run.workBranch });
        deps.runs.updateRun(run.id, { headSha: commit.sha });
      }
    }
    await removeCheckout(workdir);
  } catch (error) {
    // The old workspace stays where it is; a fresh checkout cannot be made on top of it.
    deps.log.warn({ runId: run.id, err: error }, "could not salvage the interrupted workspace");
    throw new RunFailure(
      `The run was interrupted and its workspace could not be saved (${describeFailure(error)}). It is kept on the server as \`workspaces/run-${run.id}\`; retry to start over.`,
    );
  }
}

function recordTotals(runs: RunStore, runId: number, session: AgentSession): void {
  const totals = session.totals();
  runs.updateRun(runId, { usage: totals.usage, costUsd: totals.costUsd, turns: totals.turns });
}

/** The end state an error leads to: a cancelled run is not a failed one, nor is a run out of time. */
export function decideFailureState(error: unknown): FinalState {
  if (error instanceof AgentError && error.code === "cancelled") return "cancelled";
  if (error instanceof AgentError && error.code === "budget" && error.budget === "wall_clock") return "timed_out";
  return "failed";
}

/**
 * Ends a run that could not deliver and leaves things tidy: the agent's work is pushed
 * rather than lost (or kept on the server when the push fails), and the host closes what
 * the run opened and left empty.
 */
async function concludeFailedRun(input: {
  deps: RunDependencies;
  host: RunHost;
  runId: number;
  progress: RunProgress;
  error: unknown;
  signal: AbortSignal;
}): Promise<void> {
  const { deps, host, runId, progress, error } = input;
  const { runs, log, settings } = deps;
  const stop = readStopReason(input.signal);
  const state = stop?.kind === "cancel" ? "cancelled" : stop?.kind === "timeout" ? "timed_out" : decideFailureState(error);
  // A stop explains itself better than the error it caused (a killed command, an aborted call).
  const reason = stop && stop.kind !== "shutdown" ? renderStopReason(stop, runs.getRun(runId).state) : describeFailure(error);
  log.warn({ runId, err: error, state }, "run did not deliver");

  const run = runs.getRun(runId);
  const tidy = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
    } catch (tidyError) {
      log.error({ runId, err: tidyError }, `could not ${what} after the run ended`);
    }
  };

  let fullReason = reason;
  if (progress.agentStarted && !progress.workPushed && run.workBranch && existsSync(progress.workdir)) {
    await tidy("save the agent's work", async () => {
      try {
        await saveWork();
      } catch (saveError) {
        // Host git refused the checkout (e.g. a planted config): keep it, never delete work.
        progress.keepWorkspace = true;
        fullReason = `${reason}\n\nThe agent's work could not be committed; it is kept on the Hamster server in the workspace of run #${runId} (\`workspaces/run-${runId}\` under the data directory) for an admin to inspect.`;
        throw saveError;
      }
    });
  }

  async function saveWork(): Promise<void> {
    const commit = await commitAll(progress.workdir, `WIP: partial work from Hamster run #${runId}\n\n${reason}`, settings.gitAuthor);
    const head = commit?.sha ?? (await resolveCommit(progress.workdir, "HEAD"));
    if (head !== progress.startSha) progress.localWorkSha = head;
    if (!progress.localWorkSha) return;
    try {
      await checkPush({
        dir: progress.workdir,
        fromSha: progress.startSha!,
        toSha: progress.localWorkSha,
        workBranch: run.workBranch!,
        defaultBranch: run.request.repo.defaultBranch,
        allowWorkflowChanges: run.request.settings?.allowWorkflowChanges ?? false,
      });
      const token = await host.getGitToken();
      await pushBranch({ dir: progress.workdir, remoteUrl: run.request.repo.cloneUrl, token, workBranch: run.workBranch! });
      progress.workPushed = true;
      runs.updateRun(runId, { headSha: progress.localWorkSha });
      fullReason = `${reason}\n\nThe work done so far is pushed to the branch.`;
    } catch (pushError) {
      progress.keepWorkspace = true;
      const kept = `it is kept on the Hamster server in the workspace of run #${runId} (\`workspaces/run-${runId}\` under the data directory) for an admin to recover.`;
      if (pushError instanceof WorkflowChangeRefused) {
        // The same refusal may be what ended the run; say it once.
        fullReason = `${error instanceof WorkflowChangeRefused ? reason : `${reason}\n\n${pushError.message}`}\n\nThe agent's work ${kept}`;
      } else {
        fullReason = `${reason}\n\nThe agent's work could not be pushed; ${kept}`;
      }
      log.warn({ runId, err: pushError }, "partial work kept in the workspace");
    }
  }

  try {
    runs.transitionRun(runId, state, { reason: fullReason, detail: reason });
  } catch (transitionError) {
    log.error({ runId, err: transitionError }, "could not record the end of the run");
    return;
  }
  await tidy("report the end of the run", () =>
    host.concluded({ files: progress.files, headSha: runs.getRun(runId).headSha, workPushed: progress.workPushed, branchCreated: progress.branchCreated }),
  );
}
