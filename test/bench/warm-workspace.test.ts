import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appendCommit, generateRepo, runGeneratorGit } from "../../bench/lib/generate-repo.js";
import { runWarmWorkspaceBenchmark, warmWorkspaceFigures } from "../../bench/warm-workspace.js";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "hamster-warm-test-"));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("generateRepo", () => {
  it("writes the asked number of files and commits on main, the same for the same seed", async () => {
    const options = { files: 120, commits: 15, changesPerCommit: 3, meanFileBytes: 400, seed: 7 };
    const repo = await generateRepo({ ...options, dir: path.join(root, "a.git") });
    const again = await generateRepo({ ...options, dir: path.join(root, "b.git") });

    expect(repo.headSha).toMatch(/^[0-9a-f]{40}$/);
    expect(again.headSha).toBe(repo.headSha);
    expect(repo.packBytes).toBeGreaterThan(0);
    const git = (args: string[]) => runGeneratorGit(["--git-dir", repo.dir, ...args]);
    expect((await git(["rev-list", "--count", "main"])).trim()).toBe("15");
    expect((await git(["ls-tree", "-r", "--name-only", "main"])).trim().split("\n")).toHaveLength(120);
    // Every commit after the first rewrites exactly changesPerCommit files.
    expect((await git(["show", "--format=", "--name-only", "main"])).trim().split("\n")).toHaveLength(3);
    expect((await git(["fsck", "--connectivity-only"])).trim()).toBe("");

    const next = await appendCommit(repo.dir, "main", { "docs/new.md": "new\n" }, "One more");
    expect((await git(["rev-parse", "main^"])).trim()).toBe(repo.headSha);
    expect((await git(["show", "--format=%s", "--name-only", next])).trim().split("\n")).toEqual(["One more", "", "docs/new.md"]);
  });
});

describe("the warm workspace benchmark", () => {
  it("measures every figure on a tiny repository and cleans up after itself", async () => {
    const result = await runWarmWorkspaceBenchmark({
      repo: { files: 200, commits: 40, changesPerCommit: 4, meanFileBytes: 1_500 },
      warmRuns: 2,
      tempParent: root,
    });

    expect(result.storage.startsWith(root)).toBe(true);
    expect(result.warmMs).toHaveLength(2);
    expect(result.withoutSpareMs).toHaveLength(2);
    expect(result.spareMs).toHaveLength(2);
    expect(result.floorMs).toHaveLength(2);
    for (const ms of [result.cloneMs, result.coldMs, result.withoutMirrorMs, ...result.warmMs, ...result.withoutSpareMs, ...result.spareMs, ...result.floorMs]) {
      expect(ms).toBeGreaterThan(0);
    }
    // The checkout's .git holds little beside the index; the mirror and a full clone hold the history.
    expect(result.disk.gitDirBytes).toBeLessThan(result.disk.worktreeBytes);
    expect(result.disk.checkoutBytes).toBe(result.disk.worktreeBytes + result.disk.gitDirBytes);
    expect(result.disk.cloneBytes).toBeGreaterThan(result.disk.checkoutBytes);
    expect(result.disk.mirrorBytes).toBeGreaterThan(result.disk.gitDirBytes);
    // A spare is one more checkout of the work tree.
    expect(result.disk.spareBytes).toBeGreaterThanOrEqual(result.disk.worktreeBytes);

    const figures = warmWorkspaceFigures(result);
    expect(figures.map((figure) => figure.figure)).toEqual([
      "cold first run vs git clone (ms)",
      "warm run vs git clone (ms)",
      "warm run vs git worktree add from a local mirror (ms)",
      "floor (git worktree add) vs git clone (ms)",
      "warm run without a spare (mirror only) vs git clone (ms)",
      "spare checkout made after a run (background, ms)",
      "warm run vs prepareCheckout without a mirror (ms)",
      "disk per extra run vs its work tree alone (MiB)",
    ]);
    expect(figures[1]?.ratio).toBeCloseTo(result.warmMedianMs / result.cloneMs, 10);
    expect(figures.filter((figure) => figure.pass !== null)).toHaveLength(3);
    expect(await readdir(root)).toEqual([]);
  });
});
