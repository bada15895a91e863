/**
 * Hidden markers let the app find what it wrote earlier (its status comment, its PR body)
 * without trusting anything else in the text. One render/parse pair, round-tripped in tests.
 */
export type MarkerKind = "status" | "pr";

export function renderMarker(kind: MarkerKind, runId: number): string {
  return `<!-- hamster:${kind} run=${runId} -->`;
}

export function parseMarker(text: string): { kind: MarkerKind; runId: number } | null {
  const match = /<!-- hamster:(status|pr) run=(\d{1,15}) -->/.exec(text);
  if (!match) return null;
  return { kind: match[1] as MarkerKind, runId: Number(match[2]) };
}
