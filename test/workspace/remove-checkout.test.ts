import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeCheckout } from "../../src/workspace/workspace.js";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "hamster-remove-"));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("removeCheckout", () => {
  it("removes a checkout with everything in it", async () => {
    const dir = join(root, "checkout");
    await mkdir(join(dir, ".git", "objects"), { recursive: true });
    await writeFile(join(dir, ".git", "objects", "x"), "x");
    await removeCheckout(dir);
    await expect(stat(dir)).rejects.toThrow();
  });

  it("accepts a directory that is already gone", async () => {
    await expect(removeCheckout(join(root, "never-created"))).resolves.toBeUndefined();
  });

  it("refuses relative and root paths", async () => {
    await expect(removeCheckout("checkout")).rejects.toMatchObject({ code: "git_failed" });
    await expect(removeCheckout("/")).rejects.toMatchObject({ code: "git_failed" });
  });
});
