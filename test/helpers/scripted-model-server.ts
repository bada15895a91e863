import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { renderMessageEvents, type StreamableBlock } from "../../bench/lib/sse.js";

/** One scripted answer of the model, or "hang": the request is held, unanswered, until the server closes. */
export type ScriptedTurn = { readonly content: readonly StreamableBlock[]; readonly stop_reason: "end_turn" | "tool_use" } | "hang";

export interface ScriptedModelServer {
  /** http://127.0.0.1:<port>, a baseURL for the Anthropic SDK. */
  readonly url: string;
  /** How many requests arrived (held ones included). */
  readonly received: () => number;
  close(): Promise<void>;
}

/**
 * A Messages API on 127.0.0.1 that answers each request with the next scripted turn (as
 * server-sent events when it asks for a stream), for a runner process to talk to. A request
 * past the script is held like "hang".
 */
export async function startScriptedModelServer(turns: readonly ScriptedTurn[]): Promise<ScriptedModelServer> {
  let count = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const index = count++;
      const turn = turns[index] ?? "hang";
      if (turn === "hang") return;
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { stream?: boolean; model?: string };
      const message = { id: `msg_${index + 1}`, type: "message", role: "assistant", model: body.model ?? "claude-test", ...turn, stop_sequence: null, usage: { input_tokens: 100, output_tokens: 20 } };
      if (body.stream === true) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end(renderMessageEvents(message).join(""));
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(message));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
