import { buildModelArgs, type CommandAgentSpec } from "./spec.js";

/**
 * Aider: `--message` does one request and exits, a new chat each send; `--yes-always` answers its
 * confirmations (adding files). Hamster commits, so `--no-auto-commits` and
 * `--no-dirty-commits` (otherwise it commits a dirty tree before editing, which is the
 * state of every send after the first); `--no-gitignore` keeps it from editing
 * `.gitignore`, its history files are excluded instead; no update check, no analytics,
 * no colours.
 */
export const AIDER_AGENT: CommandAgentSpec = {
  name: "aider",
  executable: "aider",
  description: "Aider (`aider --message`), without its own commits",
  buildArgs: ({ prompt, model }) => [
    "--yes-always",
    "--no-auto-commits",
    "--no-dirty-commits",
    "--no-gitignore",
    "--no-check-update",
    "--no-analytics",
    "--no-pretty",
    ...buildModelArgs(model),
    "--message",
    prompt,
  ],
  passEnv: ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"],
  // The APIs of the two keys it is passed, no more (a provider whose key it does not
  // get, OpenRouter and the like, has nothing to reach): kept small on purpose.
  allowHosts: ["api.anthropic.com", "api.openai.com"],
  // Chat and input history and the repo-map cache, written to the checkout root.
  excludeFromCommit: ["/.aider*"],
};
