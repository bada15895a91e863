import { cp, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitToRemote, createBareRemote, getRemoteSha } from "../helpers/git.js";
import type { BareRemote } from "../helpers/git.js";
import { startGitHttpServer } from "../helpers/git-http-server.js";
import { generateRepo } from "../../bench/lib/generate-repo.js";
import { pruneMirrors, refillSpare, renderMirrorDir, renderSpareDir } from "../../src/workspace/workspace.js";
import type { PrepareCheckoutOptions } from "../../src/workspace/workspace.js";
import { createMirrorArea, gitIn, readAllFiles, START_MESSAGE, WORK_BRANCH, type MirrorArea } from "./checkout-fixture.js";

const TOKEN = "ghs_SpareToken0123456789abcdefABCDEFGH";
const TOKEN_FORMS = [TOKEN, Buffer.from(TOKEN).toString("base64"), Buffer.from(`x-access-token:${TOKEN}`).toString("base64")];
const DAY_MS = 24 * 60 * 60_000;

let remote: BareRemote;
/** The remote's temp dir; mirrors and checkouts go below it so one cleanup removes all. */
let root: string;
let mirrorsDir: string;
let mirrorDir: string;
let spareDir: string;
let others: BareRemote[];
let area: MirrorArea;

beforeEach(async () => {
  // Each run its own work branch.
  area = await createMirrorArea({ branches: ["release"], workBranchOf: (run) => `hamster/${run}-spare-test` });
  ({ remote, root, mirrorsDir, mirrorDir } = area);
  spareDir = renderSpareDir(mirrorDir);
  others = [];
});

afterEach(async () => {
  await Promise.all([remote, ...others].map((repo) => repo.cleanup()));
});

const prepareRun = (overrides: Partial<PrepareCheckoutOptions> = {}) => area.prepareRun(overrides);

