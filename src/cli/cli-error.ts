import type { Writable } from "node:stream";
import { SettingsError } from "../config/env.js";

/** A problem with the command line or its inputs, said to the user as is. */
export class CliError extends Error {
  override readonly name = "CliError";
}

/** Whether node:util's parseArgs refused the command line (an unknown option, a missing value). */
export function isParseArgsError(error: unknown): error is TypeError {
  return error instanceof TypeError && "code" in error && String((error as { code: unknown }).code).startsWith("ERR_PARSE_ARGS");
}

/**
 * Says a command-line error on `err` and returns exit code 2: a CliError or SettingsError as
 * is, a refused option followed by `usage`. Anything else is not the user's to fix: rethrown.
 */
export function reportUsageError(error: unknown, err: Writable, usage: string): number {
  if (error instanceof CliError || error instanceof SettingsError) {
    err.write(`${error.message}\n`);
    return 2;
  }
  if (isParseArgsError(error)) {
    err.write(`${error.message}\n\n${usage}\n`);
    return 2;
  }
  throw error;
}
