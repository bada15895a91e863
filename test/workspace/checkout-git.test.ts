import { describe, expect, it } from "vitest";
import { findUnsafeConfigKeys } from "../../src/workspace/checkout-git.js";

function listing(entries: Array<[string, string]>): string {
  return entries.map(([key, value]) => `${key}\n${value}\0`).join("");
}

describe("findUnsafeConfigKeys", () => {
  it("accepts what git clone writes and what an agent harmlessly sets", () => {
    const config = listing([
      ["core.repositoryformatversion", "0"],
      ["core.filemode", "true"],
      ["core.bare", "false"],
      ["core.logallrefupdates", "true"],
      ["remote.origin.url", "https://example.test/o/r.git"],
      ["remote.origin.tagopt", "--no-tags"],
      ["remote.origin.fetch", "+refs/heads/main:refs/remotes/origin/main"],
      ["branch.main.remote", "origin"],
      ["branch.main.merge", "refs/heads/main"],
      ["branch.hamster/12-Add.remote", "origin"],
      ["user.email", "agent@example.test"],
    ]);
    expect(findUnsafeConfigKeys(config)).toEqual([]);
  });

  it("names every key that could run a program or redirect a push, once, sorted", () => {
    const config = listing([
      ["filter.lfs.clean", "x"],
      ["core.sshcommand", "x"],
      ["remote.https://example.test/o/r.git.pushurl", "https://evil.test/"],
      ["url.https://evil.test/.insteadof", "https://example.test/"],
      ["include.path", "/tmp/x"],
      ["include.path", "/tmp/y"],
      ["http.https://example.test/.extraheader", "X: 1"],
      ["credential.helper", "store"],
    ]);
    expect(findUnsafeConfigKeys(config)).toEqual([
      "core.sshcommand",
      "credential.helper",
      "filter.lfs.clean",
      "http.https://example.test/.extraheader",
      "include.path",
      "remote.https://example.test/o/r.git.pushurl",
      "url.https://evil.test/.insteadof",
    ]);
  });
});
