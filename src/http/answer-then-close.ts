import type { IncomingMessage, ServerResponse } from "node:http";

/** How much more of a refused body is read (and dropped), and for how long, before the connection is cut. */
const LINGER_MAX_BYTES = 8 * 1024 * 1024;
const LINGER_MAX_MS = 2_000;

/**
 * Answers a request whose body will not be read, and closes the connection. Closing at once
 * would reset a client that is still sending before it reads the answer (it sees EPIPE, not
 * the status), so the rest of the body is read and dropped until the client stops, or for
 * a bounded amount and time ("lingering close"). Nothing of it is kept.
 */
export function answerThenClose(request: IncomingMessage, response: ServerResponse, status: number, body: string): true {
  response.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), connection: "close" });
  // The whole answer goes out now; ending the response is what closes the connection.
  response.write(body);
  lingerThenClose(request, response);
  return true;
}

/** Ends a response whose head and body are written (with `connection: close`) once the client stops sending, or after a bounded amount and time. */
export function lingerThenClose(request: IncomingMessage, response: ServerResponse): void {
  let dropped = 0;
  const close = () => {
    clearTimeout(timer);
    request.off("data", onData);
    request.off("end", close);
    request.off("close", close);
    response.end();
  };
  const onData = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_MAX_BYTES) close();
  };
  const timer = setTimeout(close, LINGER_MAX_MS);
  request.on("data", onData);
  request.once("end", close);
  request.once("close", close);
  request.resume();
}
