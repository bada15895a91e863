import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyWorkBundle, checkoutSourceBundle, cloneSourceBundle, createSourceBundle, createWorkBundle, readCheckoutHead } from "../../src/workspace/bundle.js";
import { commitAll, WorkspaceError } from "../../src/workspace/workspace.js";
import { runTestGit } from "../helpers/git.js";
import { classicToken } from "../security/fake-secrets.js";
import { APP_AUTHOR, createActionsMirrorArea, createActionsWorkspace, gitIn, INSTALLED_FILE, WORK_BRANCH, type MirrorArea } from "./checkout-fixture.js";

let area: MirrorArea;
let appDir: string;
let startSha: string;

beforeEach(async () => {
  area = await createActionsMirrorArea();
  const run = await area.prepareRun();
  appDir = run.dir;
  startSha = run.prepared.headSha;
});

afterEach(async () => {
  await area.remote.cleanup();
});

/** The runner's side: a clone of the source bundle, one commit on top, bundled back. */
async function makeRunnerWork(files: Record<string, string>): Promise<{ runnerDir: string; bundle: string; sha: string }> {
  const source = join(area.root, "source.bundle");
  await createSourceBundle(appDir, source);
  const runnerDir = join(area.root, "runner", "work");
  await cloneSourceBundle(source, runnerDir, { branch: WORK_BRANCH, sha: startSha });
  for (const [path, content] of Object.entries(files)) await writeFile(join(runnerDir, path), content);
  const commit = await commitAll(runnerDir, "Add retries", APP_AUTHOR);
  const bundle = join(area.root, "work.bundle");
  expect(await createWorkBundle(runnerDir, bundle, { branch: WORK_BRANCH, fromSha: startSha })).toBe(true);
  return { runnerDir, bundle, sha: commit!.sha };
}

