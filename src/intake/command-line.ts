import { findHiddenRanges, isInRanges, parseMarkdown } from "../markdown/parse-markdown.js";

/** The command words the app answers to, written `/word` at the start of a line. */
export const COMMAND_NAMES = ["deliver", "cancel", "retry", "runs", "hamster"] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** The line of a body that holds a command, as the argument parsers read it. */
export interface CommandLine {
  readonly name: CommandName;
  /** The whole line holding the command. */
  readonly line: string;
  /** Offset in `line` just past the command word. */
  readonly argumentsStart: number;
  /** Everything after the command line, or null when the command is on the last line. */
  readonly followingText: string | null;
}

/** What an argument parser makes of a command line: the command, or every problem with it. */
export type ArgumentsParse<Command> = { ok: true; command: Command } | { ok: false; errors: string[] };

// A command word as GitHub users type it: at a line start (up to 3 spaces, as markdown
// allows before a paragraph), followed by whitespace or the end of the line.
const COMMAND_LINE = /^ {0,3}\/([a-z][a-z0-9-]*)(?=\s|$)/;

/**
 * Finds the first line of `text` (line endings normalized) that starts with one of
 * `names`. Commands inside code, block quotes or HTML (comments included) do not count:
 * the author did not issue them.
 */
export function findCommandLine(text: string, names: readonly CommandName[]): CommandLine | null {
  let hiddenRanges: ReturnType<typeof findHiddenRanges> | null = null;
  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const line = text.slice(lineStart, lineEnd);
    const match = COMMAND_LINE.exec(line);
    const name = match?.[1];
    if (match && name !== undefined && isCommandName(name, names)) {
      // Parsing is deferred until a candidate line exists: most comments have none.
      hiddenRanges ??= findHiddenRanges(parseMarkdown(text));
      const slashOffset = lineStart + match[0].indexOf("/");
      if (!isInRanges(slashOffset, hiddenRanges)) {
        return { name, line, argumentsStart: match[0].length, followingText: newline === -1 ? null : text.slice(newline + 1) };
      }
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  return null;
}

function isCommandName(name: string, names: readonly CommandName[]): name is CommandName {
  return (names as readonly string[]).includes(name);
}
