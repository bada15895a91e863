/**
 * Renders a complete Messages API response as the server-sent events the API streams for
 * it, so scripted replies can be served to `client.messages.stream()` exactly as the real
 * API would (the test helper and the benchmark's fake server share this).
 */

/** The parts of a Messages API response that the stream carries. */
export interface StreamableMessage {
  readonly id: string;
  readonly model: string;
  readonly content: readonly StreamableBlock[];
  readonly stop_reason: string | null;
  readonly stop_sequence?: string | null;
  readonly usage: {
    readonly input_tokens: number;
    readonly output_tokens: number;
    readonly cache_creation_input_tokens?: number | null;
    readonly cache_read_input_tokens?: number | null;
  };
}

export type StreamableBlock =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "tool_use"; readonly id: string; readonly name: string; readonly input: unknown }
  | { readonly type: string; readonly [key: string]: unknown };

/** One SSE frame: `event: <type>\ndata: <json>\n\n`. */
export function renderSseEvent(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/**
 * The event sequence of one message: message_start, then per block a start, its deltas
 * (text in two pieces, tool input as JSON in two pieces, as the API splits them) and a
 * stop, then message_delta with the stop reason and final usage, then message_stop.
 */
export function renderMessageEvents(message: StreamableMessage): string[] {
  const events: string[] = [];
  const usage = {
    input_tokens: message.usage.input_tokens,
    output_tokens: message.usage.output_tokens,
    cache_creation_input_tokens: message.usage.cache_creation_input_tokens ?? null,
    cache_read_input_tokens: message.usage.cache_read_input_tokens ?? null,
  };
  events.push(
    renderSseEvent("message_start", {
      message: {
        id: message.id,
        type: "message",
        role: "assistant",
        model: message.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // The API reports output tokens so far at the start; the final count comes in message_delta.
        usage: { ...usage, output_tokens: 1 },
      },
    }),
  );
  message.content.forEach((block, index) => {
    if (block.type === "text" && typeof block["text"] === "string") {
      const text = block["text"];
      events.push(renderSseEvent("content_block_start", { index, content_block: { type: "text", text: "" } }));
      for (const piece of halves(text)) {
        events.push(renderSseEvent("content_block_delta", { index, delta: { type: "text_delta", text: piece } }));
      }
    } else if (block.type === "tool_use") {
      const { id, name, input } = block as { id: string; name: string; input: unknown };
      events.push(renderSseEvent("content_block_start", { index, content_block: { type: "tool_use", id, name, input: {} } }));
      for (const piece of halves(JSON.stringify(input ?? {}))) {
        events.push(renderSseEvent("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: piece } }));
      }
    } else {
      events.push(renderSseEvent("content_block_start", { index, content_block: block }));
    }
    events.push(renderSseEvent("content_block_stop", { index }));
  });
  events.push(
    renderSseEvent("message_delta", {
      delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence ?? null },
      usage,
    }),
  );
  events.push(renderSseEvent("message_stop", {}));
  return events;
}

function halves(text: string): string[] {
  if (text.length < 2) return text === "" ? [] : [text];
  const middle = Math.floor(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)];
}
