import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, realpath, rm, stat, utimes, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitToRemote, createBareRemote, getRemoteSha, listRemoteBranches, runTestGit } from "../helpers/git.js";
import type { BareRemote } from "../helpers/git.js";
import { startGitHttpServer } from "../helpers/git-http-server.js";
import { ensureMirror } from "../../src/workspace/ensure-mirror.js";
import { commitAll, getDiskUsage, pruneMirrors, pushBranch, renderMirrorDir } from "../../src/workspace/workspace.js";
import type { PrepareCheckoutOptions } from "../../src/workspace/workspace.js";
import { parseSettings } from "../../src/config/env.js";
import { pruneRunMirrors } from "../../src/lifecycle/prune-run-mirrors.js";
import { APP_AUTHOR, createMirrorArea, gitIn, readAllFiles, WORK_BRANCH, type MirrorArea } from "./checkout-fixture.js";

const TOKEN = "ghs_MirrorToken0123456789abcdefABCDEF";
const TOKEN_FORMS = [TOKEN, Buffer.from(TOKEN).toString("base64"), Buffer.from(`x-access-token:${TOKEN}`).toString("base64")];
const DAY_MS = 24 * 60 * 60_000;

let remote: BareRemote;
/** The remote's temp dir; mirrors and checkouts go below it so one cleanup removes all. */
let root: string;
let mirrorsDir: string;
let mirrorDir: string;
let area: MirrorArea;

beforeEach(async () => {
  area = await createMirrorArea({ branches: ["release"] });
  ({ remote, root, mirrorsDir, mirrorDir } = area);
});

afterEach(async () => {
  await remote.cleanup();
});

const prepareRun = (overrides: Partial<PrepareCheckoutOptions> = {}) => area.prepareRun(overrides);

function mirrorGit(args: readonly string[], gitDir = mirrorDir): Promise<string> {
  return runTestGit(["--git-dir", gitDir, ...args]);
}

/** Objects in the mirror, packed and loose. */
async function countMirrorObjects(): Promise<number> {
  const fields = new Map(
    (await mirrorGit(["count-objects", "-v"]))
      .split("\n")
      .filter((line) => line.includes(": "))
      .map((line) => line.split(": ") as [string, string]),
  );
  return Number(fields.get("count")) + Number(fields.get("in-pack"));
}

