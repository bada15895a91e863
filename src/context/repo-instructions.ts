import { resolveInWorkdir } from "../workspace/path-guard.js";
import { normalizeLineEndings } from "../markdown/parse-markdown.js";
import { removeInvisibleCharacters } from "../task/parse-task.js";
import { bytesForChars, capText, readTextFile } from "./read-text-file.js";

/** The files agents conventionally read for a repository's own rules, in the order they are given. */
export const REPO_INSTRUCTION_FILES = ["AGENTS.md", "CLAUDE.md", ".github/copilot-instructions.md"] as const;
export const MAX_INSTRUCTIONS_CHARS = 20_000;

export interface RepoInstructions {
  readonly path: string;
  readonly text: string;
}

/**
 * The repository's instructions for coding agents, as found in the checkout. A file that
 * is missing, empty, not a regular file, or a symbolic link leading outside the checkout
 * is left out; each is cut at 20,000 characters with a note saying so.
 */
export async function readRepoInstructions(workdir: string): Promise<RepoInstructions[]> {
  const found: RepoInstructions[] = [];
  // CLAUDE.md is often a link to AGENTS.md: the same text twice would only cost tokens.
  const seen = new Set<string>();
  for (const relative of REPO_INSTRUCTION_FILES) {
    const resolved = resolveInWorkdir(workdir, relative);
    if (!resolved.ok || seen.has(resolved.path)) continue;
    // The guard resolved every link; refusing one at the last step now stops a swap after the check.
    const read = await readTextFile(resolved.path, { maxBytes: bytesForChars(MAX_INSTRUCTIONS_CHARS), noFollow: true });
    if (!read.ok) continue;
    const text = removeInvisibleCharacters(normalizeLineEndings(read.text)).trim();
    if (text === "") continue;
    seen.add(resolved.path);
    const note = `[${relative} is cut off here: it is longer than ${MAX_INSTRUCTIONS_CHARS.toLocaleString("en-US")} characters. Read the rest from the file if you need it.]`;
    found.push({ path: relative, text: capText(text, MAX_INSTRUCTIONS_CHARS, note, read.truncated) });
  }
  return found;
}
