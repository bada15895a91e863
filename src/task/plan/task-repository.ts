import { findHiddenRanges, isInRanges, normalizeLineEndings, parseMarkdown } from "../../markdown/parse-markdown.js";

/**
 * `repo: owner/name` on a line of its own in a brief's task: that task's code is delivered in
 * that repository (of the same installation), as `repo=` does on `/deliver`. Written like a
 * `Depends on` line: a list marker and bold around the key are allowed, the key's case is not
 * significant, and a line in a code block, a quote or an HTML comment does not count.
 */
export interface TaskRepository {
  readonly owner: string;
  readonly repo: string;
}

export type TaskRepositoryParse =
  | { readonly ok: true; readonly repository: TaskRepository | null }
  | { readonly ok: false; readonly problem: string };

const REPO_LINE = /^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?repo(?:\*\*|__)?[ \t]*:(?:\*\*|__)?[ \t]*(\S*)[ \t]*$/i;
const FULL_NAME = /^`?([A-Za-z0-9][A-Za-z0-9_-]{0,38})\/([A-Za-z0-9._-]{1,100})`?$/;

/** The repository a task's body names, null when it names none; two different ones, or a malformed name, is a problem. */
export function parseTaskRepository(body: string | null): TaskRepositoryParse {
  const text = normalizeLineEndings(body ?? "");
  if (!/repo/i.test(text)) return { ok: true, repository: null };
  const hidden = findHiddenRanges(parseMarkdown(text));
  const found: TaskRepository[] = [];
  let offset = 0;
  for (const line of text.split("\n")) {
    const start = offset;
    offset += line.length + 1;
    const match = REPO_LINE.exec(line);
    if (!match || isInRanges(start, hidden)) continue;
    const name = FULL_NAME.exec(match[1] ?? "");
    if (!name) return { ok: false, problem: `\`${line.trim()}\` does not name a repository as \`repo: owner/name\`` };
    found.push({ owner: name[1]!, repo: name[2]! });
  }
  // GitHub's names ignore case: the first spelling stands.
  const distinct = found.filter((r, i) => found.findIndex((f) => `${f.owner}/${f.repo}`.toLowerCase() === `${r.owner}/${r.repo}`.toLowerCase()) === i);
  if (distinct.length > 1) return { ok: false, problem: `it names ${distinct.length} repositories (${distinct.map((r) => `${r.owner}/${r.repo}`).join(", ")}); a task's code is in one` };
  return { ok: true, repository: distinct[0] ?? null };
}
