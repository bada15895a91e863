import { parseBranchName } from "../git/ref-name.js";
import { findHiddenRanges, isInRanges, normalizeLineEndings, parseMarkdown } from "../markdown/parse-markdown.js";
import { parseQuotedString, readToken } from "./tokenize.js";

export const DELIVER_PARAMETER_KEYS = ["branch", "target", "agent", "model"] as const;
export type DeliverParameterKey = (typeof DELIVER_PARAMETER_KEYS)[number];

export interface DeliverParams {
  branch?: string;
  target?: string;
  agent?: string;
  model?: string;
}

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

export const DEFAULT_KNOWN_AGENTS: readonly string[] = ["claude"];
export const MAX_INSTRUCTIONS_LENGTH = 20_000;

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
// The command word as GitHub users type it: at a line start (up to 3 spaces, as markdown
// allows before a paragraph), followed by whitespace or the end of the line.
const COMMAND_LINE = /^ {0,3}\/deliver(?=\s|$)/;
// A parameter starts with an unquoted lowercase key and "="; anything else begins free text.
const PARAMETER_START = /^[a-z][a-z_-]*=/;

/**
 * Finds the first `/deliver` command in a comment or issue body and parses it:
 * `/deliver [key=value ...] [free-text instructions]`. Commands inside code, block quotes
 * or HTML (comments included) do not count: the author did not issue them.
 */
export function parseDeliverCommand(body: string, options: DeliverCommandOptions = {}): DeliverCommandParse {
  const text = normalizeLineEndings(body);
  const found = findCommandLine(text);
  if (found === null) return { kind: "none" };

  const errors: string[] = [];
  const params: DeliverParams = {};
  // Keys seen so far, valid or not: a second "branch=" is a duplicate even if the first was rejected.
  const seenKeys = new Set<string>();
  const knownAgents = options.knownAgents ?? DEFAULT_KNOWN_AGENTS;
  const { line, argumentsStart } = found;
  const argumentsText = line.slice(argumentsStart);

  // Tokenize only the key=value prefix: the free text after it is kept raw, so an
  // apostrophe in "don't" is never mistaken for an opening quote.
  let cursor = 0;
  let freeTextStart = argumentsText.length;
  for (;;) {
    const tokenStart = skipWhitespace(argumentsText, cursor);
    if (tokenStart >= argumentsText.length) break;
    if (!PARAMETER_START.test(argumentsText.slice(tokenStart))) {
      freeTextStart = tokenStart;
      break;
    }
    const read = readToken(argumentsText, tokenStart);
    if (!read.ok) {
      const kind = argumentsText[read.offset] === "'" ? "single" : "double";
      errors.push(`unterminated ${kind} quote at column ${argumentsStart + read.offset + 1} of the /deliver line`);
      break;
    }
    if (read.token === null) break;
    const raw = argumentsText.slice(read.token.start, read.token.end);
    const key = raw.slice(0, raw.indexOf("="));
    const value = read.token.value.slice(key.length + 1);
    addParameter(params, seenKeys, key, value, knownAgents, errors);
    cursor = read.token.end;
  }

  const instructions = renderInstructions(argumentsText.slice(freeTextStart), found.followingText);
  if (instructions.length > MAX_INSTRUCTIONS_LENGTH) {
    errors.push(
      `instructions are ${instructions.length.toLocaleString("en-US")} characters long; ` +
        `the limit is ${MAX_INSTRUCTIONS_LENGTH.toLocaleString("en-US")}`,
    );
  }
  if (errors.length > 0) return { kind: "invalid", errors };
  return { kind: "ok", command: { params, instructions } };
}

