/**
 * Shortens a tool result to at most about `maxChars` characters, keeping its head and its
 * tail: the start of an output says what ran, the end says how it ended (the failing test,
 * the exit code), and the middle is what a model can most easily do without. Cuts fall on
 * line breaks when one is near, so numbered lines stay whole.
 */
export function capOutput(text: string, maxChars: number, hint?: string): string {
  if (text.length <= maxChars) return text;
  const headMax = Math.ceil(Math.max(maxChars, 2) / 2);
  const tailMax = Math.floor(Math.max(maxChars, 2) / 2);

  let headEnd = headMax;
  const lastBreak = text.lastIndexOf("\n", headMax);
  // Snap to a line break only within the outer half of each part: one huge line must still show something.
  if (lastBreak > headMax / 2) headEnd = lastBreak;
  let tailStart = text.length - tailMax;
  const nextBreak = text.indexOf("\n", tailStart);
  if (nextBreak !== -1 && nextBreak < tailStart + tailMax / 2) tailStart = nextBreak + 1;

  const elided = tailStart - headEnd;
  const note = hint === undefined ? `[... ${elided} characters elided ...]` : `[... ${elided} characters elided; ${hint} ...]`;
  return `${text.slice(0, headEnd)}\n${note}\n${text.slice(tailStart)}`;
}
