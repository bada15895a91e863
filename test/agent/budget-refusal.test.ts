import { describe, expect, it } from "vitest";
import { findBudgetOverrun } from "../../src/agent/budget.js";
import { BUDGET_REFUSAL_HEADER, findBudgetRefusalInText, parseBudgetRefusal, renderBudgetRefusal } from "../../src/agent/budget-refusal.js";
import { ZERO_USAGE } from "../../src/domain/usage.js";

describe("the model gateway's budget refusal", () => {
  it("round-trips every overrun the gateway can find", () => {
    const spend = { turns: 3, usage: { ...ZERO_USAGE, inputTokens: 5000, outputTokens: 700 }, costUsd: 0.25, elapsedMs: 0 };
    const budgetsList = [{ turns: 3 }, { turns: 9, inputTokens: 4000 }, { turns: 9, outputTokens: 500 }, { turns: 9, costUsd: 0.2 }];
    for (const budgets of budgetsList) {
      const overrun = findBudgetOverrun(budgets, spend)!;
      const refusal = renderBudgetRefusal(overrun);
      expect(refusal.headerValue).toBe(overrun.budget);
      expect(parseBudgetRefusal(refusal.headerValue, refusal.message)).toEqual(overrun);
    }
    expect(BUDGET_REFUSAL_HEADER).toBe("x-hamster-budget");
  });

  it("is no budget refusal without a known budget in the header", () => {
    for (const header of [undefined, null, "", "tokens", "constructor", "__proto__"]) {
      expect(parseBudgetRefusal(header, "Hamster: the run's budget is spent: the cost budget: $1.00 of $1.00 spent.")).toBeUndefined();
    }
  });

  it("names the budget plainly when the message is not in the gateway's form", () => {
    expect(parseBudgetRefusal("cost", "something else")).toEqual({ budget: "cost", detail: "the cost budget, as the model gateway counts it" });
    expect(parseBudgetRefusal(" turns ", null)).toEqual({ budget: "turns", detail: "the turn budget, as the model gateway counts it" });
    // A detail that names another budget, or runs on, is not repeated to the user.
    expect(parseBudgetRefusal("cost", "Hamster: the run's budget is spent: the turn budget: 1 of 1 model calls used.")?.detail).toBe("the cost budget, as the model gateway counts it");
    expect(parseBudgetRefusal("cost", `Hamster: the run's budget is spent: the cost budget ${"x".repeat(500)}.`)?.detail).toBe("the cost budget, as the model gateway counts it");
  });
});

describe("findBudgetRefusalInText", () => {
  it("finds the gateway's refusal as a command-line agent prints it, numbers and all", () => {
    const refusal = renderBudgetRefusal({ budget: "cost", detail: "the cost budget: $0.0123 of $0.01 spent" });
    const printed = `API Error: 403 {"type":"error","error":{"type":"permission_error","message":${JSON.stringify(refusal.message)}}}`;
    expect(findBudgetRefusalInText(printed)).toEqual({ budget: "cost", detail: "the cost budget: $0.0123 of $0.01 spent" });
    expect(findBudgetRefusalInText("API Error: 403 forbidden")).toBeUndefined();
  });
});
