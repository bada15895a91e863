import { chmod, mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { commitAll, listChangedFiles, WorkspaceError } from "../../src/workspace/workspace.js";
import { renderCleanMessage } from "../../src/workspace/commit-all.js";
import { APP_AUTHOR, createCheckoutFixture, gitIn } from "./checkout-fixture.js";
import type { CheckoutFixture } from "./checkout-fixture.js";

let fixture: CheckoutFixture;
let dir: string;
let startSha: string;

beforeEach(async () => {
  fixture = await createCheckoutFixture({
    files: { "README.md": "# Sample\n", "src/client.js": "export const retries = 0;\n", "docs/old.md": "old\n", "zeta.txt": "z\n" },
  });
  const prepared = await fixture.prepare();
  dir = prepared.dir;
  startSha = prepared.prepared.headSha;
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await fixture.remote.cleanup();
});

async function head(): Promise<string> {
  return (await gitIn(dir, ["rev-parse", "HEAD"])).trim();
}

describe("commitAll", () => {
  it("commits new, modified and deleted files and returns them sorted", async () => {
    await writeFile(join(dir, "src/client.js"), "export const retries = 3;\n");
    await rm(join(dir, "docs/old.md"));
    await mkdir(join(dir, "src/retry"), { recursive: true });
    await writeFile(join(dir, "src/retry/backoff.js"), "export {};\n");
    await writeFile(join(dir, "alpha.txt"), "a\n");

    const result = await commitAll(dir, "Add retries\n\nCloses #12", APP_AUTHOR);

    expect(result).toEqual({ sha: await head(), files: ["alpha.txt", "docs/old.md", "src/client.js", "src/retry/backoff.js"] });
    expect((await gitIn(dir, ["rev-parse", "HEAD^"])).trim()).toBe(startSha);
    expect((await gitIn(dir, ["log", "-1", "--format=%an <%ae>|%cn <%ce>|%B"])).trim()).toBe(
      "Hamster Bot <hamster@example.test>|Hamster Bot <hamster@example.test>|Add retries\n\nCloses #12",
    );
    expect((await gitIn(dir, ["status", "--porcelain"])).trim()).toBe("");
  });

  it("returns null and makes no commit when nothing changed", async () => {
    expect(await commitAll(dir, "Nothing", APP_AUTHOR)).toBeNull();
    expect(await head()).toBe(startSha);
  });

  it("honours .gitignore", async () => {
    await writeFile(join(dir, ".gitignore"), "node_modules/\n*.log\n");
    await mkdir(join(dir, "node_modules/dep"), { recursive: true });
    await writeFile(join(dir, "node_modules/dep/index.js"), "module.exports = 1;\n");
    await writeFile(join(dir, "debug.log"), "noise\n");
    await writeFile(join(dir, "kept.txt"), "kept\n");

    const result = await commitAll(dir, "Ignore things", APP_AUTHOR);

    expect(result?.files).toEqual([".gitignore", "kept.txt"]);
    expect((await gitIn(dir, ["ls-files"])).split("\n")).not.toContain("debug.log");
  });

  it("returns null when only ignored files changed", async () => {
    await writeFile(join(dir, ".git/info/exclude"), "*.tmp\n");
    await writeFile(join(dir, "scratch.tmp"), "x\n");
    expect(await commitAll(dir, "Nothing to see", APP_AUTHOR)).toBeNull();
  });

  it("does not run hooks planted in the checkout", async () => {
    const markers = join(dirname(dir), "markers");
    await mkdir(markers);
    for (const hook of ["pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "post-index-change"]) {
      const path = join(dir, ".git/hooks", hook);
      // pre-commit would also block the commit by failing, if it ran.
      await writeFile(path, `#!/bin/sh\ntouch "${markers}/${hook}"\nexit 1\n`);
      await chmod(path, 0o755);
    }
    await writeFile(join(dir, "work.txt"), "work\n");

    const result = await commitAll(dir, "Work", APP_AUTHOR);

    expect(result?.files).toEqual(["work.txt"]);
    expect(await readdir(markers)).toEqual([]);
  });

  it("ignores GIT_* variables in the app's own environment", async () => {
    vi.stubEnv("GIT_DIR", join(dirname(dir), "elsewhere.git"));
    vi.stubEnv("GIT_INDEX_FILE", join(dirname(dir), "elsewhere.index"));
    vi.stubEnv("GIT_AUTHOR_NAME", "Intruder");
    vi.stubEnv("GIT_COMMITTER_EMAIL", "intruder@example.test");
    await writeFile(join(dir, "work.txt"), "work\n");

    const result = await commitAll(dir, "Work", APP_AUTHOR);

    expect(result?.files).toEqual(["work.txt"]);
    expect((await gitIn(dir, ["log", "-1", "--format=%an|%ce"])).trim()).toBe("Hamster Bot|hamster@example.test");
  });

  it("accepts git config an agent may harmlessly set", async () => {
    await gitIn(dir, ["config", "user.email", "agent@example.test"]);
    await writeFile(join(dir, "work.txt"), "work\n");
    expect((await commitAll(dir, "Work", APP_AUTHOR))?.files).toEqual(["work.txt"]);
  });

  it.each([
    ["core.fsmonitor", "MARKER"],
    ["core.hooksPath", "MARKERDIR"],
    ["filter.evil.clean", "MARKER"],
    ["include.path", "/tmp/elsewhere.gitconfig"],
    ["url.https://evil.example.test/.insteadOf", "file://"],
    ["http.extraHeader", "X-Leak: 1"],
    ["core.worktree", "/tmp"],
  ])("refuses a checkout whose config gained %s, and runs nothing", async (key, rawValue) => {
    const markers = join(dirname(dir), "markers");
    await mkdir(markers);
    const script = join(markers, "run.sh");
    await writeFile(script, `#!/bin/sh\ntouch "${markers}/ran"\ncat\n`);
    await chmod(script, 0o755);
    const value = rawValue === "MARKER" ? script : rawValue === "MARKERDIR" ? markers : rawValue;
    await gitIn(dir, ["config", key, value]);
    await writeFile(join(dir, ".gitattributes"), "* filter=evil\n");
    await writeFile(join(dir, "work.txt"), "work\n");

    const error = await commitAll(dir, "Work", APP_AUTHOR).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(WorkspaceError);
    expect(error).toMatchObject({ code: "git_failed", message: expect.stringContaining(key.toLowerCase()) });
    expect(await readdir(markers)).toEqual(["run.sh"]);
    expect(await head()).toBe(startSha);
  });

  it("refuses a checkout whose .git was replaced by a pointer to another repository", async () => {
    await rename(join(dir, ".git"), join(dirname(dir), "moved.git"));
    await writeFile(join(dir, ".git"), `gitdir: ${join(dirname(dir), "moved.git")}\n`);
    await writeFile(join(dir, "work.txt"), "work\n");

    await expect(commitAll(dir, "Work", APP_AUTHOR)).rejects.toMatchObject({ code: "git_failed", message: expect.stringContaining(".git") });
  });
});

describe("listChangedFiles", () => {
  it("lists files between two commits, a rename as both paths", async () => {
    await rename(join(dir, "zeta.txt"), join(dir, "omega.txt"));
    await writeFile(join(dir, "README.md"), "# Changed\n");
    const commit = await commitAll(dir, "Rename", APP_AUTHOR);

    expect(await listChangedFiles(dir, startSha, commit!.sha)).toEqual(["README.md", "omega.txt", "zeta.txt"]);
    expect(await listChangedFiles(dir, commit!.sha, commit!.sha)).toEqual([]);
  });

  it("rejects something that is not a commit id", async () => {
    await expect(listChangedFiles(dir, "--output=/tmp/x", startSha)).rejects.toMatchObject({ code: "git_failed" });
  });
});

describe("renderCleanMessage", () => {
  it("tidies whitespace as git commit --cleanup=whitespace does and keeps everything else", () => {
    expect(renderCleanMessage("\n\n  Start: Add retries  \n\n\n\n# not a comment\t\r\nbody  \n\n")).toBe("  Start: Add retries\n\n# not a comment\nbody");
    expect(renderCleanMessage("Start: Add retries")).toBe("Start: Add retries");
  });
});
