import { ZERO_USAGE, type TokenUsage } from "../../domain/usage.js";
import { addUsage } from "../prices.js";
import type { ClaudeStreamReport } from "../claude-stream.js";
import type { CommandAgentSpec } from "./spec.js";

/**
 * What a session's CLI runs said they used and ran. Known only while every run said it;
 * null from the first that did not, so "not reported" is never shown as zero.
 */
export interface UsageTally {
  readonly usage: TokenUsage | null;
  readonly commands: readonly string[] | null;
  /** Whether any run reported usage yet: the live status shows none until then, as 0 would read as free. */
  readonly usageReported: boolean;
}

/** A CLI that prints plain text reports nothing, so its tally starts unknown. */
export function createUsageTally(spec: CommandAgentSpec): UsageTally {
  const known = spec.output !== undefined;
  return { usage: known ? ZERO_USAGE : null, commands: known ? [] : null, usageReported: false };
}

/** The tally after one run of the CLI, whose events said `report` (undefined: it printed none). */
export function addReport(tally: UsageTally, report: ClaudeStreamReport | undefined): UsageTally {
  if (report === undefined) return { usage: null, commands: null, usageReported: tally.usageReported };
  const usage = tally.usage === null || report.result?.usage === undefined ? null : addUsage(tally.usage, report.result.usage);
  return {
    usage,
    commands: tally.commands === null ? null : [...tally.commands, ...report.commands],
    usageReported: tally.usageReported || usage !== null,
  };
}
