import { randomUUID } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { ZERO_USAGE } from "../../domain/usage.js";
import { renderRefusedHosts } from "../../sandbox/render-refused-hosts.js";
import type { ClaudeStreamReport } from "../claude-stream.js";
import { computeCostUsd } from "../prices.js";
import { AgentError, type AgentPhase, type AgentSession, type AgentSessionRequest, type AgentTotals } from "../provider.js";
import { AGENT_CLI_REFUSALS } from "./allowlist.js";
import { buildAgentEnv, withModelEndpoint } from "./env.js";
import { ensureExcluded } from "./exclude.js";
import { createProxyCloser, createSessionPlace, type SessionPlace } from "./network.js";
import type { CommandAgentOptions } from "./options.js";
import { buildWallClockError, readOutcome } from "./outcome.js";
import { createSecretRedactor } from "./redact.js";
import { runCli } from "./run-cli.js";
import { pickModel, type CommandAgentSpec } from "./spec.js";
import { TASK_FILE_NAME, renderTaskFile } from "./task-file.js";
import { addReport, createUsageTally, type UsageTally } from "./usage-tally.js";

/** Everything one session's sends share: fixed at its start, and what changes send by send. */
interface CommandSession {
  readonly spec: CommandAgentSpec;
  readonly options: CommandAgentOptions;
  readonly request: AgentSessionRequest;
  readonly startedAt: number;
  readonly place: SessionPlace;
  readonly env: Record<string, string>;
  readonly redact: (text: string) => string;
  readonly proxyCloser: { close: () => Promise<void>; detach: () => void };
  readonly taskFile: string;
  /** Undefined when the run's model is not one this CLI takes. */
  readonly model: string | undefined;
  /** Aborted by close(), so a send still running when the session is released is killed too. */
  readonly closing: AbortController;
  readonly signal: AbortSignal;
  /**
   * One conversation per session, for a CLI that can continue one: started by the first
   * send that got through, resumed by the next. A run resumed after a restart gets a new
   * session (the HOME holding the old transcript went with the old one): it starts afresh
   * from the task file and the work on the branch.
   */
  readonly conversation: { readonly id: string; resume: boolean };
  turns: number;
  /** Model calls, as far as the CLI's events show them: the turns of its events. */
  modelCalls: number;
  excluded: boolean;
  running: boolean;
  closed: Promise<void> | undefined;
  tally: UsageTally;
}

/** Starts a session of the CLI: its HOME, network and environment, ready for its first send. */
export async function startCommandSession(
  spec: CommandAgentSpec,
  options: CommandAgentOptions,
  request: AgentSessionRequest,
): Promise<AgentSession> {
  const startedAt = Date.now();
  if (request.signal.aborted) throw new AgentError("The run was cancelled before the agent started.", "cancelled", ZERO_USAGE);
  // Behind the gateway the CLI gets the gateway and the run credential, never the app's key.
  options = { ...options, env: withModelEndpoint(spec, options.env, request.modelEndpoint) };
  const redact = createSecretRedactor(spec, options.env);
  const place = await createSessionPlace(spec, options, request);
  const closing = new AbortController();
  const session: CommandSession = {
    spec,
    options,
    request,
    startedAt,
    place,
    env: buildAgentEnv(spec, options.env, place.home),
    redact,
    proxyCloser: createProxyCloser(place.proxy, request.signal),
    taskFile: path.join(request.workdir, TASK_FILE_NAME),
    model: pickModel(spec, request.model),
    closing,
    signal: AbortSignal.any([request.signal, closing.signal]),
    conversation: { id: randomUUID(), resume: false },
    turns: 0,
    modelCalls: 0,
    excluded: false,
    running: false,
    closed: undefined,
    tally: createUsageTally(spec),
  };
  return {
    send: (prompt, phase) => sendInstruction(session, prompt, phase),
    // Turns are runs of the CLI (one per send). Tokens only where the CLI says them (Claude
    // Code's result event, per run, summed here), priced with the built-in agent's table;
    // otherwise null, shown as "not reported" rather than as zero.
    totals: (): AgentTotals => getTotals(session),
    commandsRun: () => (session.tally.commands === null ? null : [...session.tally.commands]),
    close: () => (session.closed ??= closeSession(session)),
  };
}

