/**
 * A scripted model for tests: nock answers POST /v1/messages with prepared replies, in order.
 *
 *   import nock from "nock";                       // before any Anthropic client is built
 *   const model = mockAnthropic([
 *     reply([toolUse("t1", "bash", { command: "ls" })], "tool_use"),
 *     reply([text("Done.")]),
 *     // or an error: { status: 401, body: apiError("authentication_error", "invalid x-api-key") }
 *   ]);
 *   ...run the agent...
 *   expect(model.requests[1].messages.at(-1).content[0].type).toBe("tool_result");
 *   expect(nock.isDone()).toBe(true);
 *
 * Each reply is used once; a request beyond the script fails with nock's "no match" error.
 * Tests still own `nock.disableNetConnect()` and `nock.cleanAll()`.
 */
import nock from "nock";

export interface TextBlock {
  type: "text";
  text: string;
  citations: null;
}

export interface ToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: unknown;
}

export type ContentBlock = TextBlock | ToolUseBlock;

export type StopReason = "end_turn" | "tool_use" | "max_tokens" | "stop_sequence" | "pause_turn" | "refusal" | "model_context_window_exceeded";

export interface ReplyUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number | null;
  cache_read_input_tokens: number | null;
}

/** A complete Messages API response body. */
export interface MessageBody {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: ContentBlock[];
  stop_reason: StopReason;
  stop_sequence: null;
  usage: ReplyUsage;
}

/** An HTTP error instead of a message, e.g. `{ status: 401, body: apiError("authentication_error", "invalid x-api-key") }`. */
export interface ErrorReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type ScriptedReply = MessageBody | ErrorReply;

export const DEFAULT_MODEL = "claude-sonnet-4-6";

let messageCounter = 0;

export function text(t: string): TextBlock {
  return { type: "text", text: t, citations: null };
}

export function toolUse(id: string, name: string, input: unknown): ToolUseBlock {
  return { type: "tool_use", id, name, input };
}

export function reply(
  content: ContentBlock[],
  stopReason: StopReason = "end_turn",
  usage: Partial<ReplyUsage> = {},
  model: string = DEFAULT_MODEL,
): MessageBody {
  messageCounter += 1;
  return {
    id: `msg_test_${messageCounter}`,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: 10,
      output_tokens: 5,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      ...usage,
    },
  };
}

/** The API's error body shape: `{ type: "error", error: { type, message } }`. */
export function apiError(type: string, message: string): { type: "error"; error: { type: string; message: string } } {
  return { type: "error", error: { type, message } };
}

function isErrorReply(r: ScriptedReply): r is ErrorReply {
  return "status" in r;
}

/**
 * Registers one interceptor per reply on POST {baseUrl}/v1/messages, consumed in order.
 * `requests` receives each parsed request body as it arrives (so `requests[i]` answered by `replies[i]`).
 */
export function mockAnthropic(
  replies: ScriptedReply[],
  { baseUrl = "https://api.anthropic.com" }: { baseUrl?: string } = {},
): { requests: any[]; scope: nock.Scope } {
  const url = new URL(baseUrl);
  const endpoint = `${url.pathname.replace(/\/$/, "")}/v1/messages`;
  const requests: any[] = [];
  const scope = nock(url.origin);
  for (const r of replies) {
    const interceptor = scope.post(endpoint);
    const record = (_uri: string, body: unknown): void => {
      requests.push(typeof body === "string" ? JSON.parse(body) : body);
    };
    if (isErrorReply(r)) {
      // The SDK retries 408/409/429/5xx unless told not to: pass maxRetries: 0 to the client, or
      // headers { "x-should-retry": "false" } here, to keep such a test to one request.
      interceptor.reply((uri, body) => {
        record(uri, body);
        return [r.status, r.body as nock.Body, { "content-type": "application/json", ...r.headers }];
      });
    } else {
      interceptor.reply((uri, body) => {
        record(uri, body);
        return [200, r, { "content-type": "application/json", "request-id": `req_${r.id}` }];
      });
    }
  }
  return { requests, scope };
}
