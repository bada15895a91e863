import { ZERO_USAGE } from "../../domain/usage.js";
import type { ProcessResult } from "../../sandbox/run-process.js";
import { budgetError } from "../budget.js";
import { findBudgetRefusalInText } from "../budget-refusal.js";
import type { ClaudeStreamReport } from "../claude-stream.js";
import { AgentError } from "../provider.js";
import type { CommandAgentSpec } from "./spec.js";

/** How much of stderr a failure message quotes: the end, where CLIs say why they stopped. */
export const STDERR_TAIL_CHARS = 2_000;
const NO_SUMMARY = "The agent finished without a summary.";

/** What one run of the CLI left to read, besides how the process ended. */
export interface OutcomeContext {
  readonly spec: CommandAgentSpec;
  readonly executablePath: string;
  readonly commandTimeoutMs: number;
  /** The run's wall-clock budget, when the time limit of this run came from it rather than from the command limit. */
  readonly wallClockMs: number | undefined;
  readonly byWallClock: boolean;
  /** Whether the run (not just the session) was cancelled. */
  readonly runAborted: () => boolean;
  /** Its events; undefined when it printed none. */
  readonly events: ClaudeStreamReport | undefined;
  readonly redact: (text: string) => string;
  readonly renderRefusals: () => string;
}

/** The CLI's final message, or the AgentError saying why there is none. */
export function readOutcome(outcome: ProcessResult, context: OutcomeContext): string {
  const { spec } = context;
  switch (outcome.ending) {
    case "exited":
      // A refused host is often why a CLI failed; said before its own words about it.
      return readExited(spec, outcome, context.events, context.redact, context.renderRefusals);
    case "timeout":
      if (context.byWallClock) throw buildWallClockError(spec, context.wallClockMs ?? 0);
      throw new AgentError(
        `The ${spec.name} agent was still working after ${formatSeconds(context.commandTimeoutMs)} s (the command time limit), so it was stopped with every process it started. The changes so far are in the checkout; raise HAMSTER_COMMAND_TIMEOUT_SECONDS or split the task into smaller issues.`,
        "budget",
        ZERO_USAGE,
        { budget: "wall_clock" },
      );
    case "cancelled":
      throw new AgentError(
        context.runAborted() ? "The run was cancelled while the agent was working." : "The agent session was closed while the agent was working.",
        "cancelled",
        ZERO_USAGE,
      );
    case "spawn_error":
      throw new AgentError(
        `Could not start the ${spec.name} agent (\`${context.executablePath}\`): ${outcome.output}`,
        "unavailable",
        ZERO_USAGE,
        { cause: outcome.error },
      );
  }
}

/**
 * What a CLI that exited said: its final message (its result event's, or its plain stdout),
 * or, when it failed, an AgentError with its exit status, its own account of the error and
 * the end of its stderr.
 */
function readExited(
  spec: CommandAgentSpec,
  outcome: ProcessResult,
  events: ClaudeStreamReport | undefined,
  redact: (text: string) => string,
  renderRefusals: () => string,
): string {
  const result = events?.result;
  // An error result is a failure even when the CLI exits with 0.
  if (outcome.exitCode === 0 && result?.isError !== true) {
    const text = redact(events === undefined ? outcome.output : (result?.text ?? "")).trim();
    return text === "" ? NO_SUMMARY : text;
  }
  // The gateway refused a call past the run's budget: the run stops by that budget, as the built-in agent's would.
  const refusal = findBudgetRefusalInText(`${result?.text ?? ""}\n${outcome.output}\n${outcome.stderrTail}`);
  if (refusal) throw budgetError(refusal, ZERO_USAGE);
  const own = result !== undefined && result.text.trim() !== "" ? ` It said: ${redact(result.text.trim()).slice(0, STDERR_TAIL_CHARS)}` : "";
  const tail = redact(outcome.stderrTail).trim();
  const stderr = tail !== "" ? `\nThe end of its error output:\n${tail}` : own === "" ? " It printed nothing on stderr." : "";
  const status = renderExitStatus(outcome, result?.subtype);
  throw new AgentError(`The ${spec.name} agent (\`${spec.executable}\`) ${status}.${renderRefusals()}${own}${stderr}`, "bad_response", ZERO_USAGE);
}

/** How a failed CLI ended, as the rest of a sentence about it. */
function renderExitStatus(outcome: ProcessResult, subtype: string | undefined): string {
  if (outcome.exitCode === 0) return `stopped with an error (${subtype ?? "unknown"})`;
  if (outcome.exitCode !== null) return `exited with code ${outcome.exitCode}`;
  return `was killed by signal ${outcome.exitSignal ?? "unknown"}`;
}

export function buildWallClockError(spec: CommandAgentSpec, wallClockMs: number): AgentError {
  return new AgentError(
    `The run's time budget (${formatSeconds(wallClockMs)} s of wall-clock time) ran out while the ${spec.name} agent was working, so it was stopped with every process it started. The changes so far are in the checkout; raise the time budget or split the task into smaller issues.`,
    "budget",
    ZERO_USAGE,
    { budget: "wall_clock" },
  );
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(1);
}
