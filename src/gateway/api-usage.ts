import type { TokenUsage } from "../domain/usage.js";

const FIELDS: readonly (readonly [string, keyof TokenUsage])[] = [
  ["input_tokens", "inputTokens"],
  ["output_tokens", "outputTokens"],
  ["cache_read_input_tokens", "cacheReadTokens"],
  ["cache_creation_input_tokens", "cacheWriteTokens"],
];

/**
 * `usage` as the Messages API reports it, over what was known before: each count present
 * (a non-negative number) replaces the earlier one, as the API's streamed counts are running
 * totals; absent or null counts keep the earlier one. Anything else is ignored.
 */
export function mergeApiUsage(before: TokenUsage, usage: unknown): TokenUsage {
  if (typeof usage !== "object" || usage === null) return before;
  const record = usage as Record<string, unknown>;
  const merged: Record<keyof TokenUsage, number> = { ...before };
  for (const [apiName, name] of FIELDS) {
    const value = record[apiName];
    if (typeof value === "number" && Number.isFinite(value) && value >= 0) merged[name] = value;
  }
  return merged;
}