describe("prepareCheckout with a mirrors directory", () => {
  it("creates a bare mirror on the first run and gives the checkout only a borrowing link to its objects", async () => {
    const { dir, prepared } = await prepareRun();

    expect(basename(mirrorDir)).toMatch(/^[0-9a-f]{16}-.*remote\.git$/);
    expect((await mirrorGit(["rev-parse", "--is-bare-repository"])).trim()).toBe("true");
    expect((await mirrorGit(["rev-parse", "refs/heads/main"])).trim()).toBe(await getRemoteSha(remote.dir, "main"));

    // The checkout names the mirror's objects, and says so for the sandbox's read-only binding.
    const alternates = (await readFile(join(dir, ".git", "objects", "info", "alternates"), "utf8")).trim();
    expect(alternates).toBe(prepared.borrowedObjectsDir);
    expect(prepared.borrowedObjectsDir).toBe(await realpath(join(mirrorDir, "objects")));
    // The checkout's own objects: the start commit only (it has its parent's tree).
    const own = await gitIn(dir, ["count-objects", "-v"]);
    expect(own).toMatch(/^count: 1$/m);
    expect(own).toMatch(/^in-pack: 0$/m);
    expect((await gitIn(dir, ["rev-parse", "HEAD^"])).trim()).toBe(prepared.baseSha);
    expect((await gitIn(dir, ["fsck", "--connectivity-only"])).trim()).toBe("");

    // Origin is the real remote; the mirror's path appears only in the alternates file.
    expect((await gitIn(dir, ["config", "--get", "remote.origin.url"])).trim()).toBe(remote.url);
    expect(await readFile(join(dir, ".git", "config"), "utf8")).not.toContain(mirrorsDir);
    // The mirror itself names no remote: every fetch passes the URL explicitly.
    expect(await readFile(join(mirrorDir, "config"), "utf8")).not.toMatch(/\[remote|url =/);
    expect(await getRemoteSha(remote.dir, WORK_BRANCH)).toBe(prepared.headSha);
  });

  it("fetches only the new commits into the mirror on later runs", async () => {
    await prepareRun();
    const afterFirst = await countMirrorObjects();

    // Nothing changed: nothing is fetched.
    await prepareRun({ workBranch: "hamster/13-other" });
    expect(await countMirrorObjects()).toBe(afterFirst);

    // One commit on main adds a commit, a root tree and a blob.
    const newMain = await commitToRemote(remote.dir, "main", { "later.txt": "later\n" }, "Later on main");
    const { dir, prepared } = await prepareRun({ workBranch: "hamster/14-third" });
    expect(await countMirrorObjects()).toBe(afterFirst + 3);
    expect(prepared.baseSha).toBe(newMain);
    expect(await readFile(join(dir, "later.txt"), "utf8")).toBe("later\n");

    // A follow-up run brings the existing work branch in: just its start commit.
    const followUp = await prepareRun();
    expect(followUp.prepared.branchCreated).toBe(false);
    expect(await countMirrorObjects()).toBe(afterFirst + 4);
    expect((await gitIn(followUp.dir, ["symbolic-ref", "--short", "HEAD"])).trim()).toBe(WORK_BRANCH);
  });

  it("takes about the disk of its work tree, not of the history", async () => {
    // Incompressible files, rewritten five times: a history much larger than the work tree.
    for (let version = 0; version < 5; version += 1) {
      const files = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`data/file${i}.txt`, `${randomBytes(8_000).toString("hex")}\n`]));
      await commitToRemote(remote.dir, "main", files, `Version ${version}`);
    }
    await prepareRun();
    const { dir } = await prepareRun({ workBranch: "hamster/13-other" });

    const worktree = await getDiskUsage(dir, { skip: [".git"] });
    const gitDir = await getDiskUsage(join(dir, ".git"));
    expect(gitDir).toBeLessThan(worktree / 4);
    expect(await getDiskUsage(mirrorDir)).toBeGreaterThan(gitDir * 4);
  });

  it("sends the token only as a header and stores it in neither the mirror nor the checkout", async () => {
    const server = await startGitHttpServer({ root, requireToken: TOKEN });
    try {
      const url = server.url(basename(remote.dir));
      mirrorDir = renderMirrorDir(mirrorsDir, url);
      await prepareRun({ remoteUrl: url, token: TOKEN });
      await commitToRemote(remote.dir, "main", { "later.txt": "later\n" }, "Later on main");
      const { dir } = await prepareRun({ remoteUrl: url, token: TOKEN, workBranch: "hamster/13-other" });

      expect(server.unauthorizedCount).toBe(0);
      expect(new Set(server.authHeadersSeen)).toEqual(new Set([`Basic ${TOKEN_FORMS[2]}`]));
      const files = [...(await readAllFiles(mirrorDir)), ...(await readAllFiles(join(dir, ".git")))];
      expect(files.filter((file) => TOKEN_FORMS.some((form) => file.content.includes(form))).map((file) => file.path)).toEqual([]);
      for (const config of [join(mirrorDir, "config"), join(dir, ".git", "config")]) {
        expect(await readFile(config, "utf8")).not.toMatch(/extraheader|authorization|credential/i);
      }
      expect(await readFile(join(mirrorDir, "config"), "utf8")).not.toContain(url);
    } finally {
      await server.close();
    }
  });

  it("lets concurrent runs of one repository share one mirror", async () => {
    const results = await Promise.all(["hamster/21-a", "hamster/22-b", "hamster/23-c"].map((workBranch) => prepareRun({ workBranch })));

    expect(results.map((result) => result.prepared.branchCreated)).toEqual([true, true, true]);
    expect(await listRemoteBranches(remote.dir)).toEqual(["hamster/21-a", "hamster/22-b", "hamster/23-c", "main", "release"]);
    expect(await readdir(mirrorsDir)).toEqual([basename(mirrorDir)]);
    for (const { dir } of results) expect((await gitIn(dir, ["fsck", "--connectivity-only"])).trim()).toBe("");
  });

  it("replaces a mirror branch that blocks a new one of the remote (release → release/9)", async () => {
    await prepareRun({ baseBranch: "release" });
    await runTestGit(["--git-dir", remote.dir, "branch", "-D", "release"]);
    await runTestGit(["--git-dir", remote.dir, "branch", "release/9", "main"]);

    const { prepared } = await prepareRun({ baseBranch: "release/9", workBranch: "hamster/13-other" });
    expect(prepared.baseSha).toBe(await getRemoteSha(remote.dir, "release/9"));
    expect((await mirrorGit(["for-each-ref", "--format=%(refname)", "refs/heads/"])).split("\n")).not.toContain("refs/heads/release");
  });

  it("rolls many small fetches up into fewer packs and keeps objects that no branch references any more", async () => {
    await prepareRun();
    // A commit that a force push then drops from the remote: a checkout may still need it.
    const dropped = await commitToRemote(remote.dir, "release", { "dropped.txt": "dropped\n" }, "Soon unreachable");
    await ensureMirror({ mirrorDir, remoteUrl: remote.url, branches: ["release"] });
    await runTestGit(["--git-dir", remote.dir, "branch", "--force", "release", "main"]);
    await ensureMirror({ mirrorDir, remoteUrl: remote.url, branches: ["release"] });
    const countPacks = async () => (await readdir(join(mirrorDir, "objects", "pack"))).filter((name) => name.endsWith(".pack")).length;

    let most = 0;
    for (let round = 0; round < 18; round += 1) {
      await commitToRemote(remote.dir, "main", { [`round-${round}.txt`]: `${round}\n` }, `Round ${round}`);
      await ensureMirror({ mirrorDir, remoteUrl: remote.url, branches: ["main"] });
      most = Math.max(most, await countPacks());
    }

    expect(most).toBeLessThanOrEqual(17);
    expect(await countPacks()).toBeLessThan(17);
    await expect(mirrorGit(["cat-file", "-e", `${dropped}^{commit}`])).resolves.toBe("");
    expect((await mirrorGit(["fsck", "--connectivity-only", "--no-dangling"])).trim()).toBe("");
  });

  it("refuses to push from a checkout whose alternates file names another repository's mirror", async () => {
    const { dir } = await prepareRun();
    const other = await createBareRemote();
    try {
      const otherRun = await prepareRun({ remoteUrl: other.url });
      await writeFile(join(dir, ".git", "objects", "info", "alternates"), `${otherRun.prepared.borrowedObjectsDir}\n`);
      await writeFile(join(dir, "work.txt"), "work\n");
      await commitAll(dir, "Work", APP_AUTHOR).catch(() => null);

      await expect(pushBranch({ dir, remoteUrl: remote.url, workBranch: WORK_BRANCH })).rejects.toMatchObject({
        code: "git_failed",
        message: expect.stringContaining("not Hamster's mirror of this repository"),
      });
    } finally {
      await other.cleanup();
    }
  });

  it("recreates a mirror that is not usable", async () => {
    await mkdir(mirrorDir, { recursive: true });
    await writeFile(join(mirrorDir, "junk"), "not a repository\n");

    const { dir } = await prepareRun();
    expect((await gitIn(dir, ["fsck", "--connectivity-only"])).trim()).toBe("");
    await expect(stat(join(mirrorDir, "junk"))).rejects.toThrow();
  });
});

