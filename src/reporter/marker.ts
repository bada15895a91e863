/**
 * Hidden markers let the app find what it wrote earlier (its status comment, its PR body,
 * its `/runs` list) without trusting anything else in the text. One render/parse pair per
 * key, round-tripped in tests.
 */

/** Markers of what the app writes once per run. */
export type MarkerKind = "status" | "pr";

/** Markers of what the app writes once per issue, whatever the run: the `/runs` list, a brief's plan table. */
export type IssueMarkerKind = "runs" | "plan";

export function renderMarker(kind: MarkerKind, runId: number): string {
  return `<!-- hamster:${kind} run=${runId} -->`;
}

export function parseMarker(text: string): { kind: MarkerKind; runId: number } | null {
  const match = /<!-- hamster:(status|pr) run=(\d{1,15}) -->/.exec(text);
  if (!match) return null;
  return { kind: match[1] as MarkerKind, runId: Number(match[2]) };
}

export function renderIssueMarker(kind: IssueMarkerKind, issueNumber: number): string {
  return `<!-- hamster:${kind} issue=${issueNumber} -->`;
}

export function parseIssueMarker(text: string): { kind: IssueMarkerKind; issueNumber: number } | null {
  const match = /<!-- hamster:(runs|plan) issue=(\d{1,15}) -->/.exec(text);
  if (!match) return null;
  return { kind: match[1] as IssueMarkerKind, issueNumber: Number(match[2]) };
}
