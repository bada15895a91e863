#!/usr/bin/env node
import { realpathSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import pino from "pino";
import { parseSettings } from "../config/env.js";
import { CliError, reportUsageError } from "./cli-error.js";
import { runImportCommand, type ImportCommandIo } from "./import-command.js";
import { runLocal } from "./run-local.js";
import { runRunnerCommand } from "./runner-command.js";
import { runSecrets } from "./secrets.js";
import { runSetupCommand } from "./setup-command.js";

const USAGE = `Usage:
  hamster run --repo PATH --task FILE.md [--branch BRANCH] [--model MODEL] [--agent AGENT]
  hamster runner --url URL [--model-url URL] [--workdir DIR]
  hamster secrets set --installation ID --provider PROVIDER < key.txt
  hamster secrets list | delete --installation ID --provider PROVIDER | rotate
  hamster setup actions > .github/workflows/hamster.yml
  hamster import --repo OWNER/NAME --issue N [--tag TAG] FILE

Commands:
  run     Runs the delivery pipeline on a local git repository: the task comes from a
          markdown file (its first "# heading" is the title), the work is left on the
          local branch hamster/0-<slug>, and the stages are printed as they happen.
  runner  Runs one job of a Hamster app over its runner protocol, with the run
          credential from HAMSTER_RUN_CREDENTIAL or standard input. "hamster runner
          --help" tells more.
  secrets Stores agent-provider API keys per installation, encrypted with
          HAMSTER_VAULT_KEY (openssl rand -base64 32); the key is read from standard
          input, never from an argument. "hamster secrets --help" tells more.
  setup   Prints the GitHub Actions workflow that runs Hamster's runs on a repository's
          own Actions runners, for the app at HAMSTER_PUBLIC_URL. "hamster setup
          --help" tells more.
  import  Makes the tasks of a brief issue on GitHub what a Task Master tasks file on
          this machine says, as "/hamster import" does, signed in as the GitHub App
          (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH). "hamster import --help" tells more.

Environment: the same variables as the app (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL,
HAMSTER_MODEL, HAMSTER_DATA_DIR, ...). See the README.`;

/** The `hamster` command. Returns the process exit code. */
export async function main(
  argv: readonly string[],
  io: { out: Writable; err: Writable; env: NodeJS.ProcessEnv; in?: Readable; Octokit?: ImportCommandIo["Octokit"] },
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    io.out.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === "secrets") return runSecrets(rest, { in: io.in ?? process.stdin, out: io.out, err: io.err, env: io.env });
  try {
    if (command === "runner") return await runRunnerCommand(rest, { in: io.in ?? process.stdin, err: io.err, env: io.env });
    if (command === "setup") return runSetupCommand(rest, io);
    if (command === "import") return await runImportCommand(rest, io);
    if (command !== "run") throw new CliError(`Unknown command "${command}".\n\n${USAGE}`);
    const { values } = parseArgs({
      args: [...rest],
      options: {
        repo: { type: "string" },
        task: { type: "string" },
        branch: { type: "string" },
        model: { type: "string" },
        agent: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (!values.repo || !values.task) throw new CliError(`hamster run needs --repo and --task.\n\n${USAGE}`);
    const settings = parseSettings(io.env);
    // Loaded here: the app's modules (Probot and all) are not what a runner needs to start.
    const { createBuiltinAgent } = await import("../index.js");
    const controller = new AbortController();
    const onSignal = () => {
      io.err.write("Cancelling the run…\n");
      controller.abort();
    };
    process.once("SIGINT", onSignal);
    try {
      const run = await runLocal(
        {
          repo: values.repo,
          taskFile: values.task,
          ...(values.branch ? { branch: values.branch } : {}),
          ...(values.model ? { model: values.model } : {}),
          ...(values.agent ? { agent: values.agent } : {}),
        },
        {
          out: io.out,
          settings,
          log: pino({ level: io.env["LOG_LEVEL"] ?? "warn" }, io.err),
          builtinAgent: createBuiltinAgent(settings),
          env: io.env,
          signal: controller.signal,
        },
      );
      return run.state === "succeeded" ? 0 : 1;
    } finally {
      process.off("SIGINT", onSignal);
    }
  } catch (error) {
    return reportUsageError(error, io.err, USAGE);
  }
}

// Run when executed as the `hamster` binary, not when imported by tests.
// (npm links the binary: compare real paths.)
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2), { out: process.stdout, err: process.stderr, env: process.env });
}
