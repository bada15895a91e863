import path from "node:path";
import type { Nodes, PhrasingContent } from "mdast";
import { resolveInWorkdir } from "../workspace/path-guard.js";
import { normalizeLineEndings, parseMarkdown, renderPlainText, walkNodes } from "../markdown/parse-markdown.js";
import { removeHiddenMarkdown, removeInvisibleCharacters } from "../task/parse-task.js";
import { bytesForChars, capText, readTextFile } from "./read-text-file.js";

/** Where the brief of a task is: the project document the task belongs to. */
export type BriefReference =
  | { kind: "file"; path: string }
  | { kind: "issue"; number: number }
  | { kind: "milestone" };

export interface BriefRepository {
  readonly owner: string;
  readonly name: string;
  /** e.g. https://github.com/owner/name; links are matched against it, so GitHub Enterprise works too. */
  readonly htmlUrl: string;
}

export interface LoadedBrief {
  /** Where the text came from, for people and the agent: "docs/brief.md", "issue #12", "milestone “v2”". */
  source: string;
  text: string;
}

export interface BriefIo {
  /** The checkout a file brief is read from. */
  workdir: string;
  /** The branch the checkout is on, named when a file brief is missing. */
  branch?: string;
  getIssue(number: number): Promise<{ title: string; body: string | null } | null>;
  milestone?: { title: string; description: string | null } | null;
}

export const MAX_BRIEF_CHARS = 50_000;

// Nodes whose text the author does not "say": code is quoted, a quote is someone else's, HTML may be invisible.
const SKIPPED_TYPES: ReadonlySet<string> = new Set(["code", "blockquote", "html"]);
const BRIEF_LINE = /^\s*brief\s*:\s*/i;
const BRIEF_WORD = /\bbrief/i;
// Stands for a link inside a line's text; markdown parsing turns a real NUL into U+FFFD, so it cannot clash.
const LINK_MARK = "\u0000";

/**
 * Finds where the issue says its brief is, without fetching anything: first a line
 * `Brief: <target>`, then the first link whose text says "brief", then the milestone's
 * description when it has one. A target is a path in the repository, `#12`, or a link to
 * an issue or a file of this same repository; anything else (another repository, another
 * host) is passed over. Code, block quotes and HTML comments do not count.
 */
export function findBriefReference(
  issueBody: string | null,
  repo: BriefRepository,
  options: { hasMilestoneDescription?: boolean } = {},
): BriefReference | null {
  const body = removeInvisibleCharacters(normalizeLineEndings(issueBody ?? ""));
  const root = parseMarkdown(body);
  const definitions = new Map<string, string>();
  walkNodes(root, (node) => {
    if (node.type === "definition") definitions.set(node.identifier, node.url);
    return true;
  });

  const blocks: Nodes[] = [];
  const links: { text: string; url: string }[] = [];
  walkNodes(root, (node) => {
    if (SKIPPED_TYPES.has(node.type)) return false;
    if (node.type === "paragraph" || node.type === "heading") blocks.push(node);
    if (node.type === "link") links.push({ text: renderPlainText(node), url: node.url });
    if (node.type === "linkReference") {
      const url = definitions.get(node.identifier);
      if (url !== undefined) links.push({ text: renderPlainText(node), url });
    }
    return true;
  });

  for (const block of blocks) {
    if (!("children" in block)) continue;
    for (const line of splitLines(block.children as PhrasingContent[], definitions)) {
      const found = parseBriefLine(line, repo);
      if (found !== null) return found;
    }
  }
  for (const link of links) {
    if (!BRIEF_WORD.test(link.text)) continue;
    const found = parseBriefTarget(link.url, repo, { fromLink: true });
    if (found !== null) return found;
  }
  return options.hasMilestoneDescription === true ? { kind: "milestone" } : null;
}

/** Reads the brief a reference points to; a problem is a message for the user, not an exception. */
export async function loadBrief(ref: BriefReference, io: BriefIo): Promise<LoadedBrief | { error: string }> {
  switch (ref.kind) {
    case "file":
      return loadFileBrief(ref.path, io);
    case "issue":
      return loadIssueBrief(ref.number, io);
    case "milestone":
      return loadMilestoneBrief(io);
  }
}

