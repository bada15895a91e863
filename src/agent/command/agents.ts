import { AIDER_AGENT } from "./aider.js";
import { CLAUDE_CODE_AGENT } from "./claude-code.js";
import { CODEX_AGENT } from "./codex.js";
import type { CommandAgentSpec } from "./spec.js";

/**
 * The CLIs Hamster knows how to drive. Flags are the documented ones for one
 * non-interactive run, and no more permission than editing the checkout needs (each
 * spec's file says which and why).
 */
export const COMMAND_AGENTS: readonly CommandAgentSpec[] = [CLAUDE_CODE_AGENT, CODEX_AGENT, AIDER_AGENT];
