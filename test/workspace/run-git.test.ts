import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runTestGit } from "../helpers/git.js";
import { GitCommandError, runGit } from "../../src/workspace/run-git.js";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "hamster-run-git-"));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("runGit with silent", () => {
  it("runs a command that prints nothing and reports nothing it did not print", async () => {
    const repo = join(root, "repo");
    await runTestGit(["init", "--quiet", repo]);

    const output = await runGit({ cwd: repo, args: ["config", "--local", "hamster.test", "yes"], env: { GIT_DIR: join(repo, ".git") }, silent: true });

    expect(output).toBe("");
    expect((await runTestGit(["-C", repo, "config", "--get", "hamster.test"])).trim()).toBe("yes");
  });

  it("keeps git's own words in a failure and drops the setup trace", async () => {
    const repo = join(root, "repo");
    await runTestGit(["init", "--quiet", repo]);

    const error = await runGit({ cwd: repo, args: ["update-ref", "refs/heads/x", "0123456789012345678901234567890123456789"], env: { GIT_DIR: join(repo, ".git") }, silent: true }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(GitCommandError);
    const failure = error as GitCommandError;
    expect(failure.stderr).toMatch(/fatal|error/);
    expect(failure.stderr).not.toMatch(/setup:|trace\.c/);
    expect(failure.message).not.toMatch(/setup:/);
  });
});
