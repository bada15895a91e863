import { readFile } from "node:fs/promises";
import { resolveInWorkdir } from "../workspace/path-guard.js";
import { buildFixPrompt } from "../agent/phase-prompts.js";
import type { AgentSession } from "../agent/provider.js";
import type { CommandEnd } from "./run-setup.js";
import { runShellCommand } from "../agent/tools/bash.js";
import type { SandboxPolicy } from "../sandbox/sandbox.js";
import type { CriterionResult, RunReport, Verification } from "../domain/run.js";

export const MAX_FIX_ATTEMPTS = 2;
const OUTPUT_TAIL_CHARS = 4_000;

export interface CommandRunner {
  readonly workdir: string;
  readonly env: Record<string, string>;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly sandbox?: SandboxPolicy;
}

/**
 * Runs the repository's test command on the agent's work; while it fails, hands the output
 * back to the agent to fix, at most `maxFixAttempts` times (the session's budgets still apply).
 */
export async function verifyWork(input: {
  command: string;
  runner: CommandRunner;
  session: AgentSession;
  maxFixAttempts?: number;
  onAttempt?: (message: string) => void;
  onCommandEnd?: (run: CommandEnd) => void;
}): Promise<Verification> {
  const maxFixAttempts = input.maxFixAttempts ?? MAX_FIX_ATTEMPTS;
  for (let run = 1; ; run++) {
    input.onAttempt?.(`running ${input.command}${run > 1 ? ` (after fix ${run - 1})` : ""}`);
    const startedAt = Date.now();
    const result = await runShellCommand({ command: input.command, cwd: input.runner.workdir, env: input.runner.env, timeoutMs: input.runner.timeoutMs, maxOutputChars: 30_000, signal: input.runner.signal, ...(input.runner.sandbox ? { sandbox: input.runner.sandbox } : {}) });
    input.onCommandEnd?.({ command: input.command, result, durationMs: Date.now() - startedAt });
    const passed = result.exitCode === 0;
    const verification: Verification = {
      command: input.command,
      passed,
      exitCode: result.exitCode,
      runs: run,
      outputTail: result.output.slice(-OUTPUT_TAIL_CHARS),
    };
    if (passed || run > maxFixAttempts) return verification;
    await input.session.send(
      buildFixPrompt({ command: input.command, exitCode: result.exitCode, output: result.output, attempt: run, maxAttempts: maxFixAttempts }),
      "verifying",
    );
  }
}

export interface EvidenceContext {
  readonly workdir: string;
  /** The harness's own run of the test command, if there was one. */
  readonly verification: Verification | null;
  /** The commands the agent ran itself (AgentSession.commandsRun); null when the agent does not say. */
  readonly agentCommands: readonly string[] | null;
}

/** Said of the test command's evidence when only the harness ran it. */
const HARNESS_ONLY_NOTE = "verified by Hamster's test run, not by the agent";
/** Said of it when the agent does not report what it ran. */
const HARNESS_TOO_NOTE = "Hamster's test run passed too; this agent does not report the commands it ran";

/**
 * The harness does not take the agent's word for it: a file cited as evidence must exist
 * with that line, and a claim about the test command must match the harness's own run.
 * Evidence from the test command says whose run it is: an agent that never ran the
 * command only repeats the harness's result, and the PR must not present it as its own.
 */
export async function checkEvidence(report: RunReport, context: EvidenceContext): Promise<RunReport> {
  const criteria = await Promise.all(report.criteria.map((c) => checkCriterion(c, context)));
  return { ...report, criteria };
}

async function checkCriterion(criterion: CriterionResult, context: EvidenceContext): Promise<CriterionResult> {
  if (criterion.status !== "met") return criterion;
  const evidence = criterion.evidence;
  const unverified = (note: string): CriterionResult => ({ ...criterion, status: "unverified", note });
  if (!evidence) return unverified("no evidence was given");
  if (evidence.kind === "file") {
    const resolved = resolveInWorkdir(context.workdir, evidence.path);
    if (!resolved.ok) return unverified(`the cited file is outside the checkout`);
    try {
      const lines = (await readFile(resolved.path, "utf8")).split("\n").length;
      if (evidence.line < 1 || evidence.line > lines) return unverified(`${evidence.path} has no line ${evidence.line}`);
    } catch {
      return unverified(`${evidence.path} does not exist`);
    }
    return criterion;
  }
  const verification = context.verification;
  if (!verification || normalizeCommand(evidence.command) !== normalizeCommand(verification.command)) return criterion;
  if (!verification.passed) return unverified(`the harness's own run of \`${verification.command}\` failed`);
  if (context.agentCommands === null) return { ...criterion, note: HARNESS_TOO_NOTE };
  if (context.agentCommands.some((command) => ranCommand(command, verification.command))) return criterion;
  // The agent's "result" is then only what it was told: the harness's outcome replaces it.
  return { ...criterion, evidence: { kind: "command", command: evidence.command, result: "passed" }, note: HARNESS_ONLY_NOTE };
}

/** Whether a command the agent ran runs `command`, alone or in a line (`cd app && npm test 2>&1 | tail`). */
function ranCommand(ran: string, command: string): boolean {
  return normalizeCommand(ran).includes(normalizeCommand(command));
}

function normalizeCommand(command: string): string {
  return command.trim().replace(/\s+/g, " ");
}
