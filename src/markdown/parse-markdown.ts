import type { Nodes, Root } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";

/** A half-open range [start, end) of UTF-16 offsets into the parsed source. */
export interface SourceRange {
  readonly start: number;
  readonly end: number;
}

/** Parses GitHub-flavoured markdown; positions are kept so callers can slice the source. */
export function parseMarkdown(text: string): Root {
  return fromMarkdown(text, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
}

/** CRLF and lone CR become LF, so offsets, line splitting and output agree on one line ending. */
export function normalizeLineEndings(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/** The source range of a node, or null when the node was not parsed from text. */
export function findNodeRange(node: Nodes): SourceRange | null {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  return start === undefined || end === undefined ? null : { start, end };
}

/** Calls `visit` for every node, parents before children; returning false skips the children. */
export function walkNodes(node: Nodes, visit: (node: Nodes, parent: Nodes | null) => boolean | void): void {
  const step = (current: Nodes, parent: Nodes | null): void => {
    if (visit(current, parent) === false) return;
    if ("children" in current) for (const child of current.children) step(child, current);
  };
  step(node, null);
}

/** Text a reader sees in a node, without markup (headings are matched on this). */
export function renderPlainText(node: Nodes): string {
  if ("value" in node && typeof node.value === "string" && node.type !== "html") return node.value;
  if ("children" in node) return node.children.map((child) => renderPlainText(child)).join("");
  return "";
}

// Text in these nodes is not something the author "says": code is quoted, a block quote
// is someone else's words, HTML may be invisible on GitHub (comments, tags).
const HIDDEN_TYPES: ReadonlySet<string> = new Set(["code", "inlineCode", "blockquote", "html"]);

/** Sorted, merged ranges of code (block and inline), block quotes and HTML nodes. */
export function findHiddenRanges(root: Root): SourceRange[] {
  const ranges: SourceRange[] = [];
  walkNodes(root, (node) => {
    if (!HIDDEN_TYPES.has(node.type)) return true;
    const range = findNodeRange(node);
    if (range) ranges.push(range);
    return false;
  });
  return mergeRanges(ranges);
}

/** Sorts ranges and merges the ones that overlap or touch. */
export function mergeRanges(ranges: readonly SourceRange[]): SourceRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: SourceRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end) {
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, range.end) };
    } else {
      merged.push(range);
    }
  }
  return merged;
}

/** Whether `offset` falls inside one of the ranges. */
export function isInRanges(offset: number, ranges: readonly SourceRange[]): boolean {
  return ranges.some((range) => offset >= range.start && offset < range.end);
}

/** The text with the given ranges cut out. */
export function removeRanges(text: string, ranges: readonly SourceRange[]): string {
  let result = "";
  let cursor = 0;
  for (const range of mergeRanges(ranges)) {
    if (range.start > cursor) result += text.slice(cursor, range.start);
    cursor = Math.max(cursor, range.end);
  }
  return result + text.slice(cursor);
}

/**
 * Widens a block-level range to whole lines when only whitespace shares its first and
 * last lines, so cutting it out leaves no indentation stubs or empty lines behind.
 */
export function expandToLines(text: string, range: SourceRange): SourceRange {
  let start = range.start;
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  if (/^[ \t]*$/.test(text.slice(lineStart, start))) start = lineStart;
  let end = range.end;
  const newline = text.indexOf("\n", end);
  const lineEnd = newline === -1 ? text.length : newline;
  if (/^[ \t]*$/.test(text.slice(end, lineEnd))) end = newline === -1 ? text.length : newline + 1;
  return { start, end };
}
