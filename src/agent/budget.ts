import { AgentError, type BudgetName, type Budgets } from "./provider.js";
import { type TokenUsage } from "../domain/usage.js";

/** What a session has used so far, as the budgets measure it. */
export interface BudgetSpend {
  readonly turns: number;
  readonly usage: TokenUsage;
  readonly costUsd: number;
  readonly elapsedMs: number;
}

export interface BudgetOverrun {
  readonly budget: BudgetName;
  /** "the turn budget: 60 of 60 model calls used" */
  readonly detail: string;
}

/** Every input token the API counted, whichever way it was billed: cache reads and writes are input too. */
export function countInputTokens(usage: TokenUsage): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
}

/**
 * The first budget that is used up, or undefined. Checked before each model call, so a
 * token or cost budget can be overrun by the one call that crosses it: the size of an
 * answer is not known before it is given, and stopping one call early would waste the
 * budget rather than protect it.
 */
export function findBudgetOverrun(budgets: Budgets, spend: BudgetSpend): BudgetOverrun | undefined {
  if (spend.turns >= budgets.turns) {
    return { budget: "turns", detail: `the turn budget: ${spend.turns} of ${budgets.turns} model calls used` };
  }
  const input = countInputTokens(spend.usage);
  if (budgets.inputTokens !== undefined && input >= budgets.inputTokens) {
    return {
      budget: "input_tokens",
      detail: `the input token budget: ${formatCount(input)} of ${formatCount(budgets.inputTokens)} input tokens used (cache reads and writes included)`,
    };
  }
  if (budgets.outputTokens !== undefined && spend.usage.outputTokens >= budgets.outputTokens) {
    return {
      budget: "output_tokens",
      detail: `the output token budget: ${formatCount(spend.usage.outputTokens)} of ${formatCount(budgets.outputTokens)} output tokens used`,
    };
  }
  if (budgets.costUsd !== undefined && spend.costUsd >= budgets.costUsd) {
    return { budget: "cost", detail: `the cost budget: ${formatUsd(spend.costUsd)} of ${formatUsd(budgets.costUsd)} spent` };
  }
  if (budgets.wallClockMs !== undefined && spend.elapsedMs >= budgets.wallClockMs) {
    return { budget: "wall_clock", detail: wallClockDetail(spend.elapsedMs, budgets.wallClockMs) };
  }
  return undefined;
}

export function wallClockDetail(elapsedMs: number, limitMs: number): string {
  return `the wall-clock budget: ${formatDuration(elapsedMs)} of ${formatDuration(limitMs)} elapsed`;
}

/** The error that ends a session at a budget; the pipeline then delivers the work done so far. */
export function budgetError(overrun: BudgetOverrun, usage: TokenUsage): AgentError {
  return new AgentError(`Stopped by ${overrun.detail}. The work so far is kept.`, "budget", usage, { budget: overrun.budget });
}

function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

function formatUsd(n: number): string {
  // Cents hide small budgets (tests, tiny tasks): show four decimals below a dollar cent.
  return `$${n !== 0 && Math.abs(n) < 0.01 ? n.toFixed(4) : n.toFixed(2)}`;
}

export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${trim(seconds)} s`;
  if (seconds < 3600) return `${trim(seconds / 60)} min`;
  return `${trim(seconds / 3600)} h`;
}

function trim(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
