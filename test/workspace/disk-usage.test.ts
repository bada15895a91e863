import { link, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getDiskUsage } from "../../src/workspace/disk-usage.js";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "hamster-du-"));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("getDiskUsage", () => {
  it("counts allocated bytes, a hard-linked file once, a symbolic link's target not at all, and skips what it is told to", async () => {
    const dir = join(root, "tree");
    await mkdir(join(dir, ".git"), { recursive: true });
    const empty = await getDiskUsage(dir, { skip: [".git"] });
    await writeFile(join(dir, "big.bin"), Buffer.alloc(256 * 1024, 1));
    const withFile = await getDiskUsage(dir, { skip: [".git"] });
    expect(withFile - empty).toBeGreaterThanOrEqual(256 * 1024);

    await link(join(dir, "big.bin"), join(dir, "same.bin"));
    await symlink(join(dir, "big.bin"), join(dir, "link.bin"));
    expect((await getDiskUsage(dir, { skip: [".git"] })) - withFile).toBeLessThan(64 * 1024);

    await writeFile(join(dir, ".git", "pack"), Buffer.alloc(512 * 1024, 2));
    expect(await getDiskUsage(dir, { skip: [".git"] })).toBeLessThan(withFile + 64 * 1024);
    expect(await getDiskUsage(dir)).toBeGreaterThanOrEqual(withFile + 512 * 1024);
    expect(await getDiskUsage(join(root, "missing"))).toBe(0);
  });
});
