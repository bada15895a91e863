import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseBranchName } from "../../src/git/ref-name.js";

describe("parseBranchName", () => {
  it.each([
    "main",
    "develop",
    "feature/x",
    "feature/login-form",
    "hamster/12-fix-the-bug",
    "a;b",
    "a$b",
    "a`b`",
    "a|b",
    "$(touch${IFS}x)",
    "a/-b",
    "x@",
    "a@b",
    "@x",
    "release-1.2.3",
    "under_score",
    "UPPER/Case",
    "é",
    "über/straße",
    "功能/分支",
    "emoji-🐹",
    "a.b",
    "a/b.c/d",
    "lock.a",
    "a.locked",
    "HEAD/x",
    "x".repeat(255),
    "é".repeat(127),
  ])("accepts %j", (name) => {
    expect(parseBranchName(name)).toEqual({ ok: true, value: name });
  });

  it.each([
    ["", "branch names cannot be empty"],
    ["--upload-pack=touch /tmp/x", "branch names cannot contain spaces"],
    ["--upload-pack=x", 'branch names cannot start with "-"'],
    ["-b", 'branch names cannot start with "-"'],
    ["../x", 'branch names cannot contain ".."'],
    ["a..b", 'branch names cannot contain ".."'],
    ["a b", "branch names cannot contain spaces"],
    ["a\tb", "branch names cannot contain control characters (found U+0009)"],
    ["a\nb", "branch names cannot contain control characters (found U+000A)"],
    ["a\u0000b", "branch names cannot contain control characters (found U+0000)"],
    ["a\u001bb", "branch names cannot contain control characters (found U+001B)"],
    ["a\u007fb", "branch names cannot contain control characters (found U+007F)"],
    ["a~1", 'branch names cannot contain "~"'],
    ["a^", 'branch names cannot contain "^"'],
    ["a:b", 'branch names cannot contain ":"'],
    ["a?", 'branch names cannot contain "?"'],
    ["a*", 'branch names cannot contain "*"'],
    ["a[b", 'branch names cannot contain "["'],
    ["a\\b", 'branch names cannot contain "\\"'],
    ["a@{b", 'branch names cannot contain "@{"'],
    ["@{-1}", 'branch names cannot contain "@{"'],
    ["@", 'a branch cannot be named "@"'],
    ["HEAD", 'a branch cannot be named "HEAD"'],
    ["/a", 'branch names cannot start with "/"'],
    ["a/", 'branch names cannot end with "/"'],
    ["a.", 'branch names cannot end with "."'],
    ["a//b", 'branch names cannot contain "//"'],
    [".hidden", 'no part of a branch name (between "/") can start with "."'],
    ["a/.b", 'no part of a branch name (between "/") can start with "."'],
    ["a.lock", 'no part of a branch name (between "/") can end with ".lock"'],
    ["a.lock/b", 'no part of a branch name (between "/") can end with ".lock"'],
    ["a/.lock", 'no part of a branch name (between "/") can start with "."'],
    ["x".repeat(256), "branch names can be at most 255 bytes long (this one is 256)"],
    ["x".repeat(300), "branch names can be at most 255 bytes long (this one is 300)"],
    // 128 two-byte characters: 128 UTF-16 units but 256 bytes.
    ["é".repeat(128), "branch names can be at most 255 bytes long (this one is 256)"],
    ["a\ud800b", "branch names must be valid Unicode text"],
  ])("rejects %j", (name, reason) => {
    expect(parseBranchName(name)).toEqual({ ok: false, reason });
  });
});

describe("parseBranchName agrees with git check-ref-format --branch", () => {
  // A fresh directory with the ceiling set at its parent: git finds no repository, so
  // --branch does not expand "@{-1}"-style names against some unrelated repo.
  const directory = mkdtempSync(join(tmpdir(), "ref-name-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const corpus = [
    "main", "feature/x", "a;b", "a$b", "a|b&c", "$(id)", "a/-b", "x@", "a@b", "@x", "a/@",
    "é", "über/straße", "功能", "🐹", "a.b", "a/b.c/d", "a.locked", "lock.a", "HEAD/x", "x/HEAD",
    "refs/heads/x", "x".repeat(200), "--upload-pack=touch /tmp/x", "--upload-pack=x", "-b", "-",
    "../x", "a..b", "..", ".", "a b", " a", "a ", "a\tb", "a\nb", "a\u0001b", "a\u001fb", "a\u007fb",
    "a~1", "a^", "a:b", "a?", "a*", "a[b", "a]b", "a\\b", "a@{b", "@{-1}", "HEAD", "/a", "a/",
    "a.", "a//b", ".hidden", "a/.b", "a.lock", "a.lock/b", "a/.lock", "a/b.lock", "a{b}", "a!b",
    "a#b", "a%b", "a'b", 'a"b', "a,b", "a=b", "a+b", "x".repeat(300), "@",
  ];

  const checkWithGit = (name: string): boolean =>
    spawnSync("git", ["check-ref-format", "--branch", name], {
      cwd: directory,
      env: { ...process.env, GIT_CEILING_DIRECTORIES: dirname(directory) },
      stdio: "ignore",
    }).status === 0;

  it("uses a corpus of about 60 names", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
  });

  it.each(corpus)("%j", (name) => {
    const ours = parseBranchName(name).ok;
    const bytes = Buffer.byteLength(name, "utf8");
    if (bytes > 255) {
      // Our own bound: git itself has none, we reject.
      expect(checkWithGit(name)).toBe(true);
      expect(ours).toBe(false);
    } else if (name === "@") {
      // git's --branch form checks "refs/heads/@" and lets it through; we refuse the HEAD alias.
      expect(checkWithGit(name)).toBe(true);
      expect(ours).toBe(false);
    } else {
      expect(ours).toBe(checkWithGit(name));
    }
  });
});
