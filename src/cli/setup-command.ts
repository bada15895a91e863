import type { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { DEFAULT_WORKFLOW_PATH } from "../domain/actions-workflow.js";
import { renderWorkflowTemplate, WorkflowTemplateError } from "../executors/actions/workflow-template.js";
import { CliError } from "./cli-error.js";

export const SETUP_USAGE = `Usage:
  hamster setup actions > ${DEFAULT_WORKFLOW_PATH}

Prints the GitHub Actions workflow that runs Hamster's runs on a repository's own Actions
runners, for the app at HAMSTER_PUBLIC_URL (the address GitHub's runners reach it at).
Commit it as ${DEFAULT_WORKFLOW_PATH}, and edit only its setup section. Commenting
"/hamster setup actions" on an issue opens a pull request with the same file.`;

/** `hamster setup`: returns the exit code; a usage problem is a CliError. */
export function runSetupCommand(args: readonly string[], io: { out: Writable; err: Writable; env: NodeJS.ProcessEnv }): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { help: { type: "boolean", short: "h" } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.out.write(`${SETUP_USAGE}\n`);
    return 0;
  }
  const [target, ...extra] = positionals;
  if (target !== "actions" || extra.length > 0) {
    const got = positionals.length === 0 ? "nothing" : `"${positionals.join(" ")}"`;
    throw new CliError(`hamster setup sets up "actions", got ${got}.\n\n${SETUP_USAGE}`);
  }
  const publicUrl = io.env["HAMSTER_PUBLIC_URL"];
  if (!publicUrl) {
    throw new CliError(
      `hamster setup actions needs HAMSTER_PUBLIC_URL: set it to the app's public address, the one GitHub's runners reach, e.g.\n` +
        `  HAMSTER_PUBLIC_URL=https://hamster.example.com hamster setup actions > ${DEFAULT_WORKFLOW_PATH}`,
    );
  }
  try {
    io.out.write(renderWorkflowTemplate({ publicUrl }));
  } catch (error) {
    if (error instanceof WorkflowTemplateError) throw new CliError(`HAMSTER_PUBLIC_URL: ${error.message}`);
    throw error;
  }
  return 0;
}
