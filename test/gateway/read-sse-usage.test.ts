import { describe, expect, it } from "vitest";
import { renderMessageEvents, renderSseEvent } from "../../bench/lib/sse.js";
import { createSseUsageReader } from "../../src/gateway/read-sse-usage.js";
import { createUsageTap } from "../../src/gateway/usage-tap.js";

const MESSAGE = {
  id: "msg_1",
  model: "claude-sonnet-4-6",
  content: [
    { type: "text", text: "Grüße aus dem Hamsterbau 🐹 — with a long tail. ".repeat(20) },
    { type: "tool_use", id: "toolu_1", name: "bash", input: { command: "echo 'ünï'" } },
  ],
  stop_reason: "tool_use",
  usage: { input_tokens: 1234, output_tokens: 567, cache_creation_input_tokens: 89, cache_read_input_tokens: 4321 },
};
const EXPECTED = { inputTokens: 1234, outputTokens: 567, cacheWriteTokens: 89, cacheReadTokens: 4321 };
const STREAM = Buffer.from(renderMessageEvents(MESSAGE).join(""), "utf8");

function readAll(chunks: readonly Buffer[]) {
  const reader = createSseUsageReader();
  for (const chunk of chunks) reader.push(chunk);
  reader.end();
  return { usage: reader.usage(), stopped: reader.stopped() };
}

function stopReasonOf(chunks: readonly Buffer[]): string | null {
  const reader = createSseUsageReader();
  for (const chunk of chunks) reader.push(chunk);
  return reader.stopReason();
}

function splitAt(bytes: Buffer, ...points: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    out.push(bytes.subarray(from, point));
    from = point;
  }
  return out;
}

describe("createSseUsageReader", () => {
  it("reads the usage from message_start and the final counts from message_delta", () => {
    expect(readAll([STREAM])).toEqual({ usage: EXPECTED, stopped: true });
    expect(stopReasonOf([STREAM])).toBe("tool_use");
    expect(stopReasonOf([STREAM.subarray(0, 200)])).toBeNull();
  });

  it("reads the same whatever the chunk boundaries: every split point, and byte by byte", () => {
    // Every single split point, including inside multi-byte characters and between "\n" and "\n".
    for (let point = 0; point <= STREAM.length; point++) {
      expect(readAll(splitAt(STREAM, point)), `split at ${point}`).toEqual({ usage: EXPECTED, stopped: true });
    }
    expect(readAll([...STREAM].map((byte) => Buffer.from([byte])))).toEqual({ usage: EXPECTED, stopped: true });
  });

  it("accepts CRLF and CR line endings, also when a CRLF is split across chunks", () => {
    for (const eol of ["\r\n", "\r"]) {
      const bytes = Buffer.from(STREAM.toString("utf8").replaceAll("\n", eol), "utf8");
      expect(readAll([bytes]), JSON.stringify(eol)).toEqual({ usage: EXPECTED, stopped: true });
      for (let point = 0; point <= bytes.length; point += 7) {
        expect(readAll(splitAt(bytes, point, point + 1)), `${JSON.stringify(eol)} at ${point}`).toEqual({ usage: EXPECTED, stopped: true });
      }
    }
  });

  it("keeps a CRLF split between chunks as one line end, not an empty line that ends the event", () => {
    // Without "type" in the data, only the event line names the event.
    const start = "event: message_start\r\ndata: {\"message\":{\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\r\n\r\n";
    const delta = "event: message_delta\r\ndata: {\"usage\":{\"output_tokens\":9}}\r\n\r\n";
    const bytes = Buffer.from(start + delta);
    const afterEventLine = start.length + "event: message_delta\r".length;
    expect(readAll(splitAt(bytes, afterEventLine)).usage).toEqual({ inputTokens: 3, outputTokens: 9, cacheReadTokens: 0, cacheWriteTokens: 0 });
  });

  it("keeps the earlier counts that a message_delta leaves out or sends as null", () => {
    const stream = [
      renderSseEvent("message_start", { message: { usage: { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 5, cache_creation_input_tokens: 2 } } }),
      renderSseEvent("message_delta", { delta: {}, usage: { output_tokens: 40, input_tokens: null } }),
      renderSseEvent("message_delta", { delta: {}, usage: { output_tokens: 55 } }),
    ].join("");
    expect(readAll([Buffer.from(stream)])).toEqual({ usage: { inputTokens: 10, outputTokens: 55, cacheReadTokens: 5, cacheWriteTokens: 2 }, stopped: false });
  });

  it("takes the event type from the data when the event line is missing, and ignores comments and junk", () => {
    const stream = [
      ": a comment\n\n",
      "event: ping\ndata: {\"type\": \"ping\"}\n\n",
      `data: ${JSON.stringify({ type: "message_start", message: { usage: { input_tokens: 7, output_tokens: 1 } } })}\n\n`,
      "event: message_delta\ndata: {not json\n\n",
      "event: message_delta\nretry: 10\nid: 3\ndata:",
      JSON.stringify({ type: "message_delta", usage: { output_tokens: 9 } }),
      "\n\n",
      // The last event without its blank line still counts.
      "event: message_stop\ndata: {\"type\":\"message_stop\"}",
    ].join("");
    expect(readAll([Buffer.from(stream)])).toEqual({ usage: { inputTokens: 7, outputTokens: 9, cacheReadTokens: 0, cacheWriteTokens: 0 }, stopped: true });
  });

  it("drops over-long lines without losing the events around them", () => {
    const huge = renderSseEvent("content_block_delta", { index: 0, delta: { type: "text_delta", text: "x".repeat(2_000_000) } });
    const unnamed = `data: ${JSON.stringify({ type: "content_block_delta", text: "y".repeat(2_000_000) })}\n\n`;
    const events = renderMessageEvents(MESSAGE);
    const stream = Buffer.from([events[0], huge, unnamed, ...events.slice(1)].join(""));
    expect(readAll(splitAt(stream, 100_000, 1_000_000, 3_000_000))).toEqual({ usage: EXPECTED, stopped: true });
  });
});

describe("createUsageTap", () => {
  it("reads a JSON answer's usage, and none from an error", () => {
    const json = createUsageTap(200, "application/json");
    const body = Buffer.from(JSON.stringify({ type: "message", usage: MESSAGE.usage }));
    json.push(body.subarray(0, 10));
    json.push(body.subarray(10));
    json.end();
    expect({ streamed: json.streamed, usage: json.usage(), complete: json.complete() }).toEqual({ streamed: false, usage: EXPECTED, complete: true });
    expect(json.stopReason()).toBeNull();
    const withReason = createUsageTap(200, "application/json");
    withReason.push(Buffer.from(JSON.stringify({ stop_reason: "end_turn", usage: MESSAGE.usage })));
    withReason.end();
    expect(withReason.stopReason()).toBe("end_turn");

    const error = createUsageTap(529, "application/json");
    error.push(Buffer.from(JSON.stringify({ usage: MESSAGE.usage })));
    error.end();
    expect(error.usage().inputTokens).toBe(0);
  });

  it("reads a stream with the SSE reader", () => {
    const tap = createUsageTap(200, "text/event-stream; charset=utf-8");
    tap.push(STREAM);
    expect(tap.complete()).toBe(true);
    tap.end();
    expect({ streamed: tap.streamed, usage: tap.usage() }).toEqual({ streamed: true, usage: EXPECTED });
  });
});
