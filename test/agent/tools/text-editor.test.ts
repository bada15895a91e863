import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEXT_EDITOR_MAX_OUTPUT_CHARS, executeTextEditor } from "../../../src/agent/tools/text-editor.js";

let workdir: string;
const run = (input: unknown) => executeTextEditor(input, { workdir });
const read = (rel: string) => readFileSync(path.join(workdir, rel), "utf8");

beforeEach(() => {
  workdir = realpathSync(mkdtempSync(path.join(tmpdir(), "hamster-editor-")));
  writeFileSync(path.join(workdir, "five.txt"), "one\ntwo\nthree\nfour\nfive\n");
});

afterEach(() => {
  rmSync(workdir, { recursive: true, force: true });
});

describe("view", () => {
  it("shows a file with right-aligned 1-based line numbers", async () => {
    const result = await run({ command: "view", path: "five.txt" });
    expect(result).toEqual({
      isError: false,
      content: "     1\tone\n     2\ttwo\n     3\tthree\n     4\tfour\n     5\tfive",
    });
  });

  it("honours view_range, with -1 meaning to the end", async () => {
    expect((await run({ command: "view", path: "five.txt", view_range: [2, 3] })).content).toBe("     2\ttwo\n     3\tthree");
    expect((await run({ command: "view", path: "five.txt", view_range: [4, -1] })).content).toBe("     4\tfour\n     5\tfive");
  });

  it("rejects a view_range outside the file", async () => {
    const result = await run({ command: "view", path: "five.txt", view_range: [9, 10] });
    expect(result.isError).toBe(true);
    expect(result.content).toMatch(/out of range.*5 lines/);
    expect((await run({ command: "view", path: "five.txt", view_range: [3, 2] })).isError).toBe(true);
  });

  it("lists a directory two levels deep without hidden entries or node_modules", async () => {
    mkdirSync(path.join(workdir, "src", "deep", "deeper"), { recursive: true });
    mkdirSync(path.join(workdir, "node_modules", "pkg"), { recursive: true });
    mkdirSync(path.join(workdir, ".hidden"), { recursive: true });
    writeFileSync(path.join(workdir, "src", "index.ts"), "");
    writeFileSync(path.join(workdir, "src", "deep", "deeper", "too-deep.ts"), "");
    writeFileSync(path.join(workdir, ".env"), "SECRET=1");
    const result = await run({ command: "view", path: "." });
    expect(result.isError).toBe(false);
    const lines = result.content.split("\n").slice(1);
    expect(lines).toEqual(["five.txt", "src/", "src/deep/", "src/index.ts"]);
  });

  it("caps long output to its head and tail, on whole lines, with a note", async () => {
    writeFileSync(path.join(workdir, "big.txt"), "x".repeat(100).concat("\n").repeat(1000));
    const result = await run({ command: "view", path: "big.txt" });
    expect(result.isError).toBe(false);
    expect(result.content.length).toBeLessThan(TEXT_EDITOR_MAX_OUTPUT_CHARS + 200);
    const lines = result.content.split("\n");
    expect(lines[0]).toBe(`     1\t${"x".repeat(100)}`);
    expect(lines.at(-1)).toBe(`  1000\t${"x".repeat(100)}`);
    expect(result.content).toMatch(/\n\[\.\.\. \d+ characters elided; use view with view_range to see the lines in between \.\.\.\]\n/);
    // Every kept line is whole.
    for (const line of lines.filter((l) => !l.startsWith("[..."))) expect(line).toMatch(/^ *\d+\tx{100}$/);
  });

  it("caps at the limit it is given", async () => {
    const result = await executeTextEditor({ command: "view", path: "five.txt" }, { workdir, maxOutputChars: 30 });
    expect(result.content).toBe("     1\tone\n[... 37 characters elided; use view with view_range to see the lines in between ...]\n     5\tfive");
  });

  it("reports a missing file as a tool error", async () => {
    expect(await run({ command: "view", path: "nope.txt" })).toEqual({ isError: true, content: "nope.txt does not exist." });
  });
});

