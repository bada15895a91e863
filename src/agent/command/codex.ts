import { buildModelArgs, type CommandAgentSpec } from "./spec.js";

/**
 * Codex: `exec` is its non-interactive mode and prints only the final message on
 * stdout. Its default sandbox is read-only; `--sandbox workspace-write` allows writes
 * inside the checkout and nothing else (`--full-auto` is deprecated upstream). Each send
 * is a new `codex exec`: continuing its conversation needs the id it generates itself.
 */
export const CODEX_AGENT: CommandAgentSpec = {
  name: "codex",
  executable: "codex",
  description: "OpenAI Codex CLI (`codex exec`), sandboxed to writing in the checkout",
  buildArgs: ({ prompt, model }) => ["exec", "--sandbox", "workspace-write", ...buildModelArgs(model), prompt],
  passEnv: ["OPENAI_API_KEY", "CODEX_API_KEY", "OPENAI_BASE_URL"],
  allowHosts: ["api.openai.com"],
  baseUrlEnv: ["OPENAI_BASE_URL"],
  // A Claude id (the app's default model) would make every Codex run fail.
  acceptsModel: (model) => !/^claude/i.test(model),
};
