import { appendFile, lstat, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { ZERO_USAGE } from "../../domain/usage.js";
import { AgentError } from "../provider.js";
import { TASK_FILE_NAME } from "./task-file.js";

/**
 * Adds `patterns` to the checkout's `.git/info/exclude`, so `git add --all` never stages
 * the task file or the CLI's own files. Refuses a `.git` that is not a real directory:
 * writing through a link could edit some other repository.
 */
export async function ensureExcluded(workdir: string, patterns: readonly string[]): Promise<void> {
  const gitDir = path.join(workdir, ".git");
  const gitStats = await lstat(gitDir).catch(() => null);
  if (!gitStats?.isDirectory()) {
    throw new AgentError(
      `${workdir} is not a git checkout with a .git directory, so Hamster cannot keep ${TASK_FILE_NAME} out of the commit.`,
      "unavailable",
      ZERO_USAGE,
    );
  }
  const infoDir = path.join(gitDir, "info");
  await mkdir(infoDir, { recursive: true });
  const excludeFile = path.join(infoDir, "exclude");
  const current = await readExcludeFile(excludeFile);
  const lines = new Set(current.split(/\r?\n/));
  const missing = patterns.filter((pattern) => !lines.has(pattern));
  if (missing.length === 0) return;
  const separator = current === "" || current.endsWith("\n") ? "" : "\n";
  await appendFile(excludeFile, `${separator}${missing.join("\n")}\n`, "utf8");
}

/** A checkout without an exclude file yet has nothing excluded. */
function readExcludeFile(excludeFile: string): Promise<string> {
  return readFile(excludeFile, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
}
