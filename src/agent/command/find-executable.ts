import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import path from "node:path";

/**
 * Searches `pathVariable` for an executable regular file called `name`. Empty and relative
 * PATH entries are skipped: they resolve against this process's working directory, and
 * a program found there would be whatever happens to lie in it.
 */
export async function findExecutable(name: string, pathVariable: string | undefined): Promise<string | null> {
  if (name === "" || name.includes("/") || name.includes(path.sep)) return null;
  for (const dir of (pathVariable ?? "").split(path.delimiter)) {
    if (dir === "" || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return null;
}

async function isExecutableFile(candidate: string): Promise<boolean> {
  try {
    // stat follows symlinks: npm and pipx install CLIs as links to the real script.
    if (!(await stat(candidate)).isFile()) return false;
    await access(candidate, constants.X_OK);
    return true;
  } catch {
    // Missing or not executable by this user: keep looking.
    return false;
  }
}