describe("create", () => {
  it("writes the file and creates parent directories", async () => {
    const result = await run({ command: "create", path: "a/b/c.ts", file_text: "export const c = 1;\n" });
    expect(result.isError).toBe(false);
    expect(read("a/b/c.ts")).toBe("export const c = 1;\n");
  });

  it("refuses paths outside the workdir and inside .git", async () => {
    const outside = await run({ command: "create", path: "../escaped.txt", file_text: "x" });
    expect(outside.isError).toBe(true);
    expect(existsSync(path.join(workdir, "..", "escaped.txt"))).toBe(false);
    const hook = await run({ command: "create", path: ".git/hooks/pre-commit", file_text: "#!/bin/sh\n" });
    expect(hook.isError).toBe(true);
    expect(existsSync(path.join(workdir, ".git"))).toBe(false);
  });
});

describe("str_replace", () => {
  it("replaces the single occurrence and shows the edited region", async () => {
    const result = await run({ command: "str_replace", path: "five.txt", old_str: "three", new_str: "THREE" });
    expect(result.isError).toBe(false);
    expect(result.content).toContain("     3\tTHREE");
    expect(read("five.txt")).toBe("one\ntwo\nTHREE\nfour\nfive\n");
  });

  it("deletes when new_str is omitted", async () => {
    await run({ command: "str_replace", path: "five.txt", old_str: "two\n" });
    expect(read("five.txt")).toBe("one\nthree\nfour\nfive\n");
  });

  it("says no match, and leaves the file alone", async () => {
    const result = await run({ command: "str_replace", path: "five.txt", old_str: "six", new_str: "6" });
    expect(result.isError).toBe(true);
    expect(result.content).toMatch(/No match/);
    expect(read("five.txt")).toBe("one\ntwo\nthree\nfour\nfive\n");
  });

  it("says how many matches when old_str is not unique", async () => {
    const result = await run({ command: "str_replace", path: "five.txt", old_str: "o", new_str: "0" });
    expect(result.isError).toBe(true);
    expect(result.content).toMatch(/^3 matches of old_str .* make old_str unique/);
    expect(read("five.txt")).toBe("one\ntwo\nthree\nfour\nfive\n");
  });
});

describe("insert", () => {
  it("inserts after the given line", async () => {
    const result = await run({ command: "insert", path: "five.txt", insert_line: 2, insert_text: "two and a half\n" });
    expect(result.isError).toBe(false);
    expect(read("five.txt")).toBe("one\ntwo\ntwo and a half\nthree\nfour\nfive\n");
  });

  it("inserts at the top with 0 and at the end with the line count", async () => {
    await run({ command: "insert", path: "five.txt", insert_line: 0, insert_text: "zero" });
    await run({ command: "insert", path: "five.txt", insert_line: 6, insert_text: "six" });
    expect(read("five.txt")).toBe("zero\none\ntwo\nthree\nfour\nfive\nsix\n");
  });

  it("rejects a line past the end", async () => {
    const result = await run({ command: "insert", path: "five.txt", insert_line: 7, insert_text: "x" });
    expect(result.isError).toBe(true);
    expect(result.content).toMatch(/insert_line 7 is out of range/);
  });
});

describe("input validation", () => {
  it.each([
    [null, /must be an object/],
    [{ command: "undo_edit", path: "five.txt" }, /Unknown command "undo_edit"/],
    [{ command: "view" }, /path must be a string/],
    [{ command: "create", path: "x.txt" }, /create needs file_text/],
    [{ command: "str_replace", path: "five.txt", old_str: "" }, /old_str must not be empty/],
    [{ command: "insert", path: "five.txt", insert_line: "2", insert_text: "x" }, /insert_line/],
    [{ command: "view", path: "five.txt", view_range: [1] }, /view_range/],
  ])("names the problem in %j", async (input, message) => {
    const result = await run(input);
    expect(result.isError).toBe(true);
    expect(result.content).toMatch(message);
  });
});
