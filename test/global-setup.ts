import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { probeSandbox } from "../src/sandbox/check-sandbox.js";

/**
 * Runs once before any test file. Many tests run real commands in the real sandbox (and curl
 * through its egress proxy); without those tools they would fail by the dozen, each with an
 * error that does not name the cause. So the run stops here instead, with one message that does.
 */

/** Commands the tests run, and the Debian package each comes in. */
export const REQUIRED_COMMANDS: readonly { readonly command: string; readonly apt: string }[] = [
  { command: "bwrap", apt: "bubblewrap" },
  { command: "prlimit", apt: "util-linux" },
  { command: "curl", apt: "curl" },
  { command: "git", apt: "git" },
];

function isOnPath(command: string, searchPath: string): boolean {
  return searchPath
    .split(path.delimiter)
    .filter((dir) => dir !== "")
    .some((dir) => {
      try {
        accessSync(path.join(dir, command), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** What keeps the tests from running on this machine, in one message; undefined when nothing does. */
export async function findMissingRequirements(searchPath: string): Promise<string | undefined> {
  const missing = REQUIRED_COMMANDS.filter(({ command }) => !isOnPath(command, searchPath));
  if (missing.length > 0) {
    const names = missing.map(({ command }) => `\`${command}\``).join(", ");
    const packages = [...new Set(missing.map(({ apt }) => apt))].join(" ");
    return `The tests need ${names} on PATH, which this machine lacks. Install ${missing.length > 1 ? "them" : "it"} with \`apt-get install ${packages}\` (as root), then run the tests again.`;
  }
  const sandbox = await probeSandbox({ env: { PATH: searchPath } });
  if (!sandbox.ok) {
    return `The tests run commands in the real bubblewrap sandbox, and no sandbox can start on this machine (HAMSTER_SANDBOX=off does not apply to the tests). The app's own check says: ${sandbox.reason}`;
  }
  return undefined;
}

export default async function setup(): Promise<void> {
  const problem = (await findMissingRequirements(process.env["PATH"] ?? "")) ?? buildApp();
  if (!problem) return;
  // Exits rather than throws: vitest would bury a thrown error under "No test files found".
  console.error(`\n${problem}\n`);
  process.exit(1);
}

/**
 * Compiles the app to dist/ once, before any test, and bundles the runner
 * (dist/runner/hamster-runner.mjs) as `npm run build` does: the tests that start
 * `npm start`, `hamster run`, a runner process or the bundled runner use them, and two of
 * them building at once could let a process read a file while it is being written.
 */
function buildApp(): string | undefined {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const steps = [
    { what: "The app did not compile (tsc -p tsconfig.build.json)", args: [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"] },
    { what: "The runner could not be bundled (node scripts/bundle-runner.mjs)", args: [path.join(root, "scripts/bundle-runner.mjs")] },
  ];
  for (const { what, args } of steps) {
    const build = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: 300_000 });
    if (build.status !== 0) return `${what}:\n${build.stdout}${build.stderr}`;
  }
  return undefined;
}
