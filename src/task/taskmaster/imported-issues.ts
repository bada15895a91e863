import type { BriefIssue } from "../plan/brief-plan.js";
import { isSameRepository, parseTaskListReferences, type HomeRepository } from "../plan/issue-references.js";
import { parseTaskMarker } from "./render-task-issue.js";

/**
 * The brief's issues that an earlier import of `tag` created, by Task Master task id: the
 * first issue carrying each task's marker, so importing again updates it instead of
 * opening another.
 */
export function findImportedIssues(tasks: readonly BriefIssue[], tag: string): Map<string, BriefIssue> {
  const found = new Map<string, BriefIssue>();
  for (const issue of tasks) {
    const marker = parseTaskMarker(issue.body);
    if (marker && marker.tag === tag && !found.has(marker.id)) found.set(marker.id, issue);
  }
  return found;
}

/**
 * The brief's body with a task-list item (`- [ ] #N`) added for each issue it does not list
 * yet, after what is there; null when it lists them all. For GitHub without sub-issues,
 * where the task list is what makes an issue a task of the brief.
 */
export function renderBriefTaskList(body: string | null, numbers: readonly number[], home: HomeRepository): string | null {
  const listed = new Set(parseTaskListReferences(body, home).filter((ref) => isSameRepository(ref, home)).map((ref) => ref.number));
  const missing = [...new Set(numbers)].filter((n) => !listed.has(n));
  if (missing.length === 0) return null;
  const text = (body ?? "").replace(/\s+$/, "");
  const items = missing.map((n) => `- [ ] #${n}`).join("\n");
  return text === "" ? `${items}\n` : `${text}\n\n${items}\n`;
}

/** The same text as GitHub may give it back: LF line endings, no trailing whitespace. */
export function normalizeIssueText(text: string | null): string {
  return (text ?? "").replace(/\r\n?/g, "\n").replace(/\s+$/, "");
}
