/**
 * A scripted model for tests: nock answers POST /v1/messages with prepared replies, in order.
 *
 *   import nock from "nock";                       // before any Anthropic client is built
 *   const model = mockAnthropic([
 *     reply([toolUse("t1", "bash", { command: "ls" })], "tool_use"),
 *     cutStream(reply([text("Done.")]), 3),        // the connection drops after 3 SSE events
 *     delayed(5_000, reply([text("Done.")])),      // answers after 5 s (for cancellation tests)
 *     held(gate, reply([text("Done.")])),          // answers once the promise `gate` resolves
 *     reply([text("Done.")]),
 *     // or an error: { status: 401, body: apiError("authentication_error", "invalid x-api-key") }
 *   ]);
 *   ...run the agent...
 *   expect(model.requests[1].messages.at(-1).content[0].type).toBe("tool_result");
 *   expect(nock.isDone()).toBe(true);
 *
 * A request with `stream: true` (client.messages.stream) gets the reply as server-sent
 * events, as the API sends them; any other request gets it as one JSON body. Each reply is
 * used once; a request beyond the script fails with nock's "no match" error. Tests still
 * own `nock.disableNetConnect()` and `nock.cleanAll()`.
 */
import { Readable } from "node:stream";
import nock from "nock";
import { renderMessageEvents } from "../../bench/lib/sse.js";

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

/**
 * A reply whose connection breaks part-way: after `afterEvents` SSE events (for a JSON
 * request: half of the body) the socket is reset ("reset"), or the body just ends ("truncate").
 */
export interface CutReply {
  cut: MessageBody;
  afterEvents: number;
  how: "reset" | "truncate";
}

/** A reply that arrives only after `delayMs` (nock's `.delay`), for tests that abort a call in flight. */
export interface DelayedReply {
  delayMs: number;
  then: MessageBody | ErrorReply;
}

/**
 * A reply that arrives only once `until` resolves: the model call stays in flight until the
 * test has seen what it waits for, however long that takes (the request is recorded at once).
 */
export interface HeldReply {
  until: Promise<unknown>;
  then: MessageBody | ErrorReply;
}

export type ScriptedReply = MessageBody | ErrorReply | CutReply | DelayedReply | HeldReply;

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

/** `message`, but the connection breaks after `afterEvents` events. */
export function cutStream(message: MessageBody, afterEvents: number, how: CutReply["how"] = "reset"): CutReply {
  return { cut: message, afterEvents, how };
}

/** `then`, answered only after `delayMs`. */
export function delayed(delayMs: number, then: MessageBody | ErrorReply): DelayedReply {
  return { delayMs, then };
}

/** `then`, answered only once `until` resolves. */
export function held(until: Promise<unknown>, then: MessageBody | ErrorReply): HeldReply {
  return { until, then };
}

/** The API's error body shape: `{ type: "error", error: { type, message } }`. */
export function apiError(type: string, message: string): { type: "error"; error: { type: string; message: string } } {
  return { type: "error", error: { type, message } };
}

function isErrorReply(r: ScriptedReply): r is ErrorReply {
  return "status" in r;
}

function isCutReply(r: ScriptedReply): r is CutReply {
  return "cut" in r;
}

function isDelayedReply(r: ScriptedReply): r is DelayedReply {
  return "delayMs" in r;
}

function isHeldReply(r: ScriptedReply): r is HeldReply {
  return "until" in r;
}

type NockReply = [number, nock.Body | Readable, Record<string, string>];

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
  for (const scripted of replies) {
    const r = isDelayedReply(scripted) || isHeldReply(scripted) ? scripted.then : scripted;
    let interceptor = scope.post(endpoint);
    if (isDelayedReply(scripted)) interceptor = interceptor.delay(scripted.delayMs);
    const answer = (body: any): NockReply => {
      const streaming = body?.stream === true;
      if (isErrorReply(r)) {
        // The SDK retries 408/409/429/5xx unless told not to: pass maxRetries: 0 to the client, or
        // headers { "x-should-retry": "false" } here, to keep such a test to one request.
        return [r.status, r.body as nock.Body, { "content-type": "application/json", ...r.headers }];
      }
      if (isCutReply(r)) {
        const chunks = streaming ? renderMessageEvents(r.cut).slice(0, r.afterEvents) : [JSON.stringify(r.cut).slice(0, 40)];
        return [200, brokenBody(chunks, r.how), { "content-type": streaming ? "text/event-stream" : "application/json" }];
      }
      const headers = { "request-id": `req_${r.id}` };
      if (streaming) return [200, renderMessageEvents(r).join(""), { ...headers, "content-type": "text/event-stream" }];
      return [200, r as unknown as nock.Body, { ...headers, "content-type": "application/json" }];
    };
    const record = (rawBody: nock.Body): any => {
      const body: any = typeof rawBody === "string" ? JSON.parse(rawBody) : rawBody;
      requests.push(body);
      return body;
    };
    if (isHeldReply(scripted)) {
      interceptor.reply(async (_uri, rawBody) => {
        const body = record(rawBody);
        await scripted.until;
        return answer(body);
      });
    } else {
      interceptor.reply((_uri, rawBody) => answer(record(rawBody)));
    }
  }
  return { requests, scope };
}

/** A body that sends `chunks` and then either fails like a reset connection or just ends early. */
function brokenBody(chunks: string[], how: CutReply["how"]): Readable {
  const body = new Readable({ read() {} });
  for (const chunk of chunks) body.push(chunk);
  // After a tick, so the client has read what was sent before the connection breaks.
  setTimeout(() => {
    if (how === "truncate") body.push(null);
    else body.destroy(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
  }, 10);
  return body;
}
