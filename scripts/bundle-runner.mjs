#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

/**
 * Bundles the runner (src/cli/runner-main.ts and all it imports, node_modules included)
 * into one ESM file, dist/runner/hamster-runner.mjs, which the app serves to runners on
 * GitHub Actions: a job downloads it and runs it with the Node the workflow set up,
 * with no npm install. It must never need a native module, so the build fails if
 * better-sqlite3 or Probot (the app's side) would be in it.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const RUNNER_ENTRY = join(ROOT, "src/cli/runner-main.ts");
export const RUNNER_BUNDLE = join(ROOT, "dist/runner/hamster-runner.mjs");

/** Packages the runner must not carry: native, or the app's server side. */
export const FORBIDDEN_PACKAGES = ["better-sqlite3", "probot"];

/**
 * Some dependencies are CommonJS and call require() for Node's modules; an ES module has
 * no require, so the bundle makes one first.
 */
const BANNER = 'import { createRequire as __hamsterCreateRequire } from "node:module";\nconst require = __hamsterCreateRequire(import.meta.url);';

/**
 * The forbidden packages an esbuild metafile's inputs come from, each with one input that
 * shows it, sorted by package; empty when there are none.
 */
export function findForbiddenInputs(metafile, forbidden = FORBIDDEN_PACKAGES) {
  const found = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const name = readPackageName(input);
    if (name !== undefined && forbidden.includes(name) && !found.has(name)) found.set(name, input);
  }
  return [...found].sort(([a], [b]) => a.localeCompare(b)).map(([name, input]) => ({ name, input }));
}

/** The package a bundled file belongs to (the last node_modules/ in its path wins), or undefined. */
function readPackageName(input) {
  const parts = input.replace(/\\/g, "/").split("/");
  const at = parts.lastIndexOf("node_modules");
  if (at === -1 || at + 1 >= parts.length) return undefined;
  const first = parts[at + 1];
  return first.startsWith("@") && at + 2 < parts.length ? `${first}/${parts[at + 2]}` : first;
}

/** Builds the bundle; throws, writing nothing, when a forbidden package would be in it. */
export async function bundleRunner({ entry = RUNNER_ENTRY, outfile = RUNNER_BUNDLE } = {}) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    banner: { js: BANNER },
    metafile: true,
    write: false,
    outfile,
    logLevel: "warning",
    legalComments: "none",
  });
  const forbidden = findForbiddenInputs(result.metafile);
  if (forbidden.length > 0) {
    const list = forbidden.map(({ name, input }) => `${name} (through ${input})`).join(", ");
    throw new Error(`The runner bundle would include ${list}. The runner must not import the app's server side or a native module; see what imports it from ${relative(ROOT, entry)}.`);
  }
  await mkdir(dirname(outfile), { recursive: true });
  for (const file of result.outputFiles) await writeFile(file.path, file.contents);
  return { outfile, bytes: result.outputFiles.reduce((sum, file) => sum + file.contents.length, 0) };
}

// Run when executed (`node scripts/bundle-runner.mjs`), not when imported by the tests.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  try {
    const { outfile, bytes } = await bundleRunner();
    console.log(`Bundled the runner: ${relative(ROOT, outfile)} (${Math.round(bytes / 1024)} KiB)`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
