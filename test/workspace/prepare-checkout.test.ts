import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitToRemote, getRemoteLog, getRemoteSha, listRemoteBranches } from "../helpers/git.js";
import { prepareCheckout, WorkspaceError } from "../../src/workspace/workspace.js";
import { APP_AUTHOR, CHECKOUT_MODES, createCheckoutFixture, gitIn, START_MESSAGE, WORK_BRANCH } from "./checkout-fixture.js";
import type { CheckoutFixture } from "./checkout-fixture.js";

// Every behaviour holds whether the checkout is a full clone or borrows from a mirror.
describe.each(CHECKOUT_MODES)("prepareCheckout (%s)", (mode) => {
  let fixture: CheckoutFixture;

  beforeEach(async () => {
    fixture = await createCheckoutFixture({ branches: ["develop"], mode });
  });

  afterEach(async () => {
    await fixture.remote.cleanup();
  });

  /** What a prepared checkout says about borrowed objects: the mirror's, in mirror mode only. */
  const borrowed = () => (fixture.mirrorsDir === undefined ? {} : { borrowedObjectsDir: expect.stringMatching(/\/mirrors\/[0-9a-f]{16}-[^/]+\.git\/objects$/) });

  it("creates the work branch from main with exactly one empty start commit and pushes it", async () => {
    const mainSha = await getRemoteSha(fixture.remote.dir, "main");
    const { dir, prepared } = await fixture.prepare();

    expect(prepared).toEqual({ headSha: expect.stringMatching(/^[0-9a-f]{40}$/), baseSha: mainSha, branchCreated: true, ...borrowed() });
    expect(await listRemoteBranches(fixture.remote.dir)).toEqual(["develop", WORK_BRANCH, "main"]);
    expect(await getRemoteSha(fixture.remote.dir, WORK_BRANCH)).toBe(prepared.headSha);
    expect(await getRemoteLog(fixture.remote.dir, WORK_BRANCH)).toEqual([START_MESSAGE, "Initial commit"]);

    // One commit, directly on main's tip, changing nothing, by the app's identity.
    const [parents, tree, mainTree, people] = await Promise.all([
      gitIn(dir, ["rev-list", "--parents", "-n", "1", "HEAD"]),
      gitIn(dir, ["rev-parse", "HEAD^{tree}"]),
      gitIn(dir, ["rev-parse", `${mainSha}^{tree}`]),
      gitIn(dir, ["log", "-1", "--format=%an <%ae> / %cn <%ce>"]),
    ]);
    expect(parents.trim()).toBe(`${prepared.headSha} ${mainSha}`);
    expect(tree).toBe(mainTree);
    expect(people.trim()).toBe("Hamster Bot <hamster@example.test> / Hamster Bot <hamster@example.test>");

    // The checkout is on the work branch, with main's files and full history.
    expect((await gitIn(dir, ["symbolic-ref", "--short", "HEAD"])).trim()).toBe(WORK_BRANCH);
    expect(await readFile(join(dir, "README.md"), "utf8")).toContain("Sample project");
    expect((await gitIn(dir, ["rev-parse", "--is-shallow-repository"])).trim()).toBe("false");
    expect((await gitIn(dir, ["tag", "--list"])).trim()).toBe("");
    // Files and index agree: nothing to commit, nothing unknown.
    expect(await gitIn(dir, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
    expect((await gitIn(dir, ["config", "--get-regexp", "^branch\\."])).trim()).toBe("branch.main.remote origin\nbranch.main.merge refs/heads/main");
  });

  it("reuses a work branch that already exists, without a new commit or push", async () => {
    await fixture.prepare();
    const work = await commitToRemote(fixture.remote.dir, WORK_BRANCH, { "retry.js": "retry();\n" }, "Earlier work");
    const mainSha = await getRemoteSha(fixture.remote.dir, "main");

    const { dir, prepared } = await fixture.prepare();

    expect(prepared).toEqual({ headSha: work, baseSha: mainSha, branchCreated: false, ...borrowed() });
    expect(await getRemoteLog(fixture.remote.dir, WORK_BRANCH)).toEqual(["Earlier work", START_MESSAGE, "Initial commit"]);
    expect((await gitIn(dir, ["symbolic-ref", "--short", "HEAD"])).trim()).toBe(WORK_BRANCH);
    expect(await readFile(join(dir, "retry.js"), "utf8")).toBe("retry();\n");
    expect(await gitIn(dir, ["status", "--porcelain", "--untracked-files=all"])).toBe("");
  });

  it("reports where a reused branch left main when main has moved on", async () => {
    const { prepared: first } = await fixture.prepare();
    const newMain = await commitToRemote(fixture.remote.dir, "main", { "later.txt": "later\n" }, "Later on main");

    const { prepared } = await fixture.prepare();

    expect(prepared.branchCreated).toBe(false);
    expect(prepared.baseSha).toBe(first.baseSha);
    expect(prepared.baseSha).not.toBe(newMain);
  });

  it("fails with base_branch_missing, naming the branch, and leaves nothing behind", async () => {
    const dir = fixture.checkoutPath();
    const error = await prepareCheckout({
      dir,
      remoteUrl: fixture.remote.url,
      baseBranch: "release/9",
      workBranch: WORK_BRANCH,
      startMessage: START_MESSAGE,
      author: APP_AUTHOR,
      mirrorsDir: fixture.mirrorsDir,
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(WorkspaceError);
    expect(error).toMatchObject({ name: "WorkspaceError", code: "base_branch_missing", branch: "release/9" });
    expect((error as Error).message).toContain('"release/9"');
    await expect(stat(dir)).rejects.toThrow();
    expect(await listRemoteBranches(fixture.remote.dir)).toEqual(["develop", "main"]);

  });

  it("refuses a checkout directory that already exists", async () => {
    const dir = fixture.checkoutPath();
    await mkdir(dir);
    await expect(fixture.prepare({ dir })).rejects.toMatchObject({ code: "clone_failed", message: expect.stringContaining("already exists") });
  });

  it("refuses remote URLs with credentials or unsupported schemes, without echoing the secret", async () => {
    const error = await fixture.prepare({ remoteUrl: "https://x-access-token:ghs_secretvalue@example.test/o/r.git" }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "clone_failed", message: expect.stringContaining("contains credentials") });
    expect((error as Error).message).not.toContain("ghs_secretvalue");
    await expect(fixture.prepare({ remoteUrl: "ext::sh -c touch% /tmp/pwned" })).rejects.toMatchObject({ code: "clone_failed" });
  });

  it("refuses to use the base branch as the work branch", async () => {
    await expect(fixture.prepare({ workBranch: "main" })).rejects.toMatchObject({ code: "git_failed" });
    expect(await getRemoteLog(fixture.remote.dir, "main")).toEqual(["Initial commit"]);
  });

  it("keeps the remote URL, and nothing secret, in the checkout's config", async () => {
    const { dir } = await fixture.prepare();
    const config = await readFile(join(dir, ".git", "config"), "utf8");
    expect((await gitIn(dir, ["config", "--get", "remote.origin.url"])).trim()).toBe(fixture.remote.url);
    expect(config).not.toMatch(/extraheader|authorization|hookspath|fsmonitor/i);
  });
});
