import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveInWorkdir } from "../../src/workspace/path-guard.js";

let root: string;
let workdir: string;

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), "hamster-guard-")));
  workdir = path.join(root, "repo");
  mkdirSync(path.join(workdir, "src"), { recursive: true });
  mkdirSync(path.join(workdir, ".git", "hooks"), { recursive: true });
  writeFileSync(path.join(workdir, "src", "a.ts"), "export {};\n");
  writeFileSync(path.join(root, "secret.txt"), "outside\n");
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function refused(requested: string, dir = workdir): string {
  const result = resolveInWorkdir(dir, requested);
  if (result.ok) throw new Error(`expected ${requested} to be refused, got ${result.path}`);
  return result.error;
}

describe("resolveInWorkdir", () => {
  it("resolves relative paths, existing or not, against the workdir", () => {
    expect(resolveInWorkdir(workdir, "src/a.ts")).toEqual({ ok: true, path: path.join(workdir, "src", "a.ts") });
    expect(resolveInWorkdir(workdir, "new/dir/b.ts")).toEqual({ ok: true, path: path.join(workdir, "new", "dir", "b.ts") });
    expect(resolveInWorkdir(workdir, ".")).toEqual({ ok: true, path: workdir });
    expect(resolveInWorkdir(workdir, "src/../src/a.ts")).toEqual({ ok: true, path: path.join(workdir, "src", "a.ts") });
  });

  it("accepts absolute paths inside the workdir", () => {
    expect(resolveInWorkdir(workdir, path.join(workdir, "src/a.ts"))).toEqual({ ok: true, path: path.join(workdir, "src", "a.ts") });
  });

  it("refuses .. escapes and absolute paths outside", () => {
    expect(refused("../secret.txt")).toMatch(/outside the working directory/);
    expect(refused("src/../../secret.txt")).toMatch(/outside/);
    expect(refused(path.join(root, "secret.txt"))).toMatch(/outside/);
    expect(refused("/etc/passwd")).toMatch(/outside/);
  });

  it("refuses /proc", () => {
    expect(refused("/proc/self/environ")).toMatch(/\/proc/);
  });

  it("refuses a workdir symlink that points outside, for reading and for writing through it", () => {
    symlinkSync(root, path.join(workdir, "escape"));
    symlinkSync(path.join(root, "secret.txt"), path.join(workdir, "link.txt"));
    expect(refused("escape/secret.txt")).toMatch(/symbolic link/);
    expect(refused("escape/not-yet.txt")).toMatch(/symbolic link/);
    expect(refused("link.txt")).toMatch(/symbolic link/);
  });

  it("refuses a dangling symlink, whose target a write would create", () => {
    symlinkSync(path.join(root, "created-outside.txt"), path.join(workdir, "dangling"));
    expect(refused("dangling")).toMatch(/target does not exist/);
  });

  it("allows a symlink that stays inside", () => {
    symlinkSync(path.join(workdir, "src"), path.join(workdir, "alias"));
    expect(resolveInWorkdir(workdir, "alias/a.ts")).toEqual({ ok: true, path: path.join(workdir, "src", "a.ts") });
  });

  it("refuses anything inside .git, however it is spelled", () => {
    expect(refused(".git/hooks/pre-commit")).toMatch(/\.git/);
    expect(refused(".git")).toMatch(/\.git/);
    expect(refused("src/../.git/config")).toMatch(/\.git/);
    expect(refused(".GIT/config")).toMatch(/\.git/);
    expect(refused("vendor/lib/.git/hooks/post-checkout")).toMatch(/\.git/);
    expect(resolveInWorkdir(workdir, ".github/workflows/ci.yml").ok).toBe(true);
  });

  it("works when the workdir is reached through a symlink (macOS /tmp)", () => {
    const linked = path.join(root, "linked-repo");
    symlinkSync(workdir, linked);
    expect(resolveInWorkdir(linked, "src/a.ts")).toEqual({ ok: true, path: path.join(workdir, "src", "a.ts") });
    expect(resolveInWorkdir(linked, path.join(linked, "src/a.ts"))).toEqual({ ok: true, path: path.join(workdir, "src", "a.ts") });
    expect(resolveInWorkdir(linked, path.join(workdir, "src/a.ts"))).toEqual({ ok: true, path: path.join(workdir, "src", "a.ts") });
    expect(refused("../secret.txt", linked)).toMatch(/outside/);
  });

  it("refuses empty paths and a missing workdir", () => {
    expect(refused("")).toMatch(/empty/);
    expect(refused("a\0b")).toMatch(/NUL/);
    expect(refused("a.ts", path.join(root, "missing"))).toMatch(/does not exist/);
  });
});