/** A first run that makes the mirror, then ends (its checkout removed) and leaves a spare, as the app does. */
async function endRunWithSpare(remoteUrl = remote.url): Promise<void> {
  const { dir } = await prepareRun({ remoteUrl });
  await rm(dir, { recursive: true, force: true });
  expect(await refillSpare({ mirrorsDir, remoteUrl, branch: "main" })).toMatchObject({ outcome: "made" });
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

/** What makes two checkouts alike: refs (work branch named alike), local config, HEAD, status. */
async function describeCheckout(dir: string, workBranch: string) {
  return {
    refs: (await gitIn(dir, ["for-each-ref", "--format=%(refname)"])).replaceAll(workBranch, "<work>"),
    config: await gitIn(dir, ["config", "--local", "--list"]),
    head: (await gitIn(dir, ["symbolic-ref", "HEAD"])).replace(workBranch, "<work>"),
    upstream: await gitIn(dir, ["rev-parse", "--abbrev-ref", "@{upstream}"]).catch(() => "none"),
    status: await gitIn(dir, ["status", "--porcelain", "--untracked-files=all", "--ignored"]),
  };
}

describe("refillSpare and a run that takes the spare", () => {
  it("gives the next run a checkout of the new base tip, as a fresh one would be, without the spare", async () => {
    await endRunWithSpare();
    expect(await gitIn(spareDir, ["status", "--porcelain"])).toBe("");
    const newMain = await commitToRemote(remote.dir, "main", { "README.md": "# Changed after the spare\n", "test.js": null, "later.txt": "later\n" }, "Later on main");

    const { dir, prepared } = await prepareRun({ workBranch: WORK_BRANCH });

    expect(await exists(spareDir)).toBe(false);
    expect(prepared).toMatchObject({ baseSha: newMain, branchCreated: true, borrowedObjectsDir: join(mirrorDir, "objects") });
    expect(await readFile(join(dir, "README.md"), "utf8")).toBe("# Changed after the spare\n");
    expect(await readFile(join(dir, "later.txt"), "utf8")).toBe("later\n");
    expect(await exists(join(dir, "test.js"))).toBe(false);
    expect((await gitIn(dir, ["rev-parse", "HEAD", "HEAD^", "refs/remotes/origin/main", "refs/heads/main"])).trim().split("\n")).toEqual([
      prepared.headSha,
      newMain,
      newMain,
      newMain,
    ]);
    expect((await gitIn(dir, ["log", "-1", "--format=%s"])).trim()).toBe(START_MESSAGE);
    expect(await getRemoteSha(remote.dir, WORK_BRANCH)).toBe(prepared.headSha);
    expect((await gitIn(dir, ["fsck", "--connectivity-only"])).trim()).toBe("");

    // Alike a fresh checkout made the same way without a spare.
    const fresh = await prepareRun({ workBranch: "hamster/13-fresh" });
    expect(await describeCheckout(dir, WORK_BRANCH)).toEqual(await describeCheckout(fresh.dir, "hamster/13-fresh"));
    expect(await describeCheckout(dir, WORK_BRANCH)).toMatchObject({ head: "refs/heads/<work>\n", upstream: "none", status: "" });
  });

  it("serves a follow-up run too: the work branch as it is on the remote", async () => {
    const first = await prepareRun({ workBranch: WORK_BRANCH });
    await writeFile(join(first.dir, "work.txt"), "work\n");
    await gitIn(first.dir, ["add", "work.txt"]);
    await gitIn(first.dir, ["commit", "-qm", "Work"]);
    await gitIn(first.dir, ["push", "-q", remote.url, `HEAD:refs/heads/${WORK_BRANCH}`]);
    const workTip = (await gitIn(first.dir, ["rev-parse", "HEAD"])).trim();
    await rm(first.dir, { recursive: true, force: true });
    expect(await refillSpare({ mirrorsDir, remoteUrl: remote.url, branch: "main" })).toMatchObject({ outcome: "made" });

    const { dir, prepared } = await prepareRun({ workBranch: WORK_BRANCH });

    expect(await exists(spareDir)).toBe(false);
    expect(prepared).toMatchObject({ headSha: workTip, branchCreated: false });
    expect(await readFile(join(dir, "work.txt"), "utf8")).toBe("work\n");
    expect((await gitIn(dir, ["symbolic-ref", "--short", "HEAD"])).trim()).toBe(WORK_BRANCH);
    expect(await gitIn(dir, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
  });

  it("keeps the token out of the spare and the checkout made from it", async () => {
    const server = await startGitHttpServer({ root, requireToken: TOKEN });
    try {
      const url = server.url(basename(remote.dir));
      mirrorDir = renderMirrorDir(mirrorsDir, url);
      spareDir = renderSpareDir(mirrorDir);
      const { dir: first } = await prepareRun({ remoteUrl: url, token: TOKEN });
      await rm(first, { recursive: true, force: true });
      expect(await refillSpare({ mirrorsDir, remoteUrl: url, branch: "main" })).toMatchObject({ outcome: "made" });
      expect((await gitIn(spareDir, ["config", "--get", "remote.origin.url"])).trim()).toBe(url);
      const spareFiles = await readAllFiles(join(spareDir, ".git"));

      const { dir } = await prepareRun({ remoteUrl: url, token: TOKEN });

      expect(await exists(spareDir)).toBe(false);
      const files = [...spareFiles, ...(await readAllFiles(join(dir, ".git")))];
      expect(files.filter((file) => TOKEN_FORMS.some((form) => file.content.includes(form))).map((file) => file.path)).toEqual([]);
      expect(await readFile(join(dir, ".git", "config"), "utf8")).not.toMatch(/extraheader|authorization|credential/i);
      expect(server.unauthorizedCount).toBe(0);
    } finally {
      await server.close();
    }
  });

  it("lets two runs at once share one spare: one takes it, the other clones", async () => {
    await endRunWithSpare();
    const newMain = await commitToRemote(remote.dir, "main", { "later.txt": "later\n" }, "Later on main");

    const both = await Promise.all([prepareRun(), prepareRun()]);

    expect(await exists(spareDir)).toBe(false);
    for (const { dir, prepared } of both) {
      expect(prepared.baseSha).toBe(newMain);
      expect(await readFile(join(dir, "later.txt"), "utf8")).toBe("later\n");
      expect(await gitIn(dir, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
      expect((await gitIn(dir, ["fsck", "--connectivity-only"])).trim()).toBe("");
    }
  });

  it("leaves a spare to its own repository and base branch", async () => {
    await endRunWithSpare();
    const other = await createBareRemote({ files: { "other.txt": "other\n" } });
    others.push(other);

    const otherRun = await prepareRun({ remoteUrl: other.url });
    const releaseRun = await prepareRun({ baseBranch: "release" });

    expect(await exists(spareDir)).toBe(true);
    expect(await readdir(otherRun.dir)).toEqual([".git", "other.txt"]);
    expect((await readFile(join(otherRun.dir, ".git", "objects", "info", "alternates"), "utf8")).trim()).toBe(join(renderMirrorDir(mirrorsDir, other.url), "objects"));
    expect((await gitIn(releaseRun.dir, ["config", "--get", "remote.origin.fetch"])).trim()).toBe("+refs/heads/release:refs/remotes/origin/release");
    // The spare stays as it was, for the next run of main.
    expect(await gitIn(spareDir, ["status", "--porcelain"])).toBe("");
    expect((await prepareRun()).dir).toBeTruthy();
    expect(await exists(spareDir)).toBe(false);
  });

  it.each([
    ["a config key that runs a program", (dir: string) => gitIn(dir, ["config", "core.fsmonitor", `touch ${join(dirname(dir), "fsmonitor-ran")}`])],
    ["a changed file", (dir: string) => writeFile(join(dir, "README.md"), "planted\n")],
    ["an extra file", (dir: string) => writeFile(join(dir, "planted.txt"), "planted\n")],
    ["an attached HEAD", (dir: string) => gitIn(dir, ["symbolic-ref", "HEAD", "refs/heads/main"])],
    ["another origin", (dir: string) => gitIn(dir, ["config", "remote.origin.url", "file:///elsewhere.git"])],
    ["a .git that is a link", async (dir: string) => {
      await rename(join(dir, ".git"), join(dirname(dir), "moved-git"));
      await writeFile(join(dir, ".git"), `gitdir: ${join(dirname(dir), "moved-git")}\n`);
    }],
  ])("refuses and deletes a spare with %s, and clones instead", async (_, tamper) => {
    await endRunWithSpare();
    await tamper(spareDir);
    await commitToRemote(remote.dir, "main", { "later.txt": "later\n" }, "Later on main");

    const { dir, prepared } = await prepareRun({ workBranch: WORK_BRANCH });

    expect(await exists(spareDir)).toBe(false);
    expect(await gitIn(dir, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
    expect(await readFile(join(dir, "later.txt"), "utf8")).toBe("later\n");
    expect(await readFile(join(dir, "README.md"), "utf8")).toBe("# Sample project\n\nA small repository used in tests.\n");
    expect(await gitIn(dir, ["config", "--local", "--list"])).not.toMatch(/fsmonitor|elsewhere/);
    expect((await gitIn(dir, ["symbolic-ref", "--short", "HEAD"])).trim()).toBe(WORK_BRANCH);
    expect(await getRemoteSha(remote.dir, WORK_BRANCH)).toBe(prepared.headSha);
    expect(await exists(join(mirrorsDir, "fsmonitor-ran"))).toBe(false);
    // Nothing is left in the workspaces directory but the run's checkout.
    expect(await readdir(join(root, "workspaces"))).toEqual([basename(dir)]);
  });

  it("never takes a half-made spare from its staging directory", async () => {
    await endRunWithSpare();
    const staging = join(mirrorsDir, `.creating-0000-${basename(spareDir)}`);
    await rename(spareDir, staging);

    const { dir } = await prepareRun();

    expect(await exists(staging)).toBe(true);
    expect(await gitIn(dir, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
    // Not yet stale: left alone. An hour later: cleared.
    await pruneMirrors({ mirrorsDir, maxAgeMs: 30 * DAY_MS, maxTotalBytes: Number.MAX_SAFE_INTEGER });
    expect(await exists(staging)).toBe(true);
    const old = new Date(Date.now() - 2 * 60 * 60_000);
    await utimes(staging, old, old);
    await pruneMirrors({ mirrorsDir, maxAgeMs: 30 * DAY_MS, maxTotalBytes: Number.MAX_SAFE_INTEGER });
    expect(await exists(staging)).toBe(false);
  });

  it("says what it did and never throws", async () => {
    expect(await refillSpare({ mirrorsDir, remoteUrl: remote.url, branch: "main" })).toMatchObject({ outcome: "skipped" });
    await endRunWithSpare();
    expect(await refillSpare({ mirrorsDir, remoteUrl: remote.url, branch: "main" })).toEqual({ outcome: "present", dir: spareDir });
    expect(await refillSpare({ mirrorsDir, remoteUrl: remote.url, branch: "no-such-branch" })).toMatchObject({ outcome: "present" });
    await rm(spareDir, { recursive: true, force: true });
    expect(await refillSpare({ mirrorsDir, remoteUrl: remote.url, branch: "no-such-branch" })).toMatchObject({ outcome: "skipped" });
    expect(await refillSpare({ mirrorsDir, remoteUrl: remote.url, branch: "bad..name" })).toMatchObject({ outcome: "skipped" });
    expect(await refillSpare({ mirrorsDir, remoteUrl: "ext::sh -c touch% /tmp/x", branch: "main" })).toMatchObject({ outcome: "failed" });
    expect(await readdir(mirrorsDir)).toEqual([basename(mirrorDir)]);

    // Two at once make one spare.
    const both = await Promise.all([1, 2].map(() => refillSpare({ mirrorsDir, remoteUrl: remote.url, branch: "main" })));
    expect(both.map((result) => result.outcome).sort()).toEqual(["made", "skipped"]);
    expect((await readdir(mirrorsDir)).sort()).toEqual([basename(mirrorDir), basename(spareDir)]);
  });

  it("leaves a large spare's index newer than its files, so the run that takes it hashes none again", async () => {
    const big = await generateRepo({ files: 4_000, commits: 1, changesPerCommit: 1, meanFileBytes: 20, dir: join(root, "big.git") });
    const url = pathToFileURL(big.dir).href;
    await endRunWithSpare(url);

    const spare = renderSpareDir(renderMirrorDir(mirrorsDir, url));
    const index = await stat(join(spare, ".git", "index"));
    expect(index.size).toBeGreaterThan(256 * 1024);
    const files = (await readdir(spare, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile() && !join(entry.parentPath, entry.name).includes("/.git/"));
    expect(files.length).toBe(4_000);
    const newest = Math.max(...(await Promise.all(files.map(async (file) => (await stat(join(file.parentPath, file.name))).mtimeMs))));
    expect(Math.floor(index.mtimeMs / 1000)).toBeGreaterThan(Math.floor(newest / 1000));
  });
});

describe("pruneMirrors and spares", () => {
  it("removes a mirror's spare with it, and a spare alone does not keep its mirror", async () => {
    await endRunWithSpare();
    const old = new Date(Date.now() - 100 * DAY_MS);
    await utimes(join(mirrorDir, "hamster-last-used"), old, old);

    const pruned = await pruneMirrors({ mirrorsDir, maxAgeMs: DAY_MS, maxTotalBytes: Number.MAX_SAFE_INTEGER, checkoutsDir: join(root, "workspaces") });

    expect(pruned.removed.map((mirror) => mirror.dir)).toEqual([mirrorDir]);
    expect(await readdir(mirrorsDir)).toEqual([]);
  });

  it("keeps a recent mirror's spare and never mistakes it for a mirror", async () => {
    await endRunWithSpare();
    const pruned = await pruneMirrors({ mirrorsDir, maxAgeMs: DAY_MS, maxTotalBytes: Number.MAX_SAFE_INTEGER, checkoutsDir: join(root, "workspaces") });
    expect(pruned.removed).toEqual([]);
    expect((await readdir(mirrorsDir)).sort()).toEqual([basename(mirrorDir), basename(spareDir)]);
  });

  it("deletes a spare whose mirror is gone, and a new mirror starts without the old spare", async () => {
    await endRunWithSpare();
    const orphan = `${spareDir}-copy`;
    await cp(spareDir, orphan, { recursive: true });
    await rm(mirrorDir, { recursive: true, force: true });

    // The next run recreates the mirror and must not take the spare of the one that is gone.
    const { dir } = await prepareRun();
    expect(await exists(spareDir)).toBe(false);
    expect(await gitIn(dir, ["status", "--porcelain"])).toBe("");

    await rm(mirrorDir, { recursive: true, force: true });
    await rename(orphan, spareDir);
    await pruneMirrors({ mirrorsDir, maxAgeMs: DAY_MS, maxTotalBytes: Number.MAX_SAFE_INTEGER });
    expect(await readdir(mirrorsDir)).toEqual([]);
  });
});
