import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadRunnerBundle, resolveRunnerBundle, RunnerBundleMissing } from "../../src/runner/runner-bundle.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hamster-bundle-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadRunnerBundle", () => {
  it("states the bundle's size and sha256", async () => {
    const file = join(dir, "hamster-runner.mjs");
    // Larger than one read of a file stream (64 KiB), so the hash covers every chunk.
    const content = Buffer.from("export const x = 1;\n".repeat(10_000));
    await writeFile(file, content);
    expect(await loadRunnerBundle(file)).toEqual({ path: file, sha256: createHash("sha256").update(content).digest("hex"), bytes: content.length });
  });

  it("tells the admin to build the app when the bundle is missing", async () => {
    const missing = join(dir, "dist", "runner", "hamster-runner.mjs");
    const error = await loadRunnerBundle(missing).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RunnerBundleMissing);
    expect((error as RunnerBundleMissing).path).toBe(missing);
    expect((error as Error).message).toMatch(/npm run build/);
  });

  it("finds the bundle `npm run build` makes, in the project's dist/runner", async () => {
    // test/global-setup.ts built it.
    const built = fileURLToPath(new URL("../../dist/runner/hamster-runner.mjs", import.meta.url));
    expect(resolveRunnerBundle()).toBe(built);
    const bundle = await loadRunnerBundle();
    expect(bundle.path).toBe(built);
    expect(bundle.sha256).toBe(createHash("sha256").update(await readFile(built)).digest("hex"));
  });
});
