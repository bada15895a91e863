import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback, readBodyBytes } from "./http.js";
import { renderMessageEvents, type StreamableBlock } from "./sse.js";

/**
 * A small Anthropic-compatible Messages API server on 127.0.0.1 for benchmarks: it replays
 * scripted replies (as JSON, or as server-sent events when the request says `stream: true`)
 * and reports token usage the way the API accounts for prompt caching, so a run against it
 * shows how much of its input a real run would have read from the cache. It also counts
 * tokens (`/v1/messages/count_tokens`, which uses no scripted reply).
 */

/** One scripted answer; id, model and usage are filled in by the server. */
export interface ScriptedMessage {
  readonly content: readonly StreamableBlock[];
  readonly stop_reason: "end_turn" | "tool_use" | "max_tokens" | "stop_sequence";
}

export interface CacheUsage {
  readonly input_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly cache_read_input_tokens: number;
}

export interface FakeAnthropicServerOptions {
  /** The replies in order, or a function choosing the reply to each request (0-based). */
  readonly replies: readonly ScriptedMessage[] | ((request: unknown, index: number) => ScriptedMessage);
  /** Prefixes shorter than this are not cached, as with the API (1,024 tokens for Sonnet and Opus). */
  readonly minCacheableTokens?: number;
  /** Streamed answers are written one event at a time, this far apart, as the API's tokens trickle; default: all at once. */
  readonly streamIntervalMs?: number;
}

export interface FakeAnthropicServer {
  /** http://127.0.0.1:<port>, to pass as baseURL. */
  readonly url: string;
  /** Each parsed request body, in arrival order. */
  readonly requests: unknown[];
  /** The usage reported for each request, in arrival order. */
  readonly usage: (CacheUsage & { readonly output_tokens: number })[];
  /** Every request as it arrived (its path, headers and raw body) and the bytes of the answer, in arrival order. */
  readonly exchanges: FakeExchange[];
  close(): Promise<void>;
}

export interface FakeExchange {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The answer's body as sent (set once it is sent). */
  sent?: Buffer;
}

export async function startFakeAnthropicServer(options: FakeAnthropicServerOptions): Promise<FakeAnthropicServer> {
  const cache = new PromptCacheSimulator(options.minCacheableTokens);
  const requests: unknown[] = [];
  const usage: FakeAnthropicServer["usage"] = [];
  const exchanges: FakeExchange[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST" || !req.url?.startsWith("/v1/messages")) {
      sendError(res, 404, "not_found_error", `${req.method} ${req.url} is not served here`);
      return;
    }
    const exchange: FakeExchange = { path: req.url, headers: req.headers, body: await readBodyBytes(req) };
    exchanges.push(exchange);
    const send = (status: number, headers: Record<string, string>, text: string): void => {
      exchange.sent = Buffer.from(text, "utf8");
      res.writeHead(status, headers);
      res.end(exchange.sent);
    };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(exchange.body.toString("utf8")) as Record<string, unknown>;
    } catch {
      sendError(res, 400, "invalid_request_error", "The body is not JSON.");
      return;
    }
    if (req.url.startsWith("/v1/messages/count_tokens")) {
      // Counted as the cache simulator counts a request's tokens, with nothing cacheable.
      const { input_tokens } = new PromptCacheSimulator(Number.MAX_SAFE_INTEGER).account(body);
      send(200, { "content-type": "application/json" }, JSON.stringify({ input_tokens }));
      return;
    }
    const index = requests.length;
    requests.push(body);
    const scripted = typeof options.replies === "function" ? options.replies(body, index) : options.replies[index];
    if (scripted === undefined) {
      sendError(res, 500, "api_error", `No scripted reply for request ${index + 1}.`);
      return;
    }
    const counted = cache.account(body);
    const outputTokens = Math.max(1, estimateTokenCount(JSON.stringify(scripted.content)));
    usage.push({ ...counted, output_tokens: outputTokens });
    const message = {
      id: `msg_fake_${index + 1}`,
      type: "message",
      role: "assistant",
      model: typeof body["model"] === "string" ? body["model"] : "claude-fake",
      content: scripted.content,
      stop_reason: scripted.stop_reason,
      stop_sequence: null,
      usage: { ...counted, output_tokens: outputTokens },
    };
    if (body["stream"] === true && options.streamIntervalMs !== undefined) {
      await streamEvents(res, exchange, `req_fake_${index + 1}`, renderMessageEvents(message), options.streamIntervalMs);
    } else if (body["stream"] === true) {
      send(200, { "content-type": "text/event-stream", "request-id": `req_fake_${index + 1}` }, renderMessageEvents(message).join(""));
    } else {
      send(200, { "content-type": "application/json", "request-id": `req_fake_${index + 1}` }, JSON.stringify(message));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      sendError(res, 500, "api_error", error instanceof Error ? error.message : String(error));
    });
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    usage,
    exchanges,
    close: () => closeServer(server),
  };
}

