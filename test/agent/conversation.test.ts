import type { MessageParam } from "@anthropic-ai/sdk/resources/messages/messages";
import { describe, expect, it } from "vitest";
import { estimateTokens, markCacheBreakpoints, trimOldToolResults } from "../../src/agent/conversation.js";

function turn(id: string, output: string, fileText?: string): MessageParam[] {
  return [
    { role: "assistant", content: [{ type: "tool_use", id, name: "bash", input: fileText === undefined ? { command: "ls" } : { command: "create", path: "a.txt", file_text: fileText } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: output }] },
  ];
}

function conversation(): MessageParam[] {
  return [{ role: "user", content: [{ type: "text", text: "the task ".repeat(500) }, { type: "text", text: "plan" }] }, ...turn("a", "A".repeat(5000), "F".repeat(4000)), ...turn("b", "B".repeat(5000)), ...turn("c", "C".repeat(5000)), ...turn("d", "D".repeat(5000))];
}

const marks = (messages: MessageParam[]) =>
  messages.flatMap((m, i) => (typeof m.content === "string" ? [] : m.content.flatMap((b, j) => ("cache_control" in b && b.cache_control ? [[i, j]] : []))));

describe("markCacheBreakpoints", () => {
  it("keeps exactly the last blocks of the two newest user messages marked", () => {
    const messages = conversation();
    markCacheBreakpoints(messages, true);
    expect(marks(messages)).toEqual([[6, 0], [8, 0]]);
    messages.push(...turn("e", "E"));
    markCacheBreakpoints(messages, true);
    expect(marks(messages)).toEqual([[8, 0], [10, 0]]);
  });

  it("marks the last block of a single user message, turning a string into a block", () => {
    const messages: MessageParam[] = [{ role: "user", content: "hello" }];
    markCacheBreakpoints(messages, true);
    expect(messages).toEqual([{ role: "user", content: [{ type: "text", text: "hello", cache_control: { type: "ephemeral" } }] }]);
  });

  it("removes every breakpoint when disabled", () => {
    const messages = conversation();
    markCacheBreakpoints(messages, true);
    markCacheBreakpoints(messages, false);
    expect(marks(messages)).toEqual([]);
  });
});

describe("trimOldToolResults", () => {
  it("shortens tool output and bulky tool input of all but the newest messages, leaving the app's text alone", () => {
    const messages = conversation();
    const before = estimateTokens(messages);

    const result = trimOldToolResults(messages, { keepRecentMessages: 4, keepChars: 100, minSavingChars: 1_000 });

    expect(result.trimmedBlocks).toBe(3);
    const blocks = messages.map((m) => (typeof m.content === "string" ? [] : m.content));
    expect(blocks[0]).toEqual(conversation()[0]?.content);
    const input = (blocks[1]?.[0] as { input: { file_text: string; command: string } }).input;
    expect(input.command).toBe("create");
    expect(input.file_text).toBe(`${"F".repeat(50)}\n[... 3900 characters were removed from this earlier tool call to keep the conversation short (the call itself ran in full) ...]\n${"F".repeat(50)}`);
    expect((blocks[2]?.[0] as { content: string }).content).toMatch(/^A{50}\n\[\.\.\. 4900 characters of this earlier tool result were removed/);
    expect((blocks[4]?.[0] as { content: string }).content).toMatch(/^B{50}\n\[\.\.\. 4900 characters/);
    // The newest four messages are whole.
    expect((blocks[6]?.[0] as { content: string }).content).toBe("C".repeat(5000));
    expect((blocks[8]?.[0] as { content: string }).content).toBe("D".repeat(5000));
    const shortenedLength = [input.file_text, (blocks[2]?.[0] as { content: string }).content, (blocks[4]?.[0] as { content: string }).content].reduce((n, t) => n + t.length, 0);
    expect(result.savedChars).toBe(4000 + 5000 + 5000 - shortenedLength);
    expect(estimateTokens(messages)).toBeLessThan(before);
  });

  it("does nothing when the saving would be too small to be worth a cache rewrite", () => {
    const messages = conversation();
    const result = trimOldToolResults(messages, { keepRecentMessages: 4, keepChars: 100, minSavingChars: 20_000 });
    expect(result).toEqual({ trimmedBlocks: 0, savedChars: 0 });
    expect(messages).toEqual(conversation());
  });

  it("leaves short results and the newest messages alone", () => {
    const messages = conversation();
    expect(trimOldToolResults(messages, { keepRecentMessages: 100, keepChars: 100, minSavingChars: 0 })).toEqual({ trimmedBlocks: 0, savedChars: 0 });
    expect(trimOldToolResults(messages, { keepRecentMessages: 0, keepChars: 10_000, minSavingChars: 0 })).toEqual({ trimmedBlocks: 0, savedChars: 0 });
  });
});
