import { describe, expect, it } from "vitest";
import { capOutput } from "../../../src/agent/tools/cap-output.js";

describe("capOutput", () => {
  it("leaves text within the limit alone", () => {
    expect(capOutput("short", 5)).toBe("short");
  });

  it("keeps head and tail on whole lines, saying how much was left out and how to see it", () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${String(i).padStart(3, "0")}`).join("\n");
    const capped = capOutput(text, 100, "page with sed");
    const [head, tail] = capped.split(/\n\[\.\.\. \d+ characters elided; page with sed \.\.\.\]\n/);
    expect(head).toBe("line 000\nline 001\nline 002\nline 003\nline 004");
    expect(tail).toBe("line 095\nline 096\nline 097\nline 098\nline 099");
    const elided = Number(/(\d+) characters elided/.exec(capped)?.[1]);
    expect(elided).toBe(text.length - head!.length - tail!.length);
  });

  it("cuts one huge line anyway", () => {
    expect(capOutput("x".repeat(1000), 10)).toBe("xxxxx\n[... 990 characters elided ...]\nxxxxx");
  });
});
