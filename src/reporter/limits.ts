/** GitHub refuses (422) a comment body or a check-run output field above this many characters. */
export const GITHUB_TEXT_LIMIT = 65_535;

/** Cuts `text` to GitHub's limit, saying so, instead of letting the API refuse it. */
export function truncateForGitHub(text: string, limit = GITHUB_TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  const note = `\n\n… (truncated: ${text.length - limit} more characters were cut to fit GitHub's limit)`;
  return text.slice(0, limit - note.length) + note;
}
