import { describe, expect, it } from "vitest";
import {
  expandToLines,
  findHiddenRanges,
  findNodeRange,
  isInRanges,
  mergeRanges,
  normalizeLineEndings,
  parseMarkdown,
  removeRanges,
  renderPlainText,
} from "../../src/markdown/parse-markdown.js";

describe("parseMarkdown", () => {
  it("parses GFM with positions", () => {
    const root = parseMarkdown("- [x] done\n\n| a |\n| - |\n| b |\n");
    const [list, table] = root.children;
    expect(list?.type).toBe("list");
    expect(list?.type === "list" && list.children[0]?.checked).toBe(true);
    expect(table?.type).toBe("table");
    expect(list && findNodeRange(list)).toEqual({ start: 0, end: 10 });
  });
});

describe("findHiddenRanges", () => {
  const slices = (text: string): string[] =>
    findHiddenRanges(parseMarkdown(text)).map((range) => text.slice(range.start, range.end));

  it("finds fenced and indented code, quotes, HTML and inline code", () => {
    const text = [
      "para `code` x",
      "",
      "```",
      "fenced",
      "```",
      "",
      "    indented",
      "",
      "> quoted",
      "",
      "<!-- comment -->",
      "",
      "inline <!--",
      "spanning -->",
    ].join("\n");
    expect(slices(text)).toEqual([
      "`code`",
      "```\nfenced\n```",
      "    indented",
      "> quoted",
      "<!-- comment -->",
      "<!--\nspanning -->",
    ]);
  });

  it("treats a lazy continuation line as part of the quote", () => {
    expect(slices("> quote\nlazy line\n\nafter")).toEqual(["> quote\nlazy line"]);
  });

  it("runs an unclosed fence to the end", () => {
    expect(slices("a\n\n```\nx\ny")).toEqual(["```\nx\ny"]);
  });

  it("returns nothing for plain text", () => {
    expect(slices("just *text*\n\n- item")).toEqual([]);
  });
});

describe("range helpers", () => {
  it("merges overlapping and touching ranges", () => {
    expect(
      mergeRanges([
        { start: 5, end: 8 },
        { start: 0, end: 2 },
        { start: 2, end: 3 },
        { start: 6, end: 10 },
      ]),
    ).toEqual([
      { start: 0, end: 3 },
      { start: 5, end: 10 },
    ]);
  });

  it("checks membership with half-open ranges", () => {
    const ranges = [{ start: 2, end: 4 }];
    expect([1, 2, 3, 4].map((offset) => isInRanges(offset, ranges))).toEqual([false, true, true, false]);
  });

  it("removes ranges, overlapping ones included", () => {
    expect(
      removeRanges("0123456789", [
        { start: 1, end: 3 },
        { start: 2, end: 5 },
        { start: 8, end: 9 },
      ]),
    ).toBe("05679");
  });

  it("expands to whole lines only when whitespace is all that shares them", () => {
    const text = "a\n  - item\nb";
    expect(expandToLines(text, { start: 4, end: 10 })).toEqual({ start: 2, end: 11 });
    expect(expandToLines("x y z", { start: 2, end: 3 })).toEqual({ start: 2, end: 3 });
    expect(expandToLines("a\nlast", { start: 2, end: 6 })).toEqual({ start: 2, end: 6 });
  });

  it("normalizes CRLF and lone CR", () => {
    expect(normalizeLineEndings("a\r\nb\rc\n")).toBe("a\nb\nc\n");
  });

  it("renders plain text without markup or HTML", () => {
    const heading = parseMarkdown("## Acceptance *criteria* `x` <b>y</b>").children[0];
    expect(heading && renderPlainText(heading)).toBe("Acceptance criteria x y");
  });
});