async function sendInstruction(session: CommandSession, prompt: string, phase: AgentPhase): Promise<string> {
  const { spec, request, options } = session;
  if (session.closed !== undefined) throw new Error("The agent session is closed.");
  if (session.running) throw new Error("The agent session is already working on an instruction.");
  if (request.signal.aborted) throw new AgentError("The run was cancelled while the agent was working.", "cancelled", ZERO_USAGE);
  const wallClockMs = request.budgets.wallClockMs;
  const remainingMs = wallClockMs === undefined ? Infinity : wallClockMs - (Date.now() - session.startedAt);
  if (remainingMs <= 0) throw buildWallClockError(spec, wallClockMs ?? 0);

  session.running = true;
  try {
    await writeTaskFile(session);
    session.turns += 1;
    reportProgress(session, `turn ${session.turns}: ${spec.name} — ${phase}`);
    const byWallClock = remainingMs < options.commandTimeoutMs;
    const { outcome, events, modelCalls } = await runCli({
      spec,
      executablePath: options.executablePath,
      request,
      env: session.env,
      sandbox: session.place.sandbox,
      signal: session.signal,
      timeoutMs: byWallClock ? remainingMs : options.commandTimeoutMs,
      maxOutputChars: options.maxOutputChars,
      prompt,
      model: session.model,
      conversation: session.conversation,
      modelCallsBefore: session.modelCalls,
      redact: session.redact,
      onToolCall: (call) => reportProgress(session, `turn ${session.turns}: ${spec.name} — ${call}`),
    });
    session.modelCalls += modelCalls;
    if (outcome.ending !== "spawn_error") account(session, events);
    const { proxy } = session.place;
    return readOutcome(outcome, {
      spec,
      executablePath: options.executablePath,
      commandTimeoutMs: options.commandTimeoutMs,
      wallClockMs,
      byWallClock,
      runAborted: () => request.signal.aborted,
      events,
      redact: session.redact,
      renderRefusals: () => (proxy === undefined ? "" : renderRefusedHosts(proxy.report(), AGENT_CLI_REFUSALS)),
    });
  } finally {
    session.running = false;
  }
}

/**
 * Keeps the task file and the CLI's own files out of the commit (once), and writes the
 * task file. Rewritten on every send: the CLI had the checkout since, and may have changed it.
 */
async function writeTaskFile(session: CommandSession): Promise<void> {
  const { spec, request } = session;
  try {
    if (!session.excluded) {
      await ensureExcluded(request.workdir, [`/${TASK_FILE_NAME}`, ...(spec.excludeFromCommit ?? [])]);
      session.excluded = true;
    }
    await writeFile(session.taskFile, renderTaskFile(request), "utf8");
  } catch (error) {
    if (error instanceof AgentError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new AgentError(`Could not write ${TASK_FILE_NAME} in the checkout for the ${spec.name} agent: ${reason}`, "unavailable", ZERO_USAGE, { cause: error });
  }
}

/** Counts what the CLI's events said about its run (undefined: it printed none). */
function account(session: CommandSession, events: ClaudeStreamReport | undefined): void {
  // A result event means the CLI saved the conversation: the next send continues it.
  if (events?.result !== undefined) session.conversation.resume = true;
  session.tally = addReport(session.tally, events);
}

function reportProgress(session: CommandSession, message: string): void {
  const { tally } = session;
  try {
    session.request.onProgress?.({ message, turn: session.turns, usage: tally.usageReported ? tally.usage : null });
  } catch {
    // A broken status display must not end the agent's work.
  }
}

function getTotals(session: CommandSession): AgentTotals {
  const { usage } = session.tally;
  return { turns: session.turns, usage, costUsd: usage === null ? null : computeCostUsd(session.model ?? session.request.model, usage) };
}

/** Stops a send still running, then lets go of the proxy, the task file and the HOME. */
async function closeSession(session: CommandSession): Promise<void> {
  session.closing.abort();
  session.proxyCloser.detach();
  try {
    await session.proxyCloser.close();
  } finally {
    await rm(session.taskFile, { force: true });
    await rm(session.place.home, { recursive: true, force: true });
  }
}
