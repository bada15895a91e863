import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the benchmarks' local HTTP servers share: reading a request body, listening on 127.0.0.1, closing. */

/** The whole request body as UTF-8 text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBytes(req)).toString("utf8");
}

/** The whole request body, byte for byte. */
export function readBodyBytes(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Listens on a free port of 127.0.0.1; resolves with the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Drops every open connection and stops listening. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** A real HTTP server on 127.0.0.1 for a handler (the app's own endpoints); what it does not answer gets a 404. */
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