describe("git bundles between the app and a runner", () => {
  it("reads the checkout's branch and start commit", async () => {
    expect(await readCheckoutHead(appDir)).toEqual({ sha: startSha, branch: WORK_BRANCH });
  });

  it("clones the source bundle (history borrowed from the mirror included) on the work branch, without a remote", async () => {
    const source = join(area.root, "source.bundle");
    await createSourceBundle(appDir, source);
    const runnerDir = join(area.root, "runner", "work");
    await cloneSourceBundle(source, runnerDir, { branch: WORK_BRANCH, sha: startSha });
    expect(await readCheckoutHead(runnerDir)).toEqual({ sha: startSha, branch: WORK_BRANCH });
    expect(await readFile(join(runnerDir, "README.md"), "utf8")).toContain("Sample project");
    expect((await gitIn(runnerDir, ["remote"])).trim()).toBe("");
    expect((await gitIn(runnerDir, ["log", "--format=%s"])).trim().split("\n")).toEqual(["Start: Add retries", "Initial commit"]);
  });

  it("brings the runner's commit into the app's checkout: branch, files and all", async () => {
    const { bundle, sha } = await makeRunnerWork({ "retry.js": "export const retries = 3;\n" });
    expect(await applyWorkBundle(appDir, bundle, { branch: WORK_BRANCH, startSha })).toEqual({ ok: true, sha });
    expect(await readCheckoutHead(appDir)).toEqual({ sha, branch: WORK_BRANCH });
    expect(await readFile(join(appDir, "retry.js"), "utf8")).toBe("export const retries = 3;\n");
    expect((await gitIn(appDir, ["status", "--porcelain"])).trim()).toBe("");
  });

  it("writes no bundle when the branch holds nothing beyond the start commit", async () => {
    const source = join(area.root, "source.bundle");
    await createSourceBundle(appDir, source);
    const runnerDir = join(area.root, "runner", "work");
    await cloneSourceBundle(source, runnerDir, { branch: WORK_BRANCH, sha: startSha });
    expect(await createWorkBundle(runnerDir, join(area.root, "none.bundle"), { branch: WORK_BRANCH, fromSha: startSha })).toBe(false);
  });

  it("refuses a bundle whose head does not descend from the start commit, and leaves the checkout as it was", async () => {
    // Another history: built on the base branch's parent-less root, not on the start commit.
    const other = join(area.root, "other");
    await runTestGit(["init", "--quiet", `--initial-branch=${WORK_BRANCH}`, other]);
    await writeFile(join(other, "evil.txt"), "x\n");
    await runTestGit(["-C", other, "add", "--all"]);
    await runTestGit(["-C", other, "commit", "--quiet", "--message=unrelated"]);
    const bundle = join(area.root, "other.bundle");
    await runTestGit(["-C", other, "bundle", "create", "--quiet", bundle, `refs/heads/${WORK_BRANCH}`]);

    const check = await applyWorkBundle(appDir, bundle, { branch: WORK_BRANCH, startSha });
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toMatch(/does not descend from the run's start commit/);
    expect(await readCheckoutHead(appDir)).toEqual({ sha: startSha, branch: WORK_BRANCH });
  });

  it("refuses a bundle built on the base branch's tip instead of the start commit", async () => {
    // The runner's commit sits on `main`, beside the start commit rather than after it.
    const base = (await gitIn(appDir, ["rev-parse", "HEAD~1"])).trim();
    const other = join(area.root, "sibling");
    await runTestGit(["clone", "--quiet", "--no-checkout", area.remote.dir, other]);
    await runTestGit(["-C", other, "checkout", "--quiet", "-b", WORK_BRANCH, base]);
    await writeFile(join(other, "side.txt"), "x\n");
    await runTestGit(["-C", other, "add", "--all"]);
    await runTestGit(["-C", other, "commit", "--quiet", "--message=side"]);
    const bundle = join(area.root, "sibling.bundle");
    await runTestGit(["-C", other, "bundle", "create", "--quiet", bundle, `refs/heads/${WORK_BRANCH}`, `^${base}`]);

    const check = await applyWorkBundle(appDir, bundle, { branch: WORK_BRANCH, startSha });
    expect(!check.ok && check.reason).toMatch(/does not descend from the run's start commit/);
    expect(await readCheckoutHead(appDir)).toEqual({ sha: startSha, branch: WORK_BRANCH });
  });

  it("refuses a bundle that names another branch, and a file that is no bundle", async () => {
    const { runnerDir } = await makeRunnerWork({ "a.txt": "a\n" });
    const bundle = join(dirname(runnerDir), "main.bundle");
    await runTestGit(["-C", runnerDir, "branch", "other"]);
    await runTestGit(["-C", runnerDir, "bundle", "create", "--quiet", bundle, "refs/heads/other", `^${startSha}`]);
    const named = await applyWorkBundle(appDir, bundle, { branch: WORK_BRANCH, startSha });
    expect(!named.ok && named.reason).toMatch(/must hold exactly the branch hamster\/12-add-retries, and it holds refs\/heads\/other/);

    const junk = join(area.root, "junk.bundle");
    await writeFile(junk, "not a bundle\n");
    const notBundle = await applyWorkBundle(appDir, junk, { branch: WORK_BRANCH, startSha });
    expect(!notBundle.ok && notBundle.reason).toMatch(/not a git bundle/);
    expect(await readCheckoutHead(appDir)).toEqual({ sha: startSha, branch: WORK_BRANCH });
  });
});

describe("the source bundle in an existing checkout (--workdir)", () => {
  async function makeSource(): Promise<string> {
    const source = join(area.root, "source.bundle");
    await createSourceBundle(appDir, source);
    return source;
  }

  it("checks out the work branch at the start commit, keeps the ignored files, adds no config, and bundles the work from it", async () => {
    const workspace = await createActionsWorkspace(area);
    const config = await gitIn(workspace, ["config", "--local", "--list"]);

    await checkoutSourceBundle(await makeSource(), workspace, { branch: WORK_BRANCH, sha: startSha });
    expect(await readCheckoutHead(workspace)).toEqual({ sha: startSha, branch: WORK_BRANCH });
    expect(await readFile(join(workspace, INSTALLED_FILE), "utf8")).toContain("module.exports");
    expect(await gitIn(workspace, ["config", "--local", "--list"])).toBe(config);
    // The bundle's head came through a private ref, gone once the branch holds it.
    expect((await gitIn(workspace, ["for-each-ref", "refs/hamster/"])).trim()).toBe("");

    await writeFile(join(workspace, "retry.js"), "export const retries = 3;\n");
    const commit = await commitAll(workspace, "Add retries", APP_AUTHOR);
    expect(commit?.files).toEqual(["retry.js"]);
    const bundle = join(area.root, "work.bundle");
    expect(await createWorkBundle(workspace, bundle, { branch: WORK_BRANCH, fromSha: startSha })).toBe(true);
    expect(await applyWorkBundle(appDir, bundle, { branch: WORK_BRANCH, startSha })).toEqual({ ok: true, sha: commit!.sha });
    expect(await readFile(join(appDir, "retry.js"), "utf8")).toBe("export const retries = 3;\n");
    expect(existsSync(join(appDir, "node_modules"))).toBe(false);
  });

  it("puts the tracked files back to the start commit, whatever the setup steps changed in them", async () => {
    const workspace = await createActionsWorkspace(area);
    await writeFile(join(workspace, "README.md"), "changed by a setup step\n");
    await checkoutSourceBundle(await makeSource(), workspace, { branch: WORK_BRANCH, sha: startSha });
    expect(await readFile(join(workspace, "README.md"), "utf8")).toContain("Sample project");
    expect((await gitIn(workspace, ["status", "--porcelain"])).trim()).toBe("");
  });

  it("refuses a directory that is not the top of a git work tree", async () => {
    const source = await makeSource();
    const plain = join(area.root, "plain");
    await mkdir(plain);
    const at = { branch: WORK_BRANCH, sha: startSha };
    await expect(checkoutSourceBundle(source, plain, at)).rejects.toThrow(/cannot run the job in .*plain: it is not the top of a git work tree/);
    await expect(checkoutSourceBundle(source, join(area.root, "missing"), at)).rejects.toThrow(/there is no such directory/);
    // Below the top of a checkout: git would find the enclosing repository, Hamster does not.
    const workspace = await createActionsWorkspace(area);
    await mkdir(join(workspace, "sub"));
    await expect(checkoutSourceBundle(source, join(workspace, "sub"), at)).rejects.toBeInstanceOf(WorkspaceError);
    expect((await gitIn(workspace, ["rev-parse", "--abbrev-ref", "HEAD"])).trim()).toBe("main");
  });

  it("refuses a checkout whose git config would hand the agent credentials, and leaves it as it was", async () => {
    const workspace = await createActionsWorkspace(area);
    // What actions/checkout leaves with persist-credentials: true.
    const basic = Buffer.from(`x-access-token:${classicToken("ghs", "workdir")}`).toString("base64");
    await gitIn(workspace, ["config", "--local", "http.https://github.com/.extraheader", `AUTHORIZATION: basic ${basic}`]);
    const refused = checkoutSourceBundle(await makeSource(), workspace, { branch: WORK_BRANCH, sha: startSha });
    await expect(refused).rejects.toThrow(/holds http\.https:\/\/github\.com\/\.extraheader, .*persist-credentials: false/);
    await expect(refused).rejects.not.toThrow(basic);
    expect((await gitIn(workspace, ["rev-parse", "--abbrev-ref", "HEAD"])).trim()).toBe("main");
  });
});
