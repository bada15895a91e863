import { describe, expect, it } from "vitest";
import type { RecordedRunEvent, RunEvent } from "../../src/domain/run-event.js";
import { renderEventLine, renderEventLog } from "../../src/reporter/render-event-log.js";

const AT = "2026-11-24T10:00:00.000Z";
const recorded = (events: RunEvent[], attempt = 1): RecordedRunEvent[] => events.map((event, i) => ({ runId: 5, attempt, seq: i + 1, at: AT, event }));
const modelCall = (turn: number): RunEvent => ({
  kind: "model_call",
  turn,
  model: "claude-sonnet-4-6",
  usage: { inputTokens: 1000, outputTokens: 200, cacheReadTokens: 5000, cacheWriteTokens: 300 },
  costUsd: 0.01,
});

describe("renderEventLog", () => {
  it("lists tool calls, commands and stages, one line each, with the model calls folded into one line", () => {
    const text = renderEventLog({
      events: [
        ...recorded([
          { kind: "stage", state: "preparing" },
          { kind: "command", purpose: "setup", command: "npm ci", exitCode: 0, ending: "exited", durationMs: 12_000, outputTail: "added 300 packages" },
          { kind: "plan", steps: ["a", "b"] },
          modelCall(1),
          { kind: "tool_call", turn: 1, tool: "bash", summary: "npm test", outcome: "ok", detail: "exit code 1", durationMs: 3_400 },
          { kind: "tool_call", turn: 1, tool: "str_replace_based_edit_tool", summary: "view src/missing.ts", outcome: "error", detail: "The path does not exist" },
          { kind: "progress", message: "turn 2: bash — ls", agent: { turn: 2, usage: null } },
          { kind: "context", briefSource: null, testCommand: "npm test" },
          { kind: "totals", turns: 2, usage: null, costUsd: null },
          modelCall(2),
        ]),
        ...recorded(
          [
            { kind: "command", purpose: "test", command: "npm test", exitCode: null, ending: "timeout", durationMs: 600_000, outputTail: "" },
            { kind: "verification", verification: { command: "npm test", passed: false, exitCode: 1, runs: 3, outputTail: "" } },
          ],
          2,
        ),
      ],
    });
    expect(text).toBe(
      [
        "### Activity",
        "",
        "2 model calls · 2,000 input, 10,000 cache read, 600 cache write, 400 output tokens · $0.0200",
        "",
        "- **preparing**",
        "- setup `npm ci` · exit 0 · 12s",
        "- plan · 2 steps",
        "- turn 1 · bash `npm test` · ok: exit code 1 · 3s",
        "- turn 1 · str\\_replace\\_based\\_edit\\_tool `view src/missing.ts` · error: The path does not exist",
        "- *attempt 2*",
        "- test `npm test` · timed out · 10m 00s",
        "- verification `npm test` · failed (exit 1) · 3 runs",
      ].join("\n"),
    );
  });

  it("shows text from the run as text: code stays code, Markdown and HTML are escaped, lines are joined", () => {
    expect(renderEventLine({ kind: "tool_call", turn: 2, tool: "bash", summary: "echo `x` | tee <out>", outcome: "error", detail: "**bold** <img src=x> [link](http://e.x) @alice\nsecond line" })).toBe(
      "turn 2 · bash ``echo `x` | tee <out>`` · error: \\*\\*bold\\*\\* &lt;img src=x&gt; \\[link\\]\\(http://e.x\\) @\u200balice second line",
    );
    expect(renderEventLine({ kind: "note", text: "# not a heading\n- not an item" })).toBe("note · \\# not a heading - not an item");
    expect(renderEventLine({ kind: "tool_call", turn: 1, tool: "TodoWrite", summary: "", outcome: "unknown" })).toBe("turn 1 · `TodoWrite` · outcome unknown");
  });

  it("keeps the newest lines within the limit and says how many were left out", () => {
    const events = recorded(Array.from({ length: 500 }, (_, i): RunEvent => ({ kind: "tool_call", turn: i + 1, tool: "bash", summary: `step ${i + 1} ${"x".repeat(300)}`, outcome: "ok" })));
    const text = renderEventLog({ events, maxChars: 3_000, maxEvents: 1_000 });
    expect(text.length).toBeLessThanOrEqual(3_000);
    expect(text).toContain("- turn 500 · bash `step 500");
    expect(text).not.toContain("turn 480 ·");
    expect(text).toMatch(/- … \d+ earlier lines not shown\n/);
    const few = renderEventLog({ events, maxEvents: 3 });
    expect(few.split("\n").filter((line) => line.startsWith("- turn")).length).toBe(3);
    expect(few).toContain("- … 497 earlier lines not shown");
  });

  it("uses the run's totals when given, says unknown usage is not reported, and is empty with nothing to show", () => {
    expect(renderEventLog({ events: recorded([modelCall(1)]), totals: { modelCalls: 7, usage: null, costUsd: null } })).toBe(
      "### Activity\n\n7 model calls · tokens not reported",
    );
    expect(renderEventLog({ events: recorded([{ kind: "progress", message: "x" }]) })).toBe("");
  });
});
