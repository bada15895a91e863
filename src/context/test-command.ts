import path from "node:path";
import { readTextFile } from "./read-text-file.js";

// Manifests are small; a bigger file is not one a human wrote, and is not worth parsing.
const MAX_MANIFEST_BYTES = 1024 * 1024;

// What `npm init` writes when there are no tests: running it can only fail.
const NPM_PLACEHOLDER = /no test specified/i;

/**
 * Guesses the command that runs the repository's tests from the files at its root, for
 * when `.github/hamster.yml` names none. Ecosystems are tried in a fixed order (npm, make,
 * pytest, cargo, go); unreadable or malformed files are skipped, never thrown.
 */
export async function discoverTestCommand(workdir: string): Promise<string | undefined> {
  return (
    (await findNodeTestCommand(workdir)) ??
    (await findMakeTestCommand(workdir)) ??
    (await findPytestCommand(workdir)) ??
    ((await isTextFile(workdir, "Cargo.toml")) ? "cargo test" : undefined) ??
    ((await isTextFile(workdir, "go.mod")) ? "go test ./..." : undefined)
  );
}

async function findNodeTestCommand(workdir: string): Promise<string | undefined> {
  const text = await readManifest(workdir, "package.json");
  if (text === undefined) return undefined;
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(manifest) || !isRecord(manifest.scripts)) return undefined;
  const test = manifest.scripts.test;
  if (typeof test !== "string" || test.trim() === "" || NPM_PLACEHOLDER.test(test)) return undefined;

  // The lockfile says which client the project uses; its test script may rely on it.
  if (await isTextFile(workdir, "pnpm-lock.yaml")) return "pnpm test";
  if (await isTextFile(workdir, "yarn.lock")) return "yarn test";
  return "npm test";
}

// GNU make reads the first of these it finds, so only that one counts.
const MAKEFILE_NAMES = ["GNUmakefile", "makefile", "Makefile"] as const;
// A rule line: targets, then ":" or "::" that is not an assignment (":=", "::=").
const RULE_LINE = /^([^\t#:=][^#:=]*?)::?(?![:=])/;

async function findMakeTestCommand(workdir: string): Promise<string | undefined> {
  for (const name of MAKEFILE_NAMES) {
    const text = await readManifest(workdir, name);
    if (text === undefined) continue;
    const hasTestTarget = text.split(/\r?\n/).some((line) => {
      const match = RULE_LINE.exec(line);
      return match?.[1]?.trim().split(/\s+/).includes("test") ?? false;
    });
    return hasTestTarget ? "make test" : undefined;
  }
  return undefined;
}

async function findPytestCommand(workdir: string): Promise<string | undefined> {
  // pytest.ini configures pytest by its very name, even when empty.
  if (await isTextFile(workdir, "pytest.ini")) return "python -m pytest";
  for (const name of ["pyproject.toml", "setup.cfg"]) {
    const text = await readManifest(workdir, name);
    if (text !== undefined && /\bpytest\b/.test(text)) return "python -m pytest";
  }
  return undefined;
}

async function readManifest(workdir: string, name: string): Promise<string | undefined> {
  const read = await readTextFile(path.join(workdir, name), { maxBytes: MAX_MANIFEST_BYTES });
  return read.ok && !read.truncated ? read.text : undefined;
}

async function isTextFile(workdir: string, name: string): Promise<boolean> {
  // Reading a little, rather than a stat, also skips files that exist but cannot be read.
  const read = await readTextFile(path.join(workdir, name), { maxBytes: 64 });
  return read.ok;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
