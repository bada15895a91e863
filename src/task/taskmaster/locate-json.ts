/**
 * Where things are in a JSON text, for error messages a person can act on. JSON.parse
 * says little about where it failed (Node 20 often gives no position at all), and a
 * schema error only knows the path of the value; this scanner finds the offset of the
 * first syntax error, and the offset of every value by its path.
 */

/** A 1-based line and column, as editors count them. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

export type JsonPath = readonly (string | number)[];

export type JsonScan =
  | { readonly ok: true; readonly offsets: ReadonlyMap<string, number> }
  | { readonly ok: false; readonly offset: number; readonly message: string };

/** Deeper than this, the scanner stops rather than risk the stack: no task file nests so far. */
export const MAX_JSON_DEPTH = 256;

class ScanError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Scans `text` as JSON (RFC 8259): either the offset and a description of the first
 * syntax error, or the start offset of every value keyed by `renderJsonPath` of its path.
 */
export function scanJson(text: string): JsonScan {
  const offsets = new Map<string, number>();
  let at = 0;

  const skipWhitespace = () => {
    while (at < text.length && WHITESPACE.has(text[at] as string)) at++;
  };
  const describeHere = () => (at >= text.length ? "the end of the file" : `${JSON.stringify(text[at])}`);
  const fail = (expected: string): never => {
    throw new ScanError(at, `expected ${expected}, found ${describeHere()}`);
  };

  const readString = (): string => {
    const start = at;
    at++;
    while (at < text.length) {
      const char = text[at] as string;
      if (char === '"') {
        at++;
        return JSON.parse(text.slice(start, at)) as string;
      }
      if (char === "\\") {
        const next = text[at + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) throw new ScanError(at, "invalid \\u escape in a string");
          at += 6;
        } else if (next !== undefined && ESCAPES.has(next)) {
          at += 2;
        } else {
          throw new ScanError(at, "invalid escape in a string");
        }
        continue;
      }
      if (char < " ") throw new ScanError(at, "a line break or control character inside a string (write it as \\n)");
      at++;
    }
    throw new ScanError(start, "a string that is never closed");
  };

  const readValue = (path: (string | number)[], depth: number): void => {
    skipWhitespace();
    if (depth > MAX_JSON_DEPTH) throw new ScanError(at, `values nested more than ${MAX_JSON_DEPTH} levels deep`);
    offsets.set(renderJsonPath(path), at);
    const char = text[at];
    if (char === "{") return readObject(path, depth);
    if (char === "[") return readArray(path, depth);
    if (char === '"') return void readString();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return;
      }
    }
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(text);
    if (number) {
      at += number[0].length;
      return;
    }
    fail("a value");
  };

  const readObject = (path: (string | number)[], depth: number): void => {
    at++;
    skipWhitespace();
    if (text[at] === "}") {
      at++;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (text[at] !== '"') fail("a property name in double quotes");
      const key = readString();
      skipWhitespace();
      if (text[at] !== ":") fail("':' after the property name");
      at++;
      readValue([...path, key], depth + 1);
      skipWhitespace();
      if (text[at] === ",") {
        at++;
        continue;
      }
      if (text[at] === "}") {
        at++;
        return;
      }
      fail("',' or '}'");
    }
  };

  const readArray = (path: (string | number)[], depth: number): void => {
    at++;
    skipWhitespace();
    if (text[at] === "]") {
      at++;
      return;
    }
    for (let index = 0; ; index++) {
      readValue([...path, index], depth + 1);
      skipWhitespace();
      if (text[at] === ",") {
        at++;
        continue;
      }
      if (text[at] === "]") {
        at++;
        return;
      }
      fail("',' or ']'");
    }
  };

  try {
    readValue([], 0);
    skipWhitespace();
    if (at < text.length) fail("the end of the file after the JSON value");
    return { ok: true, offsets };
  } catch (error) {
    if (error instanceof ScanError) return { ok: false, offset: error.offset, message: error.message };
    throw error;
  }
}

/** `tasks[2].dependencies[0]`; a key that is not an identifier is quoted: `["my tag"].tasks`. */
export function renderJsonPath(path: JsonPath): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else if (IDENTIFIER.test(part)) text += text === "" ? part : `.${part}`;
    else text += `[${JSON.stringify(part)}]`;
  }
  return text;
}

/** The line and column of a UTF-16 offset; a tab counts as one column. */
export function findTextPosition(text: string, offset: number): TextPosition {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lineStart = before.lastIndexOf("\n") + 1;
  let line = 1;
  for (let i = before.indexOf("\n"); i !== -1; i = before.indexOf("\n", i + 1)) line++;
  return { line, column: before.length - lineStart + 1 };
}