/**
 * Prompt-cache accounting as the API does it, on estimated tokens (characters / 4).
 *
 * A request is a sequence of blocks in the API's cache order: tools, then system, then each
 * message's content blocks. A block with `cache_control` is a breakpoint. The prefixes
 * ending at breakpoints are remembered (written to the cache). For a new request, the
 * longest remembered prefix that is also a prefix of it (up to its last breakpoint; a request
 * without breakpoints reads nothing) is read from the cache; what lies
 * between that and the request's last breakpoint is written; the rest is plain input.
 * Prefixes are compared by a chained hash of their blocks, with `cache_control` itself left
 * out, as it does not change what is cached.
 */
export class PromptCacheSimulator {
  private readonly remembered = new Set<string>();

  constructor(private readonly minCacheableTokens = 1024) {}

  account(request: unknown): CacheUsage {
    const blocks = cacheOrderBlocks(request);
    let hash = "";
    let chars = 0;
    const prefixes = blocks.map((block) => {
      hash = createHash("sha256").update(hash).update("\u0000").update(block.text).digest("hex");
      chars += block.text.length;
      return { hash, tokens: estimateTokenCount(chars), breakpoint: block.breakpoint };
    });
    const total = prefixes.at(-1)?.tokens ?? 0;

    // The API looks for cached prefixes from the breakpoints back: a request without one reads nothing.
    const lastBreakpoint = prefixes.findLastIndex((prefix) => prefix.breakpoint);
    let read = 0;
    for (let i = lastBreakpoint; i >= 0; i--) {
      const prefix = prefixes[i];
      if (prefix !== undefined && this.remembered.has(prefix.hash)) {
        read = prefix.tokens;
        break;
      }
    }
    let cachedUpTo = read;
    for (const prefix of prefixes) {
      if (!prefix.breakpoint || prefix.tokens < this.minCacheableTokens) continue;
      this.remembered.add(prefix.hash);
      cachedUpTo = Math.max(cachedUpTo, prefix.tokens);
    }
    return {
      input_tokens: total - cachedUpTo,
      cache_creation_input_tokens: cachedUpTo - read,
      cache_read_input_tokens: read,
    };
  }
}

/** Tokens of a text of `chars` characters, as these benchmarks estimate them. */
export function estimateTokenCount(chars: number | string): number {
  const n = typeof chars === "string" ? chars.length : chars;
  return Math.ceil(n / 4);
}

interface CacheBlock {
  readonly text: string;
  readonly breakpoint: boolean;
}

function cacheOrderBlocks(request: unknown): CacheBlock[] {
  const body = (typeof request === "object" && request !== null ? request : {}) as Record<string, unknown>;
  const blocks: CacheBlock[] = [];
  const add = (kind: string, value: unknown): void => {
    const record = (typeof value === "object" && value !== null ? value : { text: value }) as Record<string, unknown>;
    const { cache_control: cacheControl, ...rest } = record;
    blocks.push({ text: `${kind}:${JSON.stringify(rest)}`, breakpoint: cacheControl != null });
  };
  for (const tool of asArray(body["tools"])) add("tool", tool);
  const system = body["system"];
  if (typeof system === "string") add("system", { type: "text", text: system });
  else for (const block of asArray(system)) add("system", block);
  for (const message of asArray(body["messages"])) {
    const { role, content } = (message ?? {}) as { role?: unknown; content?: unknown };
    if (typeof content === "string") add(String(role), { type: "text", text: content });
    else for (const block of asArray(content)) add(String(role), block);
  }
  return blocks;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

async function streamEvents(res: ServerResponse, exchange: FakeExchange, requestId: string, events: readonly string[], intervalMs: number): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "request-id": requestId });
  for (const [i, event] of events.entries()) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    if (res.destroyed) return;
    res.write(event);
  }
  exchange.sent = Buffer.from(events.join(""), "utf8");
  res.end();
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Scripted failures are final: the client should not retry into an empty script.
  res.writeHead(status, { "content-type": "application/json", "x-should-retry": "false" });
  res.end(JSON.stringify({ type: "error", error: { type, message } }));
}
