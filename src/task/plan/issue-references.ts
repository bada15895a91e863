import type { ListItem, Nodes } from "mdast";
import { findHiddenRanges, findNodeRange, isInRanges, normalizeLineEndings, parseMarkdown, walkNodes } from "../../markdown/parse-markdown.js";

/**
 * Issue references in a brief where GitHub has no sub-issues or issue dependencies: the
 * brief lists its tasks as a task list (`- [ ] #12`), and a task names what it waits on
 * with a line `Depends on #10, #11`. Code, block quotes and HTML (comments included) do
 * not count: they quote or hide text rather than say it.
 */

export interface IssueRef {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
}

/** The repository a brief lives in; `htmlUrl` (https://github.com/owner/name, or a GHES address) lets links count too. */
export interface HomeRepository {
  readonly owner: string;
  readonly repo: string;
  readonly htmlUrl: string;
}

const NAME = "[A-Za-z0-9][A-Za-z0-9._-]{0,99}";
// `#12`, `owner/repo#12`, or a link to an issue: https://host/owner/repo/issues/12.
const REFERENCE = new RegExp(`(?<![\\w/.-])(?:(${NAME})\\/(${NAME}))?#(\\d{1,9})\\b|(https?:\\/\\/[^\\s/)>\\]]+)\\/(${NAME})\\/(${NAME})\\/issues\\/(\\d{1,9})\\b`, "g");
const DEPENDS_LINE = /^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?(?:depends[ \t]+on|blocked[ \t]+by)(?:\*\*|__)?[ \t]*:?(?:\*\*|__)?[ \t]+/i;

/** The issues the brief lists as a task list, in order, each once; an item counts when it starts with the reference. */
export function parseTaskListReferences(body: string | null, home: HomeRepository): IssueRef[] {
  const text = normalizeLineEndings(body ?? "");
  const root = parseMarkdown(text);
  const refs: IssueRef[] = [];
  walkNodes(root, (node) => {
    if (node.type === "blockquote" || node.type === "code" || node.type === "html") return false;
    if (node.type === "listItem" && typeof node.checked === "boolean") {
      const ref = findLeadingReference(text, node, home);
      if (ref) refs.push(ref);
    }
    return true;
  });
  return uniqueRefs(refs);
}

/** The issues named on `Depends on …` (or `Blocked by …`) lines, in order, each once. */
export function parseDependsOnReferences(body: string | null, home: HomeRepository): IssueRef[] {
  const text = normalizeLineEndings(body ?? "");
  const hidden = findHiddenRanges(parseMarkdown(text));
  const refs: IssueRef[] = [];
  let offset = 0;
  for (const line of text.split("\n")) {
    const start = offset;
    offset += line.length + 1;
    const lead = DEPENDS_LINE.exec(line);
    if (!lead || isInRanges(start, hidden)) continue;
    for (const match of line.slice(lead[0].length).matchAll(REFERENCE)) {
      const at = start + lead[0].length + match.index;
      if (isInRanges(at, hidden)) continue;
      const ref = toRef(match, home);
      if (ref) refs.push(ref);
    }
  }
  return uniqueRefs(refs);
}

/** "#12" for an issue of the home repository, "owner/repo#12" (lower case) for another one's. */
export function renderIssueRef(ref: IssueRef, home: Pick<HomeRepository, "owner" | "repo">): string {
  return isSameRepository(ref, home) ? `#${ref.number}` : `${ref.owner.toLowerCase()}/${ref.repo.toLowerCase()}#${ref.number}`;
}

/** GitHub matches owner and repository names case-insensitively. */
export function isSameRepository(a: Pick<IssueRef, "owner" | "repo">, b: Pick<IssueRef, "owner" | "repo">): boolean {
  return a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase();
}

function findLeadingReference(text: string, item: ListItem, home: HomeRepository): IssueRef | null {
  const first = item.children[0] as Nodes | undefined;
  const range = first?.type === "paragraph" ? findNodeRange(first) : null;
  if (!range) return null;
  // The paragraph's range may begin at the checkbox itself, depending on what follows it.
  const own = text.slice(range.start, range.end).replace(/^\s*\[[ xX]\][ \t]+/, "");
  // GitHub renders `[#12](…)` and `<…/issues/12>` as links; the reference inside is what counts.
  const unwrapped = own.replace(/^(?:\[|<)/, "");
  const match = new RegExp(REFERENCE.source).exec(unwrapped);
  return match && match.index === 0 ? toRef(match, home) : null;
}

function toRef(match: RegExpMatchArray, home: HomeRepository): IssueRef | null {
  if (match[3] !== undefined) {
    const number = Number(match[3]);
    return number > 0 ? { owner: match[1] ?? home.owner, repo: match[2] ?? home.repo, number } : null;
  }
  const origin = match[4] as string;
  let homeOrigin: string;
  try {
    homeOrigin = new URL(home.htmlUrl).origin;
  } catch {
    return null;
  }
  // A link to another GitHub is not an issue this app can read.
  if (origin.toLowerCase() !== homeOrigin.toLowerCase()) return null;
  const number = Number(match[7]);
  return number > 0 ? { owner: match[5] as string, repo: match[6] as string, number } : null;
}

function uniqueRefs(refs: readonly IssueRef[]): IssueRef[] {
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = `${ref.owner.toLowerCase()}/${ref.repo.toLowerCase()}#${ref.number}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
