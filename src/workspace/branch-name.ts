/** Every branch the app creates lives under this prefix, so ours are told apart from the user's. */
export const WORK_BRANCH_PREFIX = "hamster/";

/** Longest slug; keeps branch names readable in GitHub's UI and far below git's limits. */
export const MAX_SLUG_LENGTH = 48;

const FALLBACK_SLUG = "task";

/**
 * The branch a run works on: `hamster/<issueNumber>-<slug of title>`.
 * Issue number 0 is allowed because local runs have no issue.
 */
export function renderWorkBranch(issueNumber: number, title: string): string {
  if (!Number.isSafeInteger(issueNumber) || issueNumber < 0) {
    throw new RangeError(`issue number must be a non-negative integer, got ${issueNumber}`);
  }
  return `${WORK_BRANCH_PREFIX}${issueNumber}-${renderSlug(title)}`;
}

/** The ASCII slug of a title: `Fix: Ünïcode titles!` → `fix-unicode-titles`. */
export function renderSlug(title: string): string {
  const slug = trimDashes(
    title
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-"),
  );
  if (slug.length <= MAX_SLUG_LENGTH) return slug || FALLBACK_SLUG;
  // Cut between words when possible; position MAX_SLUG_LENGTH itself counts, as a "-"
  // there means the first 48 characters end on a whole word.
  const lastDash = slug.lastIndexOf("-", MAX_SLUG_LENGTH);
  const cut = lastDash > 0 ? slug.slice(0, lastDash) : slug.slice(0, MAX_SLUG_LENGTH);
  return trimDashes(cut) || FALLBACK_SLUG;
}

const WORK_BRANCH = /^hamster\/(0|[1-9][0-9]*)-([a-z0-9]+(?:-[a-z0-9]+)*)$/;

/** The inverse of `renderWorkBranch`; null for any name the app would not have rendered. */
export function parseWorkBranch(name: string): { issueNumber: number; slug: string } | null {
  const match = WORK_BRANCH.exec(name);
  if (!match) return null;
  const [, digits = "", slug = ""] = match;
  const issueNumber = Number(digits);
  if (!Number.isSafeInteger(issueNumber) || slug.length > MAX_SLUG_LENGTH) return null;
  return { issueNumber, slug };
}

function trimDashes(text: string): string {
  return text.replace(/^-+|-+$/g, "");
}
