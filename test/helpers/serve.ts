import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback } from "../../bench/lib/http.js";

/** A real HTTP server on 127.0.0.1 for a handler; what no handler answers gets a 404. */
export async function serveOnLoopback(
  handle: (request: IncomingMessage, response: ServerResponse) => boolean | Promise<boolean>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    void Promise.resolve(handle(request, response)).then(
      (handled) => {
        if (!handled && !response.headersSent) response.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
      },
      () => {
        if (!response.headersSent) response.writeHead(500).end();
      },
    );
  });
  const port = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}
