import { describe, expect, it } from "vitest";
import { MAX_SUMMARY_CHARS, buildToolCallEvent, summarizeToolError, summarizeToolInput } from "../../src/agent/agent-events.js";

describe("summarizeToolInput", () => {
  it("keeps a shell command's first line, cut to the limit", () => {
    expect(summarizeToolInput("bash", { command: "\n  npm test -- --run  \nnpm run lint" })).toBe("npm test -- --run");
    const long = summarizeToolInput("Bash", { command: `echo ${"x".repeat(500)}` });
    expect(long).toHaveLength(MAX_SUMMARY_CHARS);
    expect(long.endsWith("…")).toBe(true);
    expect(summarizeToolInput("bash", { restart: true })).toBe("restart");
  });

  it("names the editor's command and path, never the text it writes", () => {
    expect(summarizeToolInput("str_replace_based_edit_tool", { command: "str_replace", path: "src/a.ts", old_str: "a", new_str: "b" })).toBe("str_replace src/a.ts");
    expect(summarizeToolInput("str_replace_based_edit_tool", { command: "create", path: "x.md", file_text: "secret" })).toBe("create x.md");
    expect(summarizeToolInput("Write", { file_path: "src/b.ts", content: "secret" })).toBe("src/b.ts");
  });

  it("says nothing of an input it does not know", () => {
    expect(summarizeToolInput("TodoWrite", { todos: [{ content: "a" }] })).toBe("");
    expect(summarizeToolInput("bash", "not an object")).toBe("");
  });
});

describe("tool call events", () => {
  it("takes an error's first line as its detail, and a detail given over it", () => {
    expect(summarizeToolError("\n\nFile not found: a.ts\nmore")).toBe("File not found: a.ts");
    expect(buildToolCallEvent(2, "bash", { command: "false" }, { isError: false, content: "[exit code: 1]", detail: "exit code 1" }, 5)).toEqual({
      kind: "tool_call",
      turn: 2,
      tool: "bash",
      summary: "false",
      outcome: "ok",
      detail: "exit code 1",
      durationMs: 5,
    });
    expect(buildToolCallEvent(1, "Read", { file_path: "a" }, { isError: "unknown", content: "" })).toEqual({ kind: "tool_call", turn: 1, tool: "Read", summary: "a", outcome: "unknown" });
  });
});
