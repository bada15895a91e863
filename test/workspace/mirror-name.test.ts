import { describe, expect, it } from "vitest";
import { renderMirrorDir, renderMirrorName } from "../../src/workspace/mirror-name.js";

describe("renderMirrorName", () => {
  it("is a hash of the URL followed by its host and path, made safe", () => {
    expect(renderMirrorName("https://github.com/Octo/Hello-World.git")).toMatch(/^[0-9a-f]{16}-github\.com-octo-hello-world\.git$/);
    expect(renderMirrorName("http://127.0.0.1:8080/remote.git")).toMatch(/^[0-9a-f]{16}-127\.0\.0\.1-8080-remote\.git$/);
    expect(renderMirrorName("file:///tmp/x/remote.git")).toMatch(/^[0-9a-f]{16}-tmp-x-remote\.git$/);
  });

  it("tells repositories apart even when their readable parts look alike", () => {
    const names = ["https://github.com/o/r.git", "https://github.com/o/r", "https://ghe.example/o/r.git", "https://github.com/o-r.git"].map(renderMirrorName);
    expect(new Set(names).size).toBe(names.length);
    expect(renderMirrorName("https://GitHub.com/o/r.git")).toBe(renderMirrorName("https://github.com/o/r.git"));
  });

  it("stays one short path segment whatever the URL holds", () => {
    const name = renderMirrorName(`https://example.test/${"a/".repeat(100)}..%2f..%2fetc/passwd?x=1#y`);
    expect(name).toMatch(/^[0-9a-f]{16}-[a-z0-9][a-z0-9._-]*\.git$/);
    expect(name.length).toBeLessThanOrEqual(16 + 1 + 64 + 4);
    expect(name).not.toContain("/");
    expect(renderMirrorDir("/data/mirrors", "https://github.com/o/r.git")).toBe(`/data/mirrors/${renderMirrorName("https://github.com/o/r.git")}`);
  });
});
