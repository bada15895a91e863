import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The runner as one file (dist/runner/hamster-runner.mjs, made by `npm run build`), which
 * the app serves to runners on GitHub Actions; its sha256 goes to the job separately, so
 * the job can check what it downloaded before running it.
 */

export interface RunnerBundle {
  readonly path: string;
  /** Hex sha256 of the file's bytes. */
  readonly sha256: string;
  readonly bytes: number;
}

/** The bundle is not there: the app was started without `npm run build`. */
export class RunnerBundleMissing extends Error {
  override readonly name = "RunnerBundleMissing";
  constructor(readonly path: string) {
    super(`The runner bundle ${path} does not exist, so no runner on GitHub Actions can start. An admin builds it with \`npm run build\` in the app's directory, then restarts the app.`);
  }
}

/**
 * Where `npm run build` puts the bundle: dist/runner/ of the project, whether this module
 * runs compiled (dist/src/runner/) or from its TypeScript source (the tests).
 */
export function resolveRunnerBundle(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith(".ts") ? resolve(dirname(here), "../../dist/runner/hamster-runner.mjs") : resolve(dirname(here), "../../runner/hamster-runner.mjs");
}

/** Reads the bundle once through: its size and sha256. Throws RunnerBundleMissing when there is none. */
export async function loadRunnerBundle(path: string = resolveRunnerBundle()): Promise<RunnerBundle> {
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new RunnerBundleMissing(path);
    throw error;
  }
  return { path, sha256: hash.digest("hex"), bytes };
}
