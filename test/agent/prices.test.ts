import { describe, expect, it } from "vitest";
import { addUsage, computeCostUsd, findModelPrice } from "../../src/agent/prices.js";
import { ZERO_USAGE } from "../../src/domain/usage.js";

const million = { inputTokens: 1_000_000, outputTokens: 1_000_000, cacheWriteTokens: 1_000_000, cacheReadTokens: 1_000_000 };

describe("prices", () => {
  it.each([
    ["claude-sonnet-4-5-20250929", 3 + 15 + 3.75 + 0.3],
    ["claude-sonnet-5", 3 + 15 + 3.75 + 0.3],
    ["claude-opus-4-6", 5 + 25 + 6.25 + 0.5],
    ["claude-opus-5-5", 5 + 25 + 6.25 + 0.5],
    ["claude-opus-4-1-20250805", 15 + 75 + 18.75 + 1.5],
    ["claude-opus-4-20250514", 15 + 75 + 18.75 + 1.5],
    ["claude-haiku-4-5-20251001", 1 + 5 + 1.25 + 0.1],
    ["claude-haiku-5-5", 1 + 5 + 1.25 + 0.1],
    ["us.anthropic.claude-haiku-4-5-20251001-v1:0", 1 + 5 + 1.25 + 0.1],
    ["some-unknown-model", 3 + 15 + 3.75 + 0.3],
  ])("prices %s by the longest matching prefix", (model, dollars) => {
    expect(computeCostUsd(model, million)).toBeCloseTo(dollars, 9);
  });

  it("prices each kind of token separately", () => {
    const usage = { inputTokens: 1000, outputTokens: 200, cacheWriteTokens: 400, cacheReadTokens: 5000 };
    expect(computeCostUsd("claude-sonnet-4-5", usage)).toBeCloseTo((1000 * 3 + 200 * 15 + 400 * 3.75 + 5000 * 0.3) / 1e6, 12);
    expect(findModelPrice("claude-sonnet-4-5")).toEqual({ input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 });
  });

  it("adds usage field by field", () => {
    const a = { inputTokens: 1, outputTokens: 2, cacheReadTokens: 3, cacheWriteTokens: 4 };
    expect(addUsage(a, { inputTokens: 10, outputTokens: 20, cacheReadTokens: 30, cacheWriteTokens: 40 })).toEqual({
      inputTokens: 11,
      outputTokens: 22,
      cacheReadTokens: 33,
      cacheWriteTokens: 44,
    });
    expect(addUsage(ZERO_USAGE, a)).toEqual(a);
  });
});
