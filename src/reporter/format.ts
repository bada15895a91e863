/** "850 ms", "12s", "3m 05s", "1h 02m". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/** Said of usage and cost an agent did not report: unknown, which is not zero. */
export const NOT_REPORTED = "not reported";

/** "$0.0123", "$4.20"; an unknown cost is "not reported", never "$0.0000". */
export function formatCost(usd: number | null): string {
  if (usd === null) return NOT_REPORTED;
  return `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** Renders text inside backticks safely, even when it contains backticks itself. */
export function inlineCode(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}
