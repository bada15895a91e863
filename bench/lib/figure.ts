/** One printed row of `npm run bench`: our figure, the baseline measured in the same process, and the goal. */
export interface BenchmarkFigure {
  readonly figure: string;
  readonly ours: number;
  readonly baseline: number;
  /** ours / baseline, when that means something. */
  readonly ratio: number | null;
  /** The goal in words, e.g. "≥ 85 %". */
  readonly goal: string;
  /** null for figures reported without a goal. */
  readonly pass: boolean | null;
  /** How to print ours and baseline. */
  readonly unit: "percent" | "tokens" | "usd" | "count";
}
