#!/usr/bin/env node
import { reportUsageError } from "./cli-error.js";
import { RUNNER_USAGE, runRunnerCommand } from "./runner-command.js";

/**
 * The runner's own entry point: `hamster-runner.mjs runner --url URL …` does what
 * `hamster runner …` does. It is bundled into the one file an Actions job downloads from
 * the app (dist/runner/hamster-runner.mjs), so it imports only the runner's side of the
 * app: no Probot, no SQLite, nothing native.
 */
async function runRunnerMain(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== "runner") {
    process.stderr.write(`${RUNNER_USAGE}\n`);
    return 2;
  }
  try {
    return await runRunnerCommand(rest, { in: process.stdin, err: process.stderr, env: process.env });
  } catch (error) {
    return reportUsageError(error, process.stderr, RUNNER_USAGE);
  }
}

process.exitCode = await runRunnerMain(process.argv.slice(2));
