import { describe, expect, it } from "vitest";
import { createClaudeStreamReader, MAX_EVENT_CHARS } from "../../src/agent/claude-stream.js";

const line = (event: object): string => `${JSON.stringify(event)}\n`;
const bash = (id: string, command: string) => ({ type: "assistant", message: { content: [{ type: "tool_use", id, name: "Bash", input: { command } }] } });
const RESULT = {
  type: "result",
  subtype: "success",
  is_error: false,
  result: "All done.",
  usage: { input_tokens: 12, output_tokens: 34, cache_read_input_tokens: 56, cache_creation_input_tokens: 78 },
};

describe("createClaudeStreamReader", () => {
  it("reads events split anywhere, even inside a multi-byte character's line", () => {
    const text = line({ type: "system", subtype: "init", session_id: "s" }) + line(bash("t1", "echo 'héllo' && npm test")) + line(RESULT);
    const calls: string[] = [];
    const reader = createClaudeStreamReader((call) => calls.push(call));
    for (let at = 0; at < text.length; at += 7) reader.push(text.slice(at, at + 7));
    expect(reader.finish()).toEqual({
      events: 3,
      result: { text: "All done.", isError: false, subtype: "success", usage: { inputTokens: 12, outputTokens: 34, cacheReadTokens: 56, cacheWriteTokens: 78 } },
      commands: ["echo 'héllo' && npm test"],
    });
    expect(calls).toEqual(["Bash — echo 'héllo' && npm test"]);
  });

  it("reads a last line that has no newline", () => {
    const reader = createClaudeStreamReader();
    reader.push(JSON.stringify(RESULT));
    expect(reader.finish().result?.text).toBe("All done.");
  });

  it("counts no events in plain text, and ignores lines that are not events", () => {
    const plain = createClaudeStreamReader();
    plain.push("Summary: added feature.txt\n{not json}\n[1, 2]\n{\"no\": \"type\"}\n");
    expect(plain.finish()).toEqual({ events: 0, commands: [] });
  });

  it("skips a line longer than the limit without keeping it, and reads the next", () => {
    const reader = createClaudeStreamReader();
    const huge = line({ type: "user", message: { content: [{ type: "tool_result", content: "x".repeat(2 * MAX_EVENT_CHARS) }] } });
    for (let at = 0; at < huge.length; at += 65_536) reader.push(huge.slice(at, at + 65_536));
    reader.push(line(RESULT));
    expect(reader.finish()).toEqual(expect.objectContaining({ events: 1, result: expect.objectContaining({ text: "All done." }) }));
  });

  it("has no usage when the result lacks its counts, and reads an error result", () => {
    const reader = createClaudeStreamReader();
    reader.push(line({ type: "result", subtype: "error_during_execution", is_error: true, result: "No conversation found", usage: { output_tokens: 3 } }));
    expect(reader.finish().result).toEqual({ text: "No conversation found", isError: true, subtype: "error_during_execution" });
  });

  it("leaves out Bash calls the permission rules refused, and names other tools by their target", () => {
    const calls: string[] = [];
    const reader = createClaudeStreamReader((call) => calls.push(call));
    reader.push(line(bash("t1", "curl example.com")));
    reader.push(line(bash("t2", "npm test\nnpm run lint")));
    reader.push(line({ type: "assistant", message: { content: [{ type: "tool_use", id: "t3", name: "Edit", input: { file_path: "src/a.ts" } }, { type: "text", text: "x" }] } }));
    reader.push(line({ ...RESULT, permission_denials: [{ tool_name: "Bash", tool_use_id: "t1" }] }));
    expect(reader.finish().commands).toEqual(["npm test\nnpm run lint"]);
    expect(calls).toEqual(["Bash — curl example.com", "Bash — npm test", "Edit — src/a.ts"]);
  });
});
