import type { ArgumentsParse, CommandLine } from "./command-line.js";
import { createParameterCollector, DELIVER_GRAMMAR, PARAMETER_START, type DeliverParams } from "./deliver-parameters.js";
import { renderQuoteError } from "./render-command-error.js";
import { parseQuotedString, readToken, type Token } from "./tokenize.js";

/** `all`: `/deliver all` on a brief, which delivers each of its tasks in order. */
export type DeliverCommand = { kind: "deliver"; params: DeliverParams; instructions: string; all?: true };

export const MAX_INSTRUCTIONS_LENGTH = 20_000;

// `/deliver all`: the word right after the command, before any parameter.
const ALL_WORD = /^\s+all(?=\s|$)/;

/** `/deliver [all] [key=value ...] [free-text instructions, which may go on over the following lines]`. */
export function parseDeliverArguments(found: CommandLine, knownAgents: readonly string[]): ArgumentsParse<DeliverCommand> {
  const errors: string[] = [];
  const params: DeliverParams = {};
  const addParameter = createParameterCollector(DELIVER_GRAMMAR, params, knownAgents, errors);
  const line = found.line.slice(found.argumentsStart);
  const all = ALL_WORD.exec(line);
  const allLength = all?.[0].length ?? 0;
  const argumentsText = line.slice(allLength);

  const prefix = readParameterPrefix(argumentsText, addParameter);
  if (prefix.quoteOffset !== null) errors.push(renderQuoteError(found, line, prefix.quoteOffset + allLength));
  const instructions = renderInstructions(argumentsText.slice(prefix.freeTextStart), found.followingText);
  if (instructions.length > MAX_INSTRUCTIONS_LENGTH) {
    errors.push(
      `instructions are ${instructions.length.toLocaleString("en-US")} characters long; ` +
        `the limit is ${MAX_INSTRUCTIONS_LENGTH.toLocaleString("en-US")}`,
    );
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, command: { kind: "deliver", params, instructions, ...(all ? { all: true as const } : {}) } };
}

/**
 * Hands each leading `key=value` token to `addParameter`, and says where the free text
 * starts, or where an unterminated quote stopped the reading.
 */
function readParameterPrefix(
  argumentsText: string,
  addParameter: (text: string, token: Token) => void,
): { freeTextStart: number; quoteOffset: number | null } {
  // Tokenize only the key=value prefix: the free text after it is kept raw, so an
  // apostrophe in "don't" is never mistaken for an opening quote.
  let cursor = 0;
  for (;;) {
    const tokenStart = skipWhitespace(argumentsText, cursor);
    if (tokenStart >= argumentsText.length) break;
    if (!PARAMETER_START.test(argumentsText.slice(tokenStart))) return { freeTextStart: tokenStart, quoteOffset: null };
    const read = readToken(argumentsText, tokenStart);
    if (!read.ok) return { freeTextStart: argumentsText.length, quoteOffset: read.offset };
    if (read.token === null) break;
    addParameter(argumentsText, read.token);
    cursor = read.token.end;
  }
  return { freeTextStart: argumentsText.length, quoteOffset: null };
}

function renderInstructions(lineRest: string, followingText: string | null): string {
  const raw = (followingText === null ? lineRest : `${lineRest}\n${followingText}`).trim();
  // `/deliver "Do this"` means the words, not the quotes.
  return parseQuotedString(raw) ?? raw;
}

function skipWhitespace(text: string, offset: number): number {
  let index = offset;
  while (index < text.length && /\s/u.test(text[index] ?? "")) index += 1;
  return index;
}
