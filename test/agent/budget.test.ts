import { describe, expect, it } from "vitest";
import { budgetError, countInputTokens, findBudgetOverrun, formatDuration } from "../../src/agent/budget.js";
import { AgentError } from "../../src/agent/provider.js";
import { ZERO_USAGE } from "../../src/domain/usage.js";

const spend = { turns: 0, usage: ZERO_USAGE, costUsd: 0, elapsedMs: 0 };
const usage = { inputTokens: 100, outputTokens: 50, cacheReadTokens: 1_000_000, cacheWriteTokens: 200 };

describe("findBudgetOverrun", () => {
  it("lets a session under every budget go on, and ignores absent limits", () => {
    expect(findBudgetOverrun({ turns: 5, inputTokens: 1_001_301, outputTokens: 51, costUsd: 1, wallClockMs: 1000 }, { turns: 4, usage, costUsd: 0.99, elapsedMs: 999 })).toBeUndefined();
    expect(findBudgetOverrun({ turns: 1 }, { ...spend, usage, costUsd: 1e9, elapsedMs: 1e12 })).toBeUndefined();
  });

  it("counts cache reads and writes as input tokens", () => {
    expect(countInputTokens(usage)).toBe(1_000_300);
    expect(findBudgetOverrun({ turns: 9, inputTokens: 1_000_300 }, { ...spend, usage })).toEqual({
      budget: "input_tokens",
      detail: "the input token budget: 1,000,300 of 1,000,300 input tokens used (cache reads and writes included)",
    });
  });

  it.each([
    [{ turns: 3 }, { turns: 3 }, "turns", "the turn budget: 3 of 3 model calls used"],
    [{ turns: 9, outputTokens: 40 }, { usage }, "output_tokens", "the output token budget: 50 of 40 output tokens used"],
    [{ turns: 9, costUsd: 2 }, { costUsd: 2.5 }, "cost", "the cost budget: $2.50 of $2.00 spent"],
    [{ turns: 9, wallClockMs: 30 * 60_000 }, { elapsedMs: 31 * 60_000 }, "wall_clock", "the wall-clock budget: 31 min of 30 min elapsed"],
  ] as const)("names the budget that ran out (%#)", (budgets, spent, budget, detail) => {
    expect(findBudgetOverrun(budgets, { ...spend, ...spent })).toEqual({ budget, detail });
  });

  it("makes an AgentError with code budget, the budget's name and the usage", () => {
    const error = budgetError({ budget: "cost", detail: "the cost budget: $2.50 of $2.00 spent" }, usage);
    expect(error).toBeInstanceOf(AgentError);
    expect(error.message).toBe("Stopped by the cost budget: $2.50 of $2.00 spent. The work so far is kept.");
    expect([error.code, error.budget, error.usage]).toEqual(["budget", "cost", usage]);
  });

  it("formats durations for people", () => {
    expect([formatDuration(500), formatDuration(90_000), formatDuration(2 * 3_600_000)]).toEqual(["0.5 s", "1.5 min", "2 h"]);
  });
});
