import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { applyDotEnv } from "../../src/config/apply-dotenv.js";

let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

describe("applyDotEnv", () => {
  it("loads .env over the environment, as Probot does, and is quiet without one", () => {
    dir = mkdtempSync(join(tmpdir(), "hamster-dotenv-"));
    const env: NodeJS.ProcessEnv = { HAMSTER_CONCURRENCY: "2", KEEP: "me" };
    applyDotEnv(env, dir);
    expect(env).toEqual({ HAMSTER_CONCURRENCY: "2", KEEP: "me" });
    writeFileSync(join(dir, ".env"), "# settings\nHAMSTER_CONCURRENCY=4\nANTHROPIC_API_KEY=\"quoted value\"\n");
    applyDotEnv(env, dir);
    expect(env).toEqual({ HAMSTER_CONCURRENCY: "4", KEEP: "me", ANTHROPIC_API_KEY: "quoted value" });
  });
});
