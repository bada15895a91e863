import { parseDeliverCommand, type DeliverParams } from "./deliver-command.js";
import type { TriggerEvent } from "./trigger-event.js";

export type TriggerDecision =
  | { readonly action: "ignore"; readonly why: string }
  | { readonly action: "reject"; readonly errors: readonly string[] }
  | { readonly action: "unsupported"; readonly message: string }
  | { readonly action: "start"; readonly params: DeliverParams; readonly instructions: string };

/** Pure: what an event asks for, before anyone's permission is checked. */
export function decideTrigger(event: TriggerEvent, options: { knownAgents: readonly string[] }): TriggerDecision {
  // Bots never trigger runs: this is what stops the app reacting to its own comments.
  if (event.sender.isBot) return { action: "ignore", why: `sender ${event.sender.login} is a bot` };
  if (event.kind === "label") {
    if (event.issue.isPullRequest) {
      return { action: "unsupported", message: "The `hamster:deliver` label works on issues, not on pull requests." };
    }
    return { action: "start", params: {}, instructions: "" };
  }
  const parsed = parseDeliverCommand(event.comment?.body ?? "", { knownAgents: options.knownAgents });
  if (parsed.kind === "none") return { action: "ignore", why: "no /deliver command outside code and quotes" };
  if (parsed.kind === "invalid") return { action: "reject", errors: parsed.errors };
  if (event.issue.isPullRequest) {
    return {
      action: "unsupported",
      message: "`/deliver` on a pull request (a follow-up run on its branch) is not supported yet. Comment `/deliver` on the issue instead.",
    };
  }
  return { action: "start", params: parsed.command.params, instructions: parsed.command.instructions };
}
