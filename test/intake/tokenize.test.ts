import { describe, expect, it } from "vitest";
import { parseQuotedString, readToken, tokenize } from "../../src/intake/tokenize.js";

const values = (text: string): string[] => {
  const result = tokenize(text);
  if (!result.ok) throw new Error(result.error);
  return result.tokens.map((token) => token.value);
};

describe("tokenize", () => {
  it("splits on any whitespace and reports offsets", () => {
    expect(tokenize("  a bb\tccc \n d ")).toEqual({
      ok: true,
      tokens: [
        { value: "a", start: 2, end: 3, quoted: false },
        { value: "bb", start: 4, end: 6, quoted: false },
        { value: "ccc", start: 7, end: 10, quoted: false },
        { value: "d", start: 13, end: 14, quoted: false },
      ],
    });
  });

  it("returns no tokens for empty or blank input", () => {
    expect(tokenize("")).toEqual({ ok: true, tokens: [] });
    expect(tokenize(" \t ")).toEqual({ ok: true, tokens: [] });
  });

  it("handles quotes inside a token", () => {
    expect(tokenize('key="a b" x')).toEqual({
      ok: true,
      tokens: [
        { value: "key=a b", start: 0, end: 9, quoted: true },
        { value: "x", start: 10, end: 11, quoted: false },
      ],
    });
    expect(values("a'b c'd\"e f\"")).toEqual(["ab cde f"]);
  });

  it("keeps single-quoted text literally", () => {
    expect(values("'a \\\" b' '\\\\'")).toEqual(['a \\" b', "\\\\"]);
  });

  it('resolves \\" and \\\\ inside double quotes and keeps other backslashes', () => {
    expect(values('"say \\"hi\\"" "C:\\dir" "a\\\\b"')).toEqual(['say "hi"', "C:\\dir", "a\\b"]);
  });

  it("makes the next character literal outside quotes", () => {
    expect(values("a\\ b \\\"c \\'d \\\\ e\\")).toEqual(["a b", '"c', "'d", "\\", "e\\"]);
  });

  it("returns empty quoted tokens", () => {
    expect(tokenize('"" \'\'')).toEqual({
      ok: true,
      tokens: [
        { value: "", start: 0, end: 2, quoted: true },
        { value: "", start: 3, end: 5, quoted: true },
      ],
    });
  });

  it("reports an unterminated quote with its offset", () => {
    expect(tokenize('a "b c')).toEqual({ ok: false, error: "unterminated double quote starting at offset 2", offset: 2 });
    expect(tokenize("ok x='y")).toEqual({ ok: false, error: "unterminated single quote starting at offset 5", offset: 5 });
    expect(tokenize('"a\\"')).toEqual({ ok: false, error: "unterminated double quote starting at offset 0", offset: 0 });
  });
});

describe("readToken", () => {
  it("reads one token at a time", () => {
    expect(readToken("a b", 1)).toEqual({ ok: true, token: { value: "b", start: 2, end: 3, quoted: false } });
    expect(readToken("a  ", 1)).toEqual({ ok: true, token: null });
  });
});

describe("parseQuotedString", () => {
  it.each([
    ['"a b"', "a b"],
    ["'don\"t'", 'don"t'],
    ['"say \\"hi\\""', 'say "hi"'],
    ['""', ""],
  ])("unquotes %j", (text, value) => {
    expect(parseQuotedString(text)).toBe(value);
  });

  it.each(['"a" "b"', '"a"b', "a", "'a", "don't", ' "a"', '"a"b"'])("returns null for %j", (text) => {
    expect(parseQuotedString(text)).toBeNull();
  });
});
