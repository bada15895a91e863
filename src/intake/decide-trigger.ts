import { parseSlashCommand, type SlashCommand } from "./slash-command.js";
import type { TriggerEvent } from "./trigger-event.js";

export type TriggerDecision =
  | { readonly action: "ignore"; readonly why: string }
  | { readonly action: "reject"; readonly command: string; readonly errors: readonly string[] }
  | { readonly action: "unsupported"; readonly message: string }
  | { readonly action: "command"; readonly command: SlashCommand };

/** Pure: what an event asks for, before anyone's permission is checked. */
export function decideTrigger(event: TriggerEvent, options: { knownAgents: readonly string[] }): TriggerDecision {
  // Bots never trigger runs: this is what stops the app reacting to its own comments.
  if (event.sender.isBot) return { action: "ignore", why: `sender ${event.sender.login} is a bot` };
  if (event.kind === "label") {
    if (event.issue.isPullRequest) {
      return { action: "unsupported", message: "The `hamster:deliver` label works on issues. On a Hamster pull request, comment `/deliver` to start a follow-up run." };
    }
    return { action: "command", command: { kind: "deliver", params: {}, instructions: "" } };
  }
  const parsed = parseSlashCommand(event.comment?.body ?? "", { knownAgents: options.knownAgents });
  if (parsed.kind === "none") return { action: "ignore", why: "no command outside code and quotes" };
  if (parsed.kind === "invalid") return { action: "reject", command: parsed.command, errors: parsed.errors };
  return { action: "command", command: parsed.command };
}
