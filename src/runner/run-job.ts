import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildImplementPrompt, buildPlanPrompt, buildReportPrompt, parseEvidenceReport, parsePlan } from "../agent/phase-prompts.js";
import type { AgentContext, AgentProvider, AgentSession, ModelEndpoint } from "../agent/provider.js";
import { buildCommandEnv } from "../agent/tools/bash.js";
import type { AppSettings } from "../config/env.js";
import { STAGES, type Stage } from "../domain/run-state.js";
import type { Job, JobIo, JobResult } from "../executors/executor.js";
import { buildCommandEvent } from "../sandbox/build-command-event.js";
import { resolveSandboxPolicy } from "../sandbox/sandbox.js";
import { parseTask } from "../task/parse-task.js";
import type { Task } from "../task/task.js";
import { gatherContext } from "./gather-context.js";
import { runSetupCommands } from "./run-setup.js";
import { checkEvidence, verifyWork } from "./verify-work.js";

export interface JobRunner {
  readonly agent: AgentProvider;
  /** The model gateway and the run credential; the agent then holds no provider key. */
  readonly modelEndpoint?: ModelEndpoint;
  /** Without a gateway (`hamster run`): the provider key the agent's calls carry; absent: the provider's default. */
  readonly apiKey?: string;
  readonly settings: Pick<AppSettings, "sandbox" | "setupNetwork" | "commandTimeoutMs">;
  /** Where the agent works: the job's checkout, or the runner's own copy of it. */
  readonly workdir: string;
  /** For the admin: which hosts setup reached or was refused. */
  readonly log?: { info(details: object, message: string): void };
}

/** What every stage shares: the job, how to report, where to work, and the session's HOME. */
interface StageContext {
  readonly job: Job;
  readonly io: JobIo;
  readonly runner: JobRunner;
  readonly home: string;
  readonly env: Record<string, string>;
}

/**
 * The stages of a run, wherever it executes: setup, context, then the agent plans,
 * implements, is verified against the tests and reports its evidence. Everything it learns
 * goes out as events; the control plane records them and reports them on GitHub.
 */
export async function runJob(job: Job, io: JobIo, runner: JobRunner): Promise<JobResult> {
  const home = await mkdtemp(join(tmpdir(), "hamster-home-"));
  const stage: StageContext = { job, io, runner, home, env: buildCommandEnv({ HOME: home }) };
  let session: AgentSession | undefined;
  try {
    await setUp(stage);
    const { task, context } = await readTask(stage);
    session = await runner.agent.startSession({
      ...(runner.modelEndpoint ? { modelEndpoint: runner.modelEndpoint } : runner.apiKey ? { apiKey: runner.apiKey } : {}),
      task,
      context,
      workdir: runner.workdir,
      readOnlyPaths: job.readOnlyPaths,
      model: job.request.model,
      budgets: job.budgets,
      signal: io.signal,
      onProgress: (p) => void io.emit({ kind: "progress", message: p.message, agent: { turn: p.turn, usage: p.usage } }),
      // Behind the gateway, the gateway records every model call; the agent's own count would double it.
      onEvent: (event) => void (runner.modelEndpoint && event.kind === "model_call" ? undefined : io.emit(event)),
    });
    return await driveAgent(stage, session, task, context);
  } finally {
    if (session) {
      const totals = session.totals();
      await io.emit({ kind: "totals", turns: totals.turns, usage: totals.usage, costUsd: totals.costUsd }).catch(() => undefined);
      await session.close().catch(() => undefined);
    }
    await rm(home, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The repository's setup commands, through the egress proxy. */
async function setUp({ job, io, runner, home, env }: StageContext): Promise<void> {
  const egress = await runSetupCommands({
    commands: job.request.settings?.setup ?? [],
    settings: runner.settings,
    workdir: runner.workdir,
    home,
    readOnlyPaths: job.readOnlyPaths,
    env,
    signal: io.signal,
    onCommand: (command) => void io.emit({ kind: "progress", message: `setup: ${command}` }),
    onCommandEnd: (run) => void io.emit(buildCommandEvent({ purpose: "setup", ...run })),
  });
  if (egress.allowed.length > 0 || egress.refused.length > 0) runner.log?.info({ runId: job.runId, allowed: egress.allowed, refused: egress.refused }, "setup network requests");
}

/** The task with its trusted comments, and what the agent reads besides: the brief, the instructions, the test command. */
async function readTask({ job, io, runner }: StageContext): Promise<{ task: Task; context: AgentContext }> {
  const request = job.request;
  const gathered = await gatherContext(request, runner.workdir, io.getIssue);
  for (const text of gathered.notes) await io.emit({ kind: "note", text });
  await io.emit({ kind: "context", briefSource: gathered.context.brief?.source ?? null, testCommand: gathered.context.testCommand ?? null });
  const task = parseTask({ number: request.issue.number, title: request.issue.title, body: request.issue.body, instructions: request.instructions, comments: [...job.taskComments] });
  return { task, context: gathered.context };
}

/** Plan, implement, verify against the tests (handing failures back), and report the evidence. */
async function driveAgent(stage: StageContext, session: AgentSession, task: Task, context: AgentContext): Promise<JobResult> {
  const { job, io, runner } = stage;
  const skip = (name: Stage) => STAGES.indexOf(name) < STAGES.indexOf(job.resumeAt);
  let plan = job.plan;
  if (!skip("planning")) {
    await io.emit({ kind: "stage", state: "planning", detail: `${runner.agent.name} · ${job.request.model}` });
    plan = parsePlan(await session.send(buildPlanPrompt(), "planning"));
    await io.emit({ kind: "plan", steps: plan });
  }
  if (!skip("implementing")) {
    await io.emit({ kind: "stage", state: "implementing", ...(job.attempt > 1 ? { detail: "resumed: the work pushed so far is on the branch" } : {}) });
    await session.send(buildImplementPrompt(plan), "implementing");
  }

  const testCommand = context.testCommand;
  await io.emit({ kind: "stage", state: "verifying", detail: testCommand ?? "no test command" });
  const sandbox = resolveSandboxPolicy(runner.settings.sandbox, runner.workdir, { writablePaths: [stage.home], readOnlyPaths: job.readOnlyPaths });
  const commands = { workdir: runner.workdir, env: stage.env, timeoutMs: runner.settings.commandTimeoutMs, signal: io.signal, sandbox };
  const verification = testCommand
    ? await verifyWork({
        command: testCommand,
        runner: commands,
        session,
        onAttempt: (message) => void io.emit({ kind: "progress", message }),
        onCommandEnd: (run) => void io.emit(buildCommandEvent({ purpose: "test", ...run })),
      })
    : null;
  if (verification) await io.emit({ kind: "verification", verification });

  await io.emit({ kind: "stage", state: "delivering" });
  const testRun = verification ? { testRun: { command: verification.command, passed: verification.passed } } : {};
  const parsed = parseEvidenceReport(await session.send(buildReportPrompt({ criteria: task.acceptanceCriteria, ...testRun }), "delivering"), task.acceptanceCriteria);
  const report = await checkEvidence(
    { criteria: parsed.criteria, ...(parsed.formatError ? { formatError: parsed.formatError } : {}) },
    { workdir: runner.workdir, verification, agentCommands: session.commandsRun() },
  );
  return { plan, verification, report, summary: parsed.summary, totals: session.totals() };
}
