import { normalizeLineEndings } from "../markdown/parse-markdown.js";
import { COMMAND_NAMES, findCommandLine, type ArgumentsParse, type CommandLine, type CommandName } from "./command-line.js";
import { parseDeliverArguments, type DeliverCommand } from "./parse-deliver-arguments.js";
import { parseHamsterArguments, type HamsterCommand } from "./parse-hamster-arguments.js";
import { renderValue } from "./render-command-error.js";

type BareCommandName = "cancel" | "retry" | "runs";

export type SlashCommand = DeliverCommand | { kind: BareCommandName } | HamsterCommand;

export type SlashCommandParse =
  | { kind: "none" }
  | { kind: "ok"; command: SlashCommand }
  /** `command` is the command word without its slash, for `renderCommandHelp`. */
  | { kind: "invalid"; command: CommandName; errors: string[] };

export interface SlashCommandOptions {
  /** Agents a user may pick with `agent=`; defaults to the built-in one. */
  knownAgents?: readonly string[];
  /** The commands to look for; lines starting with any other word are prose. Defaults to all of them. */
  commands?: readonly CommandName[];
}

export const DEFAULT_KNOWN_AGENTS: readonly string[] = ["claude"];

/**
 * Finds the first command in a comment or issue body and parses it. Only that first
 * command counts: the rest of the body is its instructions (`/deliver`) or prose.
 * Commands inside code, block quotes or HTML (comments included) do not count: the author
 * did not issue them. Every problem with the command is reported, not just the first.
 */
export function parseSlashCommand(body: string, options: SlashCommandOptions = {}): SlashCommandParse {
  const found = findCommandLine(normalizeLineEndings(body), options.commands ?? COMMAND_NAMES);
  if (found === null) return { kind: "none" };
  const knownAgents = options.knownAgents ?? DEFAULT_KNOWN_AGENTS;
  const parsed = parseCommandArguments(found, knownAgents);
  return parsed.ok ? { kind: "ok", command: parsed.command } : { kind: "invalid", command: found.name, errors: parsed.errors };
}

function parseCommandArguments(found: CommandLine, knownAgents: readonly string[]): ArgumentsParse<SlashCommand> {
  switch (found.name) {
    case "deliver":
      return parseDeliverArguments(found, knownAgents);
    case "cancel":
    case "retry":
    case "runs":
      return parseBareCommand(found, found.name);
    case "hamster":
      return parseHamsterArguments(found, knownAgents);
  }
}

/** `/cancel`, `/retry`, `/runs`: nothing may follow on the command's line. */
function parseBareCommand(found: CommandLine, name: BareCommandName): ArgumentsParse<SlashCommand> {
  const rest = found.line.slice(found.argumentsStart).trim();
  if (rest !== "") return { ok: false, errors: [`\`/${name}\` takes no arguments (found ${renderValue(rest)})`] };
  return { ok: true, command: { kind: name } };
}