async function loadFileBrief(relative: string, io: BriefIo): Promise<LoadedBrief | { error: string }> {
  const named = `the brief \`${relative}\` named in the issue`;
  const resolved = resolveInWorkdir(io.workdir, relative);
  if (!resolved.ok) return { error: `${named} cannot be read: ${resolved.error}` };
  const read = await readTextFile(resolved.path, { maxBytes: bytesForChars(MAX_BRIEF_CHARS), noFollow: true });
  if (!read.ok) {
    switch (read.problem) {
      case "missing":
        return { error: `${named} does not exist ${io.branch === undefined ? "in the checkout" : `on branch \`${io.branch}\``}` };
      case "not_file":
      case "symlink":
        return { error: `${named} is not a regular file` };
      case "binary":
        return { error: `${named} is not a text file` };
      case "unreadable":
        return { error: `${named} cannot be read${read.code === undefined ? "" : ` (${read.code})`}` };
    }
  }
  const text = removeHiddenMarkdown(read.text).trim();
  if (text === "") return { error: `${named} is empty` };
  const note = `[The brief is cut off here: it is longer than ${MAX_BRIEF_CHARS.toLocaleString("en-US")} characters. The whole of it is ${relative} in the checkout.]`;
  return { source: relative, text: capText(text, MAX_BRIEF_CHARS, note, read.truncated) };
}

async function loadIssueBrief(number: number, io: BriefIo): Promise<LoadedBrief | { error: string }> {
  let issue: { title: string; body: string | null } | null;
  try {
    issue = await io.getIssue(number);
  } catch (error) {
    return { error: `the brief named in the issue, issue #${number}, cannot be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (issue === null) return { error: `the brief named in the issue, issue #${number}, does not exist in this repository` };
  return { source: `issue #${number}`, text: renderDocument(issue.title, issue.body, `issue #${number}`) };
}

function loadMilestoneBrief(io: BriefIo): LoadedBrief | { error: string } {
  const milestone = io.milestone;
  if (milestone === null || milestone === undefined) return { error: "the issue has no milestone to take the brief from" };
  const title = removeInvisibleCharacters(milestone.title).trim();
  if (removeHiddenMarkdown(milestone.description ?? "").trim() === "") {
    return { error: `the milestone “${title}” has no description to use as the brief` };
  }
  return { source: `milestone “${title}”`, text: renderDocument(milestone.title, milestone.description, `milestone “${title}”`) };
}

/** A titled document (issue, milestone) as the agent reads it, hidden content removed. */
function renderDocument(title: string, body: string | null, source: string): string {
  const heading = removeInvisibleCharacters(title).replace(/\s+/g, " ").trim();
  const text = `# ${heading}\n\n${removeHiddenMarkdown(body ?? "").trim()}`.trim();
  const note = `[The brief is cut off here: ${source} is longer than ${MAX_BRIEF_CHARS.toLocaleString("en-US")} characters.]`;
  return capText(text, MAX_BRIEF_CHARS, note);
}

/** One line of a paragraph: its text with each link as LINK_MARK, and the links' targets in order. */
interface Line {
  text: string;
  urls: string[];
}

function splitLines(children: readonly PhrasingContent[], definitions: ReadonlyMap<string, string>): Line[] {
  const lines: Line[] = [{ text: "", urls: [] }];
  const current = (): Line => lines[lines.length - 1] as Line;
  const addText = (value: string): void => {
    const [first = "", ...rest] = value.split("\n");
    current().text += first;
    for (const part of rest) lines.push({ text: part, urls: [] });
  };
  const visit = (node: PhrasingContent): void => {
    switch (node.type) {
      case "text":
      case "inlineCode":
        addText(node.value);
        return;
      case "break":
        lines.push({ text: "", urls: [] });
        return;
      case "link":
        current().text += LINK_MARK;
        current().urls.push(node.url);
        return;
      case "linkReference": {
        const url = definitions.get(node.identifier);
        if (url === undefined) break;
        current().text += LINK_MARK;
        current().urls.push(url);
        return;
      }
      case "html":
      case "image":
      case "imageReference":
        // Invisible or not text: cannot be the label or the value.
        return;
      default:
        break;
    }
    if ("children" in node) for (const child of node.children as PhrasingContent[]) visit(child);
  };
  for (const child of children) visit(child);
  return lines;
}

function parseBriefLine(line: Line, repo: BriefRepository): BriefReference | null {
  const label = BRIEF_LINE.exec(line.text);
  if (label === null) return null;
  const valueStart = label[0].length;
  const linksBefore = countLinks(line.text.slice(0, valueStart));
  const value = line.text.slice(valueStart);
  if (value.startsWith(LINK_MARK)) {
    const url = line.urls[linksBefore];
    return url === undefined ? null : parseBriefTarget(url, repo, { fromLink: true });
  }
  // Plain text: the first word is the target ("Brief: docs/brief.md (draft)").
  const word = value.split(/\s+/)[0] ?? "";
  if (!word.includes(LINK_MARK)) {
    const fromWord = parseBriefTarget(stripWordPunctuation(word), repo, { fromLink: false });
    if (fromWord !== null) return fromWord;
  }
  // "Brief: see [the roadmap](docs/roadmap.md)": the first link on the line.
  const firstLink = value.indexOf(LINK_MARK);
  if (firstLink === -1) return null;
  const url = line.urls[linksBefore + countLinks(value.slice(0, firstLink))];
  return url === undefined ? null : parseBriefTarget(url, repo, { fromLink: true });
}

function countLinks(text: string): number {
  return text.split(LINK_MARK).length - 1;
}

function stripWordPunctuation(word: string): string {
  return word.replace(/^[<"'`(]+/, "").replace(/[>"'`),.;:!?]+$/, "");
}

const ISSUE_NUMBER = /^#(\d{1,9})$/;
const CROSS_REFERENCE = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)#(\d{1,9})$/;
const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * A link target or word as a brief reference, or null when it is not one of this
 * repository's issues or files. `fromLink` is false for plain words, which must look like
 * a file path (contain "/" or ".") so that "Brief: TBD" is not taken for a file.
 */
function parseBriefTarget(target: string, repo: BriefRepository, options: { fromLink: boolean }): BriefReference | null {
  const value = target.trim();
  if (value === "") return null;
  const issue = ISSUE_NUMBER.exec(value);
  if (issue) return toIssue(issue[1]);
  const cross = CROSS_REFERENCE.exec(value);
  if (cross) return isSameRepository(cross[1], cross[2], repo) ? toIssue(cross[3]) : null;
  if (HAS_SCHEME.test(value) || value.startsWith("//")) return parseRepositoryUrl(value, repo);
  if (!options.fromLink && !/[/.]/.test(value)) return null;
  // A relative link may carry a fragment or query ("docs/brief.md#goals"): the file is the part before.
  return parseRepositoryPath(value.replace(/[?#].*$/s, ""));
}

function parseRepositoryUrl(value: string, repo: BriefRepository): BriefReference | null {
  let url: URL;
  let base: URL;
  try {
    base = new URL(repo.htmlUrl);
    url = new URL(value, base);
  } catch {
    return null;
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.host !== base.host) return null;
  const repoPath = base.pathname.replace(/\/+$/, "").toLowerCase();
  // GitHub matches owner and repository names case-insensitively.
  if (!url.pathname.toLowerCase().startsWith(`${repoPath}/`)) return null;
  const rest = url.pathname.slice(repoPath.length + 1).split("/");
  const [kind, first] = rest;
  if (kind === "issues" && first !== undefined && /^\d{1,9}$/.test(first) && (rest.length === 2 || (rest.length === 3 && rest[2] === ""))) {
    return toIssue(first);
  }
  // blob/<ref>/<path>: the ref is taken to be one segment; the file is read from the run's checkout.
  if (kind === "blob" && rest.length >= 3) return parseRepositoryPath(rest.slice(2).join("/"));
  return null;
}

/** A repository-relative file path, normalized, or null when it leaves the repository or names no file. */
function parseRepositoryPath(value: string): BriefReference | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\") || decoded.endsWith("/")) return null;
  const normalized = path.posix.normalize(decoded.replace(/^(?:\.\/|\/)+/, ""));
  if (normalized === "." || normalized === "" || normalized.split("/").includes("..")) return null;
  return { kind: "file", path: normalized };
}

function toIssue(digits: string | undefined): BriefReference | null {
  const number = Number(digits);
  return Number.isSafeInteger(number) && number > 0 ? { kind: "issue", number } : null;
}

function isSameRepository(owner: string | undefined, name: string | undefined, repo: BriefRepository): boolean {
  return owner?.toLowerCase() === repo.owner.toLowerCase() && name?.toLowerCase() === repo.name.toLowerCase();
}
