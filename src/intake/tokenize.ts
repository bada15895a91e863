/** One whitespace-separated word of a command line, after quote removal and escapes. */
export interface Token {
  /** The word as meant: quotes removed, escapes resolved. */
  readonly value: string;
  /** Offset of the token's first character in the input. */
  readonly start: number;
  /** Offset just past the token's last character, so `input.slice(start, end)` is the raw token. */
  readonly end: number;
  /** Whether any part of the token was inside quotes (`""` is an empty but quoted token). */
  readonly quoted: boolean;
}

export type TokenizeError = { ok: false; error: string; offset: number };
export type TokenizeResult = { ok: true; tokens: Token[] } | TokenizeError;
export type ReadTokenResult = { ok: true; token: Token | null } | TokenizeError;

/**
 * Splits a command's parameter text into words, shell-like but much smaller:
 * - whitespace separates tokens;
 * - `'single quotes'` keep everything literally;
 * - `"double quotes"` resolve `\"` and `\\` and keep any other backslash (so `"C:\dir"` survives);
 * - outside quotes a backslash makes the next character literal;
 * - quotes may appear inside a token: `key="a b"` is one token with value `key=a b`.
 * There is no variable expansion or globbing: nothing here ever reaches a shell.
 */
export function tokenize(text: string): TokenizeResult {
  const tokens: Token[] = [];
  let offset = 0;
  for (;;) {
    const result = readToken(text, offset);
    if (!result.ok) return result;
    if (result.token === null) return { ok: true, tokens };
    tokens.push(result.token);
    offset = result.token.end;
  }
}

/**
 * Reads the next token at or after `offset`, skipping whitespace first; `token: null` at
 * the end of the input. Lets a caller stop tokenizing where free text begins.
 */
export function readToken(text: string, offset: number): ReadTokenResult {
  let index = skipWhitespace(text, offset);
  if (index >= text.length) return { ok: true, token: null };
  const start = index;
  let value = "";
  let quoted = false;
  while (index < text.length) {
    const character = text[index] ?? "";
    if (isWhitespace(character)) break;
    if (character === "'" || character === '"') {
      const segment = readQuoted(text, index);
      if (!segment.ok) return segment;
      value += segment.value;
      quoted = true;
      index = segment.end;
    } else if (character === "\\" && index + 1 < text.length) {
      value += text[index + 1] ?? "";
      index += 2;
    } else {
      // A trailing lone backslash has nothing to escape, so it stays literal.
      value += character;
      index += 1;
    }
  }
  return { ok: true, token: { value, start, end: index, quoted } };
}

/**
 * The unquoted value when `text` is exactly one quoted string (`"…"` or `'…'`, nothing
 * before or after), otherwise null.
 */
export function parseQuotedString(text: string): string | null {
  const first = text[0];
  if (first !== "'" && first !== '"') return null;
  const segment = readQuoted(text, 0);
  return segment.ok && segment.end === text.length ? segment.value : null;
}

type QuotedSegment = { ok: true; value: string; end: number } | TokenizeError;

/** Reads a quoted segment whose opening quote is at `start`; `end` is just past the closing quote. */
function readQuoted(text: string, start: number): QuotedSegment {
  const quote = text[start];
  let value = "";
  let index = start + 1;
  while (index < text.length) {
    const character = text[index] ?? "";
    if (character === quote) return { ok: true, value, end: index + 1 };
    const next = text[index + 1];
    if (quote === '"' && character === "\\" && (next === '"' || next === "\\")) {
      value += next;
      index += 2;
    } else {
      value += character;
      index += 1;
    }
  }
  const name = quote === '"' ? "double" : "single";
  return { ok: false, error: `unterminated ${name} quote starting at offset ${start}`, offset: start };
}

function skipWhitespace(text: string, offset: number): number {
  let index = offset;
  while (index < text.length && isWhitespace(text[index] ?? "")) index += 1;
  return index;
}

function isWhitespace(character: string): boolean {
  return /^\s$/u.test(character);
}
