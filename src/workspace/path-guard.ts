import { lstatSync, realpathSync } from "node:fs";
import path from "node:path";

export type PathResolution = { ok: true; path: string } | { ok: false; error: string };

/**
 * Resolves a path the model asked for to a real path inside the checkout, or says why not.
 *
 * The returned path has every existing symlink resolved, so writing to it cannot follow a
 * link out of the workdir. Only the file tools use this guard: the bash tool runs arbitrary
 * commands and is confined by the process sandbox, not by path checks.
 */
export function resolveInWorkdir(workdir: string, requested: string): PathResolution {
  if (typeof requested !== "string" || requested.trim() === "") {
    return { ok: false, error: "The path is empty." };
  }
  if (requested.includes("\0")) {
    return { ok: false, error: "The path contains a NUL character." };
  }

  let realWorkdir: string;
  try {
    realWorkdir = realpathSync(workdir);
  } catch {
    return { ok: false, error: `The working directory ${workdir} does not exist.` };
  }
  const lexicalWorkdir = path.resolve(workdir);

  // Relative paths resolve against the workdir; absolute ones may name it by either its
  // given or its real path (e.g. /tmp vs /private/tmp on macOS).
  const lexical = path.resolve(lexicalWorkdir, requested);
  if (isUnderProc(lexical)) {
    return { ok: false, error: `${requested} is under /proc, which is off limits.` };
  }
  if (!isInside(lexicalWorkdir, lexical) && !isInside(realWorkdir, lexical)) {
    return { ok: false, error: `${requested} is outside the working directory ${lexicalWorkdir}; only paths inside it are allowed.` };
  }

  const real = realpathOfLongestExistingPrefix(lexical);
  if (!real.ok) {
    return { ok: false, error: `${requested}: ${real.error}` };
  }
  if (isUnderProc(real.path)) {
    return { ok: false, error: `${requested} leads under /proc, which is off limits.` };
  }
  if (!isInside(realWorkdir, real.path)) {
    return { ok: false, error: `${requested} resolves (through a symbolic link) to ${real.path}, outside the working directory.` };
  }

  // Any .git segment, not only the top one: files there (hooks, config) make git run code.
  const segments = path.relative(realWorkdir, real.path).split(path.sep);
  if (segments.some((segment) => segment.toLowerCase() === ".git")) {
    return { ok: false, error: `${requested} is inside a .git directory, which is off limits; the app commits and pushes the work itself.` };
  }
  return { ok: true, path: real.path };
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
}

function isUnderProc(p: string): boolean {
  return p === "/proc" || p.startsWith("/proc/");
}

/** realpath of the deepest part of `p` that exists, with the missing rest appended. */
function realpathOfLongestExistingPrefix(p: string): PathResolution {
  const missing: string[] = [];
  let current = p;
  for (;;) {
    try {
      const real = realpathSync(current);
      return { ok: true, path: missing.length === 0 ? real : path.join(real, ...missing.reverse()) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") {
        return { ok: false, error: `cannot resolve the path (${code ?? "unknown error"}).` };
      }
      // A dangling symlink exists but does not resolve: writing through it would create
      // its target wherever it points, so refuse rather than guess.
      if (existsAsEntry(current)) {
        return { ok: false, error: `${current} is a symbolic link whose target does not exist.` };
      }
      const parent = path.dirname(current);
      if (parent === current) {
        return { ok: false, error: "no part of the path exists." };
      }
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

function existsAsEntry(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
