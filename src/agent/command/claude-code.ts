import { buildModelArgs, type CommandAgentSpec } from "./spec.js";

/**
 * Claude Code: `-p` runs one instruction and exits. In print mode a tool call that needs
 * approval is refused, so the permissions are given up front: `--permission-mode
 * acceptEdits` accepts edits inside the checkout and `--allowedTools Bash` lets it run
 * shell commands, so it can run the tests itself; the sandbox, not Claude Code's
 * prompts, is what confines those. Not `bypassPermissions`: that would also allow web
 * fetches and MCP tools, and Claude Code refuses it when run as root. The first send
 * starts the conversation with `--session-id`, later ones `--resume` it, so plan,
 * implementation, fixes and report are one conversation (its transcript lives in the
 * session's HOME). `--output-format stream-json` (which needs `--verbose` in print mode)
 * prints events: the final answer, the tokens used, and the commands run.
 */
export const CLAUDE_CODE_AGENT: CommandAgentSpec = {
  name: "claude-code",
  executable: "claude",
  description: "Claude Code (`claude -p`), editing and running commands in the checkout, one conversation per run",
  buildArgs: ({ prompt, model, conversation }) => [
    "-p",
    "--output-format",
    "stream-json",
    "--verbose",
    "--permission-mode",
    "acceptEdits",
    "--allowedTools",
    "Bash",
    ...(conversation.resume ? ["--resume", conversation.id] : ["--session-id", conversation.id]),
    ...buildModelArgs(model),
    "--",
    prompt,
  ],
  output: "claude-stream-json",
  passEnv: ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"],
  allowHosts: ["api.anthropic.com"],
  baseUrlEnv: ["ANTHROPIC_BASE_URL"],
  modelEndpointEnv: { baseUrl: "ANTHROPIC_BASE_URL", apiKey: "ANTHROPIC_API_KEY" },
  // No telemetry, error reports or auto-update: they would only be refused by the proxy.
  fixedEnv: { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" },
};
