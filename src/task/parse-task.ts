import type { Heading, ListItem, Nodes, RootContent } from "mdast";
import {
  expandToLines,
  findNodeRange,
  normalizeLineEndings,
  parseMarkdown,
  removeRanges,
  renderPlainText,
  walkNodes,
  type SourceRange,
} from "../markdown/parse-markdown.js";
import type { Subtask, Task, TaskComment } from "./task.js";

/**
 * GitHub allows issue bodies of 65,536 characters, but edits through the API and comments
 * add up; a bound keeps one huge task from filling the model's context by itself.
 */
export const MAX_DESCRIPTION_CHARS = 60_000;
/** The newest comments only, each bounded: a long discussion must not crowd out the task. */
export const MAX_COMMENTS = 50;
export const MAX_COMMENT_CHARS = 10_000;

function capText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n\n[… ${text.length - max} more characters of the issue were left out]`;
}

export interface TaskSource {
  readonly number: number;
  readonly title: string;
  readonly body: string | null;
  /** Free text given with the trigger (`/deliver ... text`). */
  readonly instructions?: string;
  /** Comments already filtered to trusted authors; hidden content is removed here. */
  readonly comments?: readonly TaskComment[];
}

// Zero-width and bidi controls: invisible on GitHub, but the model reads them, and they
// can hide or reorder text (e.g. "Trojan Source"). Removed from every string of a Task.
const INVISIBLE_CHARACTERS = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/**
 * Builds the Task the agent receives from an issue. The acceptance-criteria and subtask
 * sections, and task-list items elsewhere, become structured fields; the description is
 * the rest of the body, sliced from the source so the author's formatting survives.
 * Content a reader of the issue cannot see (HTML comments, invisible characters) and
 * image alt text are removed, so they cannot smuggle instructions into the prompt.
 */
export function parseTask(source: TaskSource): Task {
  // Invisible characters go first, so they cannot disguise markup (a heading, a comment)
  // from the parser either.
  const body = removeInvisibleCharacters(normalizeLineEndings(source.body ?? ""));
  const root = parseMarkdown(body);
  const hidden = findHiddenContent(body, root.children);
  const sections = findSections(root.children);

  const removed: SourceRange[] = [...hidden];
  const acceptanceCriteria: string[] = [];
  const subtasks: Subtask[] = [];
  const sectionNodes = new Set<Nodes>();

  for (const section of sections) {
    for (const node of section.nodes) sectionNodes.add(node);
    const first = findNodeRange(section.heading);
    const last = findNodeRange(section.nodes[section.nodes.length - 1] ?? section.heading);
    if (first && last) removed.push(expandToLines(body, { start: first.start, end: last.end }));
    if (section.kind === "criteria") {
      acceptanceCriteria.push(...findCriteria(body, section.nodes, hidden));
    } else {
      for (const item of findListItems(section.nodes)) addSubtask(subtasks, body, item, hidden);
    }
  }

  // Task-list items outside the sections are subtasks too; quoted ones are someone else's.
  for (const node of root.children) {
    if (sectionNodes.has(node)) continue;
    walkNodes(node, (current) => {
      if (current.type === "blockquote") return false;
      if (current.type === "listItem" && typeof current.checked === "boolean") {
        addSubtask(subtasks, body, current, hidden);
        const range = findNodeRange(current);
        if (range) removed.push(expandToLines(body, range));
      }
      return true;
    });
  }

  return {
    number: source.number,
    title: removeInvisibleCharacters(source.title).trim(),
    description: capText(collapseBlankLines(removeInvisibleCharacters(removeRanges(body, removed))).trim(), MAX_DESCRIPTION_CHARS),
    acceptanceCriteria,
    subtasks,
    instructions: removeInvisibleCharacters(source.instructions ?? "").trim(),
    comments: (source.comments ?? [])
      .slice(-MAX_COMMENTS)
      .map((c) => ({ author: c.author, body: capText(removeHiddenMarkdown(c.body).trim(), MAX_COMMENT_CHARS) }))
      .filter((c) => c.body !== ""),
  };
}

/**
 * Markdown with what a reader of the rendered page does not see removed: invisible
 * characters, HTML comments and images (alt text included), by the same rules as the
 * task's own text. For documents given to the agent beside the task, such as a brief.
 */
export function removeHiddenMarkdown(text: string): string {
  const body = removeInvisibleCharacters(normalizeLineEndings(text));
  const root = parseMarkdown(body);
  return collapseBlankLines(removeRanges(body, findHiddenContent(body, root.children)));
}

/** The text with zero-width and bidi control characters removed. */
export function removeInvisibleCharacters(text: string): string {
  return text.replace(INVISIBLE_CHARACTERS, "");
}

type SectionKind = "criteria" | "subtasks";

interface Section {
  readonly kind: SectionKind;
  readonly heading: Heading;
  /** The nodes after the heading, up to the next heading of the same or a higher level. */
  readonly nodes: RootContent[];
}

function findSections(children: readonly RootContent[]): Section[] {
  const sections: Section[] = [];
  let current: { kind: SectionKind; heading: Heading; nodes: RootContent[] } | null = null;
  for (const node of children) {
    if (node.type === "heading") {
      if (current && node.depth <= current.heading.depth) current = null;
      if (current === null) {
        const kind = classifyHeading(renderPlainText(node));
        if (kind !== null) {
          current = { kind, heading: node, nodes: [] };
          sections.push(current);
          continue;
        }
      }
    }
    current?.nodes.push(node);
  }
  // A "Tasks" heading without a list is ordinary prose, not a checklist: keep it in the description.
  return sections.filter((section) => section.kind === "criteria" || findListItems(section.nodes).length > 0);
}

function classifyHeading(text: string): SectionKind | null {
  const words = text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (words.includes("acceptance criteria")) return "criteria";
  if (/^(?:sub-?\s?tasks|tasks|checklist)$/.test(words)) return "subtasks";
  return null;
}

/** Criteria: each top-level list item; without a list, each non-empty paragraph line. */
function findCriteria(body: string, nodes: readonly RootContent[], hidden: readonly SourceRange[]): string[] {
  const lists = nodes.filter((node) => node.type === "list");
  const criteria: string[] = [];
  if (lists.length > 0) {
    for (const list of lists) {
      for (const item of list.children) {
        const text = renderSourceText(body, spanOf(item.children), hidden);
        if (text !== "") criteria.push(text);
      }
    }
    return criteria;
  }
  for (const node of nodes) {
    if (node.type !== "paragraph") continue;
    const text = renderSourceText(body, findNodeRange(node), hidden);
    criteria.push(...text.split("\n").filter((line) => line !== ""));
  }
  return criteria;
}

function addSubtask(subtasks: Subtask[], body: string, item: ListItem, hidden: readonly SourceRange[]): void {
  // The item's own words only: nested items are subtasks of their own.
  const own = item.children.filter((child) => child.type !== "list");
  const text = renderSourceText(body, spanOf(own), hidden);
  if (text !== "") subtasks.push({ text, done: item.checked === true });
}

/** Every list item at any depth, in document order. */
function findListItems(nodes: readonly RootContent[]): ListItem[] {
  const items: ListItem[] = [];
  for (const node of nodes) {
    walkNodes(node, (current) => {
      if (current.type === "listItem") items.push(current);
      return true;
    });
  }
  return items;
}

function spanOf(nodes: readonly Nodes[]): SourceRange | null {
  const first = nodes[0] ? findNodeRange(nodes[0]) : null;
  const last = nodes[nodes.length - 1] ? findNodeRange(nodes[nodes.length - 1] as Nodes) : null;
  return first && last ? { start: first.start, end: last.end } : null;
}

/** The source inside `range` minus hidden content, each line trimmed, empty lines dropped. */
function renderSourceText(body: string, range: SourceRange | null, hidden: readonly SourceRange[]): string {
  if (range === null) return "";
  const outside = [
    { start: 0, end: range.start },
    { start: range.end, end: body.length },
  ];
  return removeRanges(body, [...outside, ...hidden])
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join("\n");
}

// Parent types whose html children are whole blocks (lines of their own), not inline html.
const BLOCK_PARENTS: ReadonlySet<string> = new Set(["root", "listItem", "blockquote", "footnoteDefinition"]);
const IMG_TAG = /<img\b(?:[^>"']|"[^"]*"|'[^']*')*>?/gi;

/** Ranges a reader of the rendered issue does not see as text: HTML comments, images. */
function findHiddenContent(body: string, children: readonly RootContent[]): SourceRange[] {
  const ranges: SourceRange[] = [];
  for (const child of children) {
    walkNodes(child, (node, parent) => {
      const range = findNodeRange(node);
      if (range === null) return true;
      if (node.type === "image" || node.type === "imageReference") {
        ranges.push(range);
        return false;
      }
      if (node.type !== "html") return true;
      const inner = findHiddenHtml(body, range);
      const rest = removeRanges(body.slice(range.start, range.end), shiftRanges(inner, -range.start));
      const isBlock = BLOCK_PARENTS.has(parent?.type ?? "root");
      // A block that was nothing but a comment goes with its lines, leaving no gap behind.
      if (isBlock && inner.length > 0 && rest.trim() === "") ranges.push(expandToLines(body, range));
      else ranges.push(...inner);
      return false;
    });
  }
  return ranges;
}

/** Comments (`<!-- … -->`, unterminated ones to the end of the node) and `<img>` tags in an html node. */
function findHiddenHtml(body: string, range: SourceRange): SourceRange[] {
  const html = body.slice(range.start, range.end);
  const ranges: SourceRange[] = [];
  let open = html.indexOf("<!--");
  while (open !== -1) {
    // Searching from open + 2 also finds the closers of the short forms "<!-->" and "<!--->".
    const close = html.indexOf("-->", open + 2);
    const end = close === -1 ? html.length : close + 3;
    ranges.push({ start: open, end });
    open = html.indexOf("<!--", end);
  }
  for (const match of html.matchAll(IMG_TAG)) {
    ranges.push({ start: match.index, end: match.index + match[0].length });
  }
  return shiftRanges(ranges, range.start);
}

function shiftRanges(ranges: readonly SourceRange[], by: number): SourceRange[] {
  return ranges.map((range) => ({ start: range.start + by, end: range.end + by }));
}

/** Removing sections leaves gaps: at most one blank line is kept between blocks. */
function collapseBlankLines(text: string): string {
  return text.replace(/\n(?:[ \t]*\n){2,}/g, "\n\n");
}
