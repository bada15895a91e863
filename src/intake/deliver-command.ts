import { parseSlashCommand, renderCommandHelp, type DeliverParams } from "./slash-command.js";

// The grammar of `/deliver` is part of the grammar of every command, in slash-command.ts;
// this module keeps the `/deliver`-only view of it that triggers were written against.
export { DEFAULT_KNOWN_AGENTS, DELIVER_PARAMETER_KEYS, MAX_INSTRUCTIONS_LENGTH } from "./slash-command.js";
export type { DeliverParameterKey, DeliverParams } from "./slash-command.js";

export interface DeliverCommand {
  params: DeliverParams;
  instructions: string;
}

export type DeliverCommandParse =
  | { kind: "none" }
  | { kind: "ok"; command: DeliverCommand }
  | { kind: "invalid"; errors: string[] };

export interface DeliverCommandOptions {
  /** Agents a user may pick with `agent=`; defaults to the built-in one. */
  knownAgents?: readonly string[];
}

/**
 * Finds the first `/deliver` command in a comment or issue body and parses it:
 * `/deliver [key=value ...] [free-text instructions]`. Other commands are not looked at
 * (use `parseSlashCommand` for "the first command of any kind"). Commands inside code,
 * block quotes or HTML (comments included) do not count: the author did not issue them.
 */
export function parseDeliverCommand(body: string, options: DeliverCommandOptions = {}): DeliverCommandParse {
  const parsed = parseSlashCommand(body, { ...options, commands: ["deliver"] });
  if (parsed.kind === "none") return parsed;
  if (parsed.kind === "invalid") return { kind: "invalid", errors: parsed.errors };
  // Only "deliver" was looked for, so only a deliver command can come back.
  if (parsed.command.kind !== "deliver") return { kind: "none" };
  return { kind: "ok", command: { params: parsed.command.params, instructions: parsed.command.instructions } };
}

/** Markdown help shown when a command is invalid. */
export function renderDeliverUsage(): string {
  return renderCommandHelp("deliver");
}
