import type { TokenUsage } from "../domain/usage.js";

/** US dollars per million tokens. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  /** Writing the 5-minute prompt cache: 1.25 × input. */
  readonly cacheWrite: number;
  /** Reading the prompt cache: 0.1 × input. */
  readonly cacheRead: number;
}

function price(input: number, output: number): ModelPrice {
  return { input, output, cacheWrite: input * 1.25, cacheRead: input / 10 };
}

/**
 * Prices keyed by model id prefix; the longest matching prefix wins, so dated ids
 * (claude-sonnet-4-5-20250929) and aliases share one row. The 5.x rows assume each
 * family keeps its 4.x price until Anthropic publishes otherwise.
 */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  "claude-opus-5": price(5, 25),
  "claude-sonnet-5": price(3, 15),
  "claude-haiku-5": price(1, 5),
  "claude-opus-4": price(5, 25),
  // Opus 4.0 and 4.1 cost three times what later 4.x releases do.
  "claude-opus-4-0": price(15, 75),
  "claude-opus-4-1": price(15, 75),
  "claude-opus-4-2025": price(15, 75),
  "claude-sonnet-4": price(3, 15),
  "claude-haiku-4": price(1, 5),
};

/** An unknown model is priced as Sonnet: a middle estimate beats reporting $0. */
const FALLBACK_PRICE: ModelPrice = price(3, 15);

export function findModelPrice(model: string): ModelPrice {
  // Platform ids put a prefix before the name (e.g. "anthropic.claude-…", "us.anthropic.claude-…").
  const at = model.indexOf("claude-");
  const id = at >= 0 ? model.slice(at) : model;
  let best: { prefix: string; price: ModelPrice } | undefined;
  for (const [prefix, entry] of Object.entries(MODEL_PRICES)) {
    if (id.startsWith(prefix) && (best === undefined || prefix.length > best.prefix.length)) {
      best = { prefix, price: entry };
    }
  }
  return best?.price ?? FALLBACK_PRICE;
}

export function computeCostUsd(model: string, usage: TokenUsage): number {
  const p = findModelPrice(model);
  return (
    (usage.inputTokens * p.input +
      usage.outputTokens * p.output +
      usage.cacheWriteTokens * p.cacheWrite +
      usage.cacheReadTokens * p.cacheRead) /
    1_000_000
  );
}

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  };
}
