import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bundleRunner, findForbiddenInputs, RUNNER_BUNDLE } from "../../scripts/bundle-runner.mjs";

/** The bundled runner, built once for all tests by test/global-setup.ts as `npm run build` does. */

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hamster-bundle-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the bundle with this Node, from an empty directory (no node_modules to fall back on). */
function runBundle(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER_BUNDLE, ...args], { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stderr }));
  });
}

describe("the runner bundle", () => {
  it("is one file in dist/runner that runs `runner --help`", async () => {
    expect(RUNNER_BUNDLE).toBe(fileURLToPath(new URL("../../dist/runner/hamster-runner.mjs", import.meta.url)));
    const { code, stderr } = await runBundle(["runner", "--help"], { PATH: process.env["PATH"] ?? "" });
    expect(code).toBe(0);
    expect(stderr).toContain("hamster runner --url URL [--model-url URL] [--workdir DIR]");
  });

  it("refuses a command line that is not `runner …`", async () => {
    const { code, stderr } = await runBundle(["run", "--repo", "."], { PATH: process.env["PATH"] ?? "" });
    expect(code).toBe(2);
    expect(stderr).toContain("Usage:");
  });

  it("logs through pino when the app refuses its job", async () => {
    // An app that knows no credential: the runner's first request is refused, not retried.
    const app = createServer((_request, response) => response.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "unknown credential" })));
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
      const env = { PATH: process.env["PATH"] ?? "", HOME: dir, HAMSTER_SANDBOX: "off", HAMSTER_RUN_CREDENTIAL: "hmr_bundle_test" };
      const { code, stderr } = await runBundle(["runner", "--url", url], env);
      expect(code).toBe(1);
      const line = stderr.split("\n").find((text) => text.startsWith("{"));
      expect(JSON.parse(line ?? "{}")).toMatchObject({
        level: 50,
        msg: "the runner could not run its job",
        err: { type: "ProtocolError", message: expect.stringContaining("HTTP 401: unknown credential") },
      });
    } finally {
      app.closeAllConnections();
      await new Promise<void>((resolve) => app.close(() => resolve()));
    }
  });
});

describe("bundleRunner", () => {
  it("finds the app's native and server-side packages among a metafile's inputs", () => {
    const metafile = {
      inputs: {
        "src/cli/runner-main.ts": {},
        "node_modules/pino/pino.js": {},
        "node_modules/better-sqlite3/lib/index.js": {},
        "node_modules/better-sqlite3/lib/database.js": {},
        "../main/node_modules/probot/lib/index.js": {},
        "node_modules/@octokit/core/dist-src/index.js": {},
        "node_modules/not-better-sqlite3/index.js": {},
      },
    };
    expect(findForbiddenInputs(metafile)).toEqual([
      { name: "better-sqlite3", input: "node_modules/better-sqlite3/lib/index.js" },
      { name: "probot", input: "../main/node_modules/probot/lib/index.js" },
    ]);
    expect(findForbiddenInputs(metafile, ["@octokit/core"])).toEqual([{ name: "@octokit/core", input: "node_modules/@octokit/core/dist-src/index.js" }]);
    expect(findForbiddenInputs({ inputs: { "node_modules/pino/pino.js": {}, "src/runner/run-job.ts": {} } })).toEqual([]);
  });

  it("fails, writing nothing, when better-sqlite3 would be in the bundle", async () => {
    const outfile = join(dir, "hamster-runner.mjs");
    const entry = fileURLToPath(new URL("./fixtures/runner-with-sqlite.ts", import.meta.url));
    await expect(bundleRunner({ entry, outfile })).rejects.toThrow(/would include better-sqlite3 \(through .*better-sqlite3\//);
    expect(existsSync(outfile)).toBe(false);
  });
});
