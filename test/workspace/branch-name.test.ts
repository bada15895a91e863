import { describe, expect, it } from "vitest";
import { parseBranchName } from "../../src/git/ref-name.js";
import { parseWorkBranch, renderSlug, renderWorkBranch } from "../../src/workspace/branch-name.js";

const TITLES = [
  "Fix the login bug",
  "Fix: Ünïcode titles!",
  "Crème brûlée & café — déjà vu",
  "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ １２３",
  "功能请求",
  "🐹🐹🐹",
  "",
  "   ",
  "--upload-pack=touch /tmp/x",
  "../../etc/passwd",
  "a;b && rm -rf /",
  "Tab\tand\nnewline",
  "Add retries to the HTTP client so flaky networks stop failing our nightly builds",
  "x".repeat(300),
  "word ".repeat(40),
  "ﬁle ligature",
  "Straße",
  "HEAD",
  "a.lock",
  "trailing dots...",
  "\u200bzero\u200bwidth",
];

describe("renderWorkBranch", () => {
  it.each([
    [1, "Fix the login bug", "hamster/1-fix-the-login-bug"],
    [42, "Fix: Ünïcode titles!", "hamster/42-fix-unicode-titles"],
    [7, "Crème brûlée & café — déjà vu", "hamster/7-creme-brulee-cafe-deja-vu"],
    [3, "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ １２３", "hamster/3-fullwidth-text-123"],
    [5, "功能请求", "hamster/5-task"],
    [5, "", "hamster/5-task"],
    [0, "local run", "hamster/0-local-run"],
    [9, "--upload-pack=touch /tmp/x", "hamster/9-upload-pack-touch-tmp-x"],
    [9, "../../etc/passwd", "hamster/9-etc-passwd"],
    [9, "ﬁle ligature", "hamster/9-file-ligature"],
    // ß has no decomposition and is not [a-z]: it becomes a separator.
    [9, "Straße", "hamster/9-stra-e"],
  ])("renders %i %j as %j", (issue, title, branch) => {
    expect(renderWorkBranch(issue, title)).toBe(branch);
  });

  it("cuts long slugs at the last word boundary before 48 characters", () => {
    const title = "Add retries to the HTTP client so flaky networks stop failing our nightly builds";
    // "add-retries-to-the-http-client-so-flaky-networks" is exactly 48 characters and is
    // followed by "-", so it is kept whole.
    expect(renderSlug(title)).toBe("add-retries-to-the-http-client-so-flaky-networks");
    expect(renderSlug("aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjjjjjjj")).toBe(
      "aaaa-bbbb-cccc-dddd-eeee-ffff-gggg-hhhh-iiii",
    );
  });

  it("cuts a slug without any dash at 48 characters", () => {
    expect(renderSlug("x".repeat(300))).toBe("x".repeat(48));
  });

  it("rejects issue numbers that are not non-negative integers", () => {
    expect(() => renderWorkBranch(-1, "x")).toThrow("issue number must be a non-negative integer, got -1");
    expect(() => renderWorkBranch(1.5, "x")).toThrow(RangeError);
    expect(() => renderWorkBranch(Number.NaN, "x")).toThrow(RangeError);
  });

  it.each(TITLES)("renders a valid git branch name for %j", (title) => {
    const name = renderWorkBranch(123456, title);
    expect(parseBranchName(name)).toEqual({ ok: true, value: name });
    const slug = name.slice("hamster/123456-".length);
    expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(slug.length).toBeLessThanOrEqual(48);
  });
});

describe("parseWorkBranch", () => {
  it.each(TITLES)("round-trips %j", (title) => {
    const name = renderWorkBranch(77, title);
    expect(parseWorkBranch(name)).toEqual({ issueNumber: 77, slug: renderSlug(title) });
    const parsed = parseWorkBranch(name);
    expect(parsed && renderWorkBranch(parsed.issueNumber, parsed.slug)).toBe(name);
  });

  it("parses a rendered name", () => {
    expect(parseWorkBranch("hamster/12-fix-the-bug")).toEqual({ issueNumber: 12, slug: "fix-the-bug" });
    expect(parseWorkBranch("hamster/0-task")).toEqual({ issueNumber: 0, slug: "task" });
  });

  it.each([
    "main",
    "hamster/",
    "hamster/12",
    "hamster/12-",
    "hamster/-fix",
    "hamster/x-fix",
    "hamster/012-fix",
    "hamster/12-Fix",
    "hamster/12-fix-",
    "hamster/12-fix--bug",
    "hamster/12-fix_bug",
    "hamster/12-fix/bug",
    "Hamster/12-fix",
    "refs/heads/hamster/12-fix",
    "feature/hamster/12-fix",
    "hamster/12-fix\n",
    `hamster/12-${"x".repeat(49)}`,
    `hamster/${"9".repeat(20)}-fix`,
  ])("returns null for %j", (name) => {
    expect(parseWorkBranch(name)).toBeNull();
  });
});
