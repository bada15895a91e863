import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitAll, readWorkDiff, WorkspaceError } from "../../src/workspace/workspace.js";
import { commitToRemote } from "../helpers/git.js";
import { APP_AUTHOR, createCheckoutFixture, gitIn, type CheckoutFixture } from "./checkout-fixture.js";

let fixture: CheckoutFixture;
let dir: string;
let baseSha: string;

beforeEach(async () => {
  fixture = await createCheckoutFixture({ files: { "README.md": "# Sample\n", "src/a.js": "export const a = 1;\n" } });
  const prepared = await fixture.prepare();
  dir = prepared.dir;
  baseSha = prepared.prepared.baseSha;
});

afterEach(() => fixture.remote.cleanup());

async function commitWork(files: Record<string, string>): Promise<string> {
  for (const [path, content] of Object.entries(files)) await writeFile(join(dir, path), content);
  const commit = await commitAll(dir, "Work", APP_AUTHOR);
  return commit!.sha;
}

describe("readWorkDiff", () => {
  it("is the patch of the work against the base, with the usual prefixes and paths as written", async () => {
    const head = await commitWork({ "hello.txt": "hello\n", "src/a.js": "export const a = 2;\n", "naïve <b>.txt": "x\n" });
    const diff = await readWorkDiff(dir, { from: { commit: baseSha }, head, maxBytes: 1_000_000 });
    expect(diff).toMatchObject({ baseSha, headSha: head, truncated: false });
    expect(diff.patch).toContain("diff --git a/hello.txt b/hello.txt\nnew file mode 100644");
    expect(diff.patch).toContain("+hello\n");
    expect(diff.patch).toContain("-export const a = 1;\n+export const a = 2;\n");
    expect(diff.patch).toContain("diff --git a/naïve <b>.txt b/naïve <b>.txt");
    // Exactly what git shows for the range: nothing more (no colour codes), nothing less.
    expect(diff.patch).toBe(await gitIn(dir, ["-c", "core.quotePath=false", "diff", "--no-color", "--find-renames", baseSha, head, "--"]));
  });

  it("starts at the merge base with the base branch, whatever the base did since", async () => {
    const head = await commitWork({ "hello.txt": "hello\n" });
    // main moves on after the work branch left it; the checkout's origin/main has not seen it yet,
    // and the diff shows only the work, not main's new commit reverted.
    await commitToRemote(fixture.remote.dir, "main", { "later.txt": "later\n" }, "Later on main");
    await gitIn(dir, ["fetch", "--quiet", "origin", "main:refs/remotes/origin/main"]);
    const diff = await readWorkDiff(dir, { from: { branch: "main" }, head, maxBytes: 1_000_000 });
    expect(diff.baseSha).toBe(baseSha);
    expect(diff.patch).toContain("hello.txt");
    expect(diff.patch).not.toContain("later.txt");
  });

  it("cuts a long patch at the last whole file that fits and says so", async () => {
    const big = `${"x".repeat(100)}\n`.repeat(200);
    const head = await commitWork({ "a-small.txt": "small\n", "b-big.txt": big, "c-small.txt": "small\n" });
    const full = await readWorkDiff(dir, { from: { commit: baseSha }, head, maxBytes: 1_000_000 });
    const diff = await readWorkDiff(dir, { from: { commit: baseSha }, head, maxBytes: 5_000 });
    expect(diff.truncated).toBe(true);
    expect(Buffer.byteLength(diff.patch)).toBeLessThanOrEqual(5_000);
    expect(diff.patch).toContain("diff --git a/a-small.txt b/a-small.txt");
    expect(diff.patch).not.toContain("b-big.txt");
    expect(full.patch.startsWith(diff.patch)).toBe(true);
  });

  it("cuts one file longer than the limit at a line's end", async () => {
    const head = await commitWork({ "big.txt": `${"é".repeat(50)}\n`.repeat(500) });
    const diff = await readWorkDiff(dir, { from: { commit: baseSha }, head, maxBytes: 3_001 });
    expect(diff.truncated).toBe(true);
    expect(diff.patch.endsWith("\n")).toBe(true);
    expect(diff.patch).not.toContain("\ufffd");
    expect(diff.patch).toContain("+éééé");
  });

  it("refuses what is not a commit id or a branch, before running git", async () => {
    await expect(readWorkDiff(dir, { from: { commit: "--output=/tmp/x" }, head: baseSha, maxBytes: 10 })).rejects.toBeInstanceOf(WorkspaceError);
    await expect(readWorkDiff(dir, { from: { branch: "a..b" }, head: baseSha, maxBytes: 10 })).rejects.toBeInstanceOf(WorkspaceError);
    await expect(readWorkDiff(dir, { from: { commit: baseSha }, head: "HEAD~1", maxBytes: 10 })).rejects.toBeInstanceOf(WorkspaceError);
  });

  it("refuses a checkout whose config could run a diff program on the host", async () => {
    const head = await commitWork({ "hello.txt": "hello\n" });
    await gitIn(dir, ["config", "--local", "diff.external", "/bin/false"]);
    await expect(readWorkDiff(dir, { from: { commit: baseSha }, head, maxBytes: 10_000 })).rejects.toThrow(/diff\.external/);
  });
});