describe("pruneMirrors", () => {
  let others: BareRemote[] = [];

  afterEach(async () => {
    await Promise.all(others.map((other) => other.cleanup()));
    others = [];
  });

  /** A mirror of a new remote, last used `daysAgo` days ago, with its run's checkout removed. */
  async function createMirror(daysAgo: number): Promise<string> {
    const other = await createBareRemote();
    others.push(other);
    const { dir } = await prepareRun({ remoteUrl: other.url });
    await rm(dir, { recursive: true, force: true });
    const mirror = renderMirrorDir(mirrorsDir, other.url);
    const when = new Date(Date.now() - daysAgo * DAY_MS);
    await utimes(join(mirror, "hamster-last-used"), when, when);
    return mirror;
  }

  it("removes mirrors not used for longer than the age limit", async () => {
    const old = await createMirror(10);
    const recent = await createMirror(1);

    const result = await pruneMirrors({ mirrorsDir, maxAgeMs: 7 * DAY_MS, maxTotalBytes: Number.MAX_SAFE_INTEGER });

    expect(result.removed.map((mirror) => [mirror.dir, mirror.reason])).toEqual([[old, "age"]]);
    expect(result.removed[0]?.bytes).toBeGreaterThan(0);
    expect(await readdir(mirrorsDir)).toEqual([basename(recent)]);
    expect(result.keptBytes).toBe(await getDiskUsage(recent));
  });

  it("removes the least recently used mirrors until the rest fit the byte budget", async () => {
    const oldest = await createMirror(3);
    const middle = await createMirror(2);
    const newest = await createMirror(1);
    const budget = (await getDiskUsage(middle)) + (await getDiskUsage(newest));

    const result = await pruneMirrors({ mirrorsDir, maxAgeMs: 30 * DAY_MS, maxTotalBytes: budget });

    expect(result.removed.map((mirror) => [mirror.dir, mirror.reason])).toEqual([[oldest, "size"]]);
    expect((await readdir(mirrorsDir)).sort()).toEqual([basename(middle), basename(newest)].sort());
    expect(result.keptBytes).toBeLessThanOrEqual(budget);
  });

  it("uses the given clock", async () => {
    const mirror = await createMirror(0);
    expect((await pruneMirrors({ mirrorsDir, maxAgeMs: DAY_MS, maxTotalBytes: Number.MAX_SAFE_INTEGER })).removed).toEqual([]);
    const later = await pruneMirrors({ mirrorsDir, maxAgeMs: DAY_MS, maxTotalBytes: Number.MAX_SAFE_INTEGER, now: new Date(Date.now() + 2 * DAY_MS) });
    expect(later.removed.map((removed) => removed.dir)).toEqual([mirror]);
  });

  it("keeps a mirror that a checkout still borrows from, and the next run recreates a removed one", async () => {
    const { dir } = await prepareRun();
    const old = new Date(Date.now() - 100 * DAY_MS);
    await utimes(join(mirrorDir, "hamster-last-used"), old, old);

    const kept = await pruneMirrors({ mirrorsDir, maxAgeMs: DAY_MS, maxTotalBytes: 0, checkoutsDir: join(root, "workspaces") });
    expect(kept.removed).toEqual([]);
    expect((await gitIn(dir, ["fsck", "--connectivity-only"])).trim()).toBe("");

    await rm(dir, { recursive: true, force: true });
    const pruned = await pruneMirrors({ mirrorsDir, maxAgeMs: DAY_MS, maxTotalBytes: 0, checkoutsDir: join(root, "workspaces") });
    expect(pruned.removed.map((mirror) => mirror.dir)).toEqual([mirrorDir]);
    expect(await readdir(mirrorsDir)).toEqual([]);

    const again = await prepareRun({ workBranch: "hamster/13-other" });
    expect(again.prepared.branchCreated).toBe(true);
    expect((await mirrorGit(["rev-parse", "refs/heads/main"])).trim()).toBe(await getRemoteSha(remote.dir, "main"));
  });

  it("is done for the app with its data directory and HAMSTER_MIRROR_* limits, logging what it removed", async () => {
    const old = await createMirror(10);
    const recent = await createMirror(1);
    const settings = parseSettings({ HAMSTER_DATA_DIR: root, HAMSTER_MIRROR_MAX_AGE_DAYS: "7", HAMSTER_MIRROR_MAX_GB: "1" });
    expect(settings.mirrors).toEqual({ maxAgeMs: 7 * DAY_MS, maxTotalBytes: 1024 ** 3 });
    const logged: unknown[] = [];
    const log = { info: (fields: unknown) => logged.push(fields), warn: (fields: unknown) => logged.push(fields) } as unknown as Parameters<typeof pruneRunMirrors>[1];

    await pruneRunMirrors(settings, log);

    expect(await readdir(mirrorsDir)).toEqual([basename(recent)]);
    expect(logged).toEqual([expect.objectContaining({ mirror: old, reason: "age" })]);
    expect(() => parseSettings({ HAMSTER_MIRROR_MAX_GB: "0" })).toThrow(/HAMSTER_MIRROR_MAX_GB/);
  });

  it("clears what an interrupted deletion left and accepts a missing directory", async () => {
    await mkdir(join(mirrorsDir, ".deleting-0000-x.git", "objects"), { recursive: true });
    expect(await pruneMirrors({ mirrorsDir, maxAgeMs: DAY_MS, maxTotalBytes: 0 })).toEqual({ removed: [], keptBytes: 0 });
    expect(await readdir(mirrorsDir)).toEqual([]);
    expect(await pruneMirrors({ mirrorsDir: join(root, "nowhere"), maxAgeMs: DAY_MS, maxTotalBytes: 0 })).toEqual({ removed: [], keptBytes: 0 });
  });
});
