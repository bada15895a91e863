/** Result of checking a branch name: the name itself when valid, otherwise why not. */
export type BranchNameParse = { ok: true; value: string } | { ok: false; reason: string };

/** Our own bound, stricter than git's: long names break file systems and UIs before git. */
export const MAX_BRANCH_NAME_BYTES = 255;

/**
 * Checks a branch name by the rules of `git check-ref-format --branch`, without running
 * git, so that user input is rejected before it reaches any git command line. Adds one
 * bound of our own (at most 255 UTF-8 bytes). Also rejects `@` alone, which git's
 * `--branch` form lets through although `@` means HEAD everywhere else.
 */
export function parseBranchName(name: string): BranchNameParse {
  const reason = findBranchNameProblem(name);
  return reason === null ? { ok: true, value: name } : { ok: false, reason };
}

const FORBIDDEN_CHARACTERS = ["~", "^", ":", "?", "*", "[", "\\"] as const;

function findBranchNameProblem(name: string): string | null {
  if (name.length === 0) return "branch names cannot be empty";
  const bytes = Buffer.byteLength(name, "utf8");
  if (bytes > MAX_BRANCH_NAME_BYTES) {
    return `branch names can be at most ${MAX_BRANCH_NAME_BYTES} bytes long (this one is ${bytes})`;
  }
  // A lone surrogate cannot be encoded as UTF-8; git would see a replacement character instead.
  if (/\p{Cs}/u.test(name)) return "branch names must be valid Unicode text";
  for (const character of name) {
    const code = character.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) {
      return `branch names cannot contain control characters (found U+${code.toString(16).toUpperCase().padStart(4, "0")})`;
    }
  }
  if (name.includes(" ")) return "branch names cannot contain spaces";
  for (const character of FORBIDDEN_CHARACTERS) {
    if (name.includes(character)) return `branch names cannot contain "${character}"`;
  }
  if (name.includes("..")) return 'branch names cannot contain ".."';
  if (name.includes("@{")) return 'branch names cannot contain "@{"';
  if (name === "@") return 'a branch cannot be named "@"';
  // git refuses this one for --branch: "HEAD" as a branch would shadow the real HEAD.
  if (name === "HEAD") return 'a branch cannot be named "HEAD"';
  // A leading "-" would be read as an option by any git command the name is passed to.
  if (name.startsWith("-")) return 'branch names cannot start with "-"';
  if (name.startsWith("/")) return 'branch names cannot start with "/"';
  if (name.endsWith("/")) return 'branch names cannot end with "/"';
  if (name.endsWith(".")) return 'branch names cannot end with "."';
  if (name.includes("//")) return 'branch names cannot contain "//"';
  for (const component of name.split("/")) {
    if (component.startsWith(".")) return 'no part of a branch name (between "/") can start with "."';
    if (component.endsWith(".lock")) return 'no part of a branch name (between "/") can end with ".lock"';
  }
  return null;
}
