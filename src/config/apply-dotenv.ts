import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";

/**
 * Loads `.env` from the working directory into `env` the way Probot's `run()` does (the
 * file's values win), but before the app reads its own settings: otherwise HAMSTER_*,
 * ANTHROPIC_* and the logging variables of `.env` would be read too late and ignored.
 */
export function applyDotEnv(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): void {
  let text: string;
  try {
    text = readFileSync(join(cwd, ".env"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  Object.assign(env, parseEnv(text));
}