/** Markdown help shown when a command is invalid. */
export function renderDeliverUsage(): string {
  return [
    "**Usage:** `/deliver [key=value ...] [instructions]`",
    "",
    "Write the command at the start of a line. Parameters come first; everything after them,",
    "including the following lines, is passed to the agent as extra instructions.",
    'Quote values that contain spaces: `key="a value"`.',
    "",
    "| Parameter | Meaning |",
    "| --- | --- |",
    "| `branch` | Branch to start the work from (default: the repository's default branch). |",
    "| `target` | Branch the pull request is opened against (default: the same as `branch`). |",
    "| `agent` | Which coding agent does the work, e.g. `claude`. |",
    "| `model` | Model name passed to the agent, e.g. `claude-sonnet-4-5`. |",
    "",
    "Parameters you leave out come from your saved preferences, then from `.github/hamster.yml`,",
    "then from the app's defaults.",
    "",
    "**Examples:**",
    "",
    "```",
    "/deliver",
    "/deliver branch=main target=develop agent=claude Add retries to the HTTP client",
    "```",
  ].join("\n");
}

interface CommandLine {
  /** The whole line holding the command. */
  readonly line: string;
  /** Offset in `line` just past `/deliver`. */
  readonly argumentsStart: number;
  /** Everything after the command line, or null when the command is on the last line. */
  readonly followingText: string | null;
}

function findCommandLine(text: string): CommandLine | null {
  let hiddenRanges: ReturnType<typeof findHiddenRanges> | null = null;
  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const line = text.slice(lineStart, lineEnd);
    const match = COMMAND_LINE.exec(line);
    if (match) {
      // Parsing is deferred until a candidate line exists: most comments have none.
      hiddenRanges ??= findHiddenRanges(parseMarkdown(text));
      const slashOffset = lineStart + match[0].indexOf("/");
      if (!isInRanges(slashOffset, hiddenRanges)) {
        return {
          line,
          argumentsStart: match[0].length,
          followingText: newline === -1 ? null : text.slice(newline + 1),
        };
      }
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  return null;
}

function addParameter(
  params: DeliverParams,
  seenKeys: Set<string>,
  key: string,
  value: string,
  knownAgents: readonly string[],
  errors: string[],
): void {
  if (!isParameterKey(key)) {
    errors.push(`unknown parameter "${key}"; the parameters are ${DELIVER_PARAMETER_KEYS.join(", ")}`);
    return;
  }
  if (seenKeys.has(key)) {
    errors.push(`parameter "${key}" is given more than once`);
    return;
  }
  seenKeys.add(key);
  if (value === "") {
    errors.push(`parameter "${key}" has an empty value`);
    return;
  }
  const problem = findValueProblem(key, value, knownAgents);
  if (problem !== null) {
    errors.push(problem);
    return;
  }
  params[key] = value;
}

function findValueProblem(key: DeliverParameterKey, value: string, knownAgents: readonly string[]): string | null {
  switch (key) {
    case "branch":
    case "target": {
      const branch = parseBranchName(value);
      return branch.ok ? null : `${key} ${renderValue(value)} is not a valid branch name: ${branch.reason}`;
    }
    case "agent":
      if (knownAgents.includes(value)) return null;
      return knownAgents.length === 0
        ? `unknown agent ${renderValue(value)}; no agents are available`
        : `unknown agent ${renderValue(value)}; the agents are ${knownAgents.join(", ")}`;
    case "model":
      return MODEL_NAME.test(value)
        ? null
        : `model ${renderValue(value)} is not a valid model name: use at most 100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit`;
  }
}

function renderInstructions(lineRest: string, followingText: string | null): string {
  const raw = (followingText === null ? lineRest : `${lineRest}\n${followingText}`).trim();
  // `/deliver "Do this"` means the words, not the quotes.
  return parseQuotedString(raw) ?? raw;
}

function isParameterKey(key: string): key is DeliverParameterKey {
  return (DELIVER_PARAMETER_KEYS as readonly string[]).includes(key);
}

/** A value as shown in an error: JSON-quoted so control characters are visible, long ones cut. */
function renderValue(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return JSON.stringify(shown);
}

function skipWhitespace(text: string, offset: number): number {
  let index = offset;
  while (index < text.length && /\s/u.test(text[index] ?? "")) index += 1;
  return index;
}
