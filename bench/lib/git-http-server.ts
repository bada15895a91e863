import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Taken at load, so a test that puts a wrapper first on PATH does not wrap the server's git. */
const SERVER_PATH = process.env.PATH ?? "/usr/bin:/bin";

/** By default a CGI request that takes longer than this is killed and answered 504. */
const REQUEST_TIMEOUT_MS = 20_000;

export interface GitHttpServerOptions {
  /** Directory holding the bare repositories; `url("remote.git")` serves `<root>/remote.git`. */
  root: string;
  /** When set, a request must carry `Authorization: Basic base64(x-access-token:<token>)` or gets 401. */
  requireToken?: string;
  /** Kill a request's `git http-backend` after this long (default 20 s); raise it for large clones. */
  requestTimeoutMs?: number;
}

export interface GitHttpServer {
  /** http://127.0.0.1:<port>/<repoName> */
  url(repoName: string): string;
  /** Every Authorization header received, in order, so tests can assert what git sent. */
  readonly authHeadersSeen: string[];
  /** Number of requests answered 401. */
  readonly unauthorizedCount: number;
  close(): Promise<void>;
}

/**
 * A real git smart-HTTP server on 127.0.0.1 (random port): `git http-backend` run as CGI
 * for each request, with pushes enabled, optionally behind token auth like GitHub's.
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const authHeadersSeen: string[] = [];
  const children = new Set<ChildProcess>();
  let unauthorizedCount = 0;
  const expected =
    options.requireToken === undefined ? undefined : `Basic ${Buffer.from(`x-access-token:${options.requireToken}`).toString("base64")}`;

  const server = createServer((request, response) => {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) authHeadersSeen.push(authorization);
    if (expected !== undefined && authorization !== expected) {
      unauthorizedCount += 1;
      request.resume();
      response.writeHead(401, { "WWW-Authenticate": 'Basic realm="hamster-test"', "Content-Type": "text/plain" });
      response.end("authentication required\n");
      return;
    }
    serveWithBackend(options.root, request, response, children, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: (repoName) => `http://127.0.0.1:${port}/${encodeURIComponent(repoName)}`,
    authHeadersSeen,
    get unauthorizedCount() {
      return unauthorizedCount;
    },
    close: async () => {
      for (const child of children) child.kill("SIGKILL");
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function serveWithBackend(root: string, request: IncomingMessage, response: ServerResponse, children: Set<ChildProcess>, timeoutMs: number): void {
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(", ") : (value ?? "");
  };
  const env: Record<string, string> = {
    PATH: SERVER_PATH,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    // http-backend refuses pushes from anonymous users unless receivepack is on explicitly.
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.receivepack",
    GIT_CONFIG_VALUE_0: "true",
    REQUEST_METHOD: request.method ?? "GET",
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ""),
    CONTENT_TYPE: header("content-type"),
    REMOTE_USER: "x-access-token",
    REMOTE_ADDR: "127.0.0.1",
    HTTP_CONTENT_ENCODING: header("content-encoding"),
    HTTP_GIT_PROTOCOL: header("git-protocol"),
  };
  if (request.headers["content-length"] !== undefined) env.CONTENT_LENGTH = header("content-length");

  const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
  children.add(child);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.stdin.on("error", () => undefined); // the backend may exit before reading everything
  request.pipe(child.stdin);

  let head = Buffer.alloc(0);
  let headerDone = false;
  // Backpressure: a clone of a large repository must not pile its pack up in memory.
  const forward = (chunk: Buffer) => {
    if (!response.write(chunk)) {
      child.stdout.pause();
      response.once("drain", () => child.stdout.resume());
    }
  };
  child.stdout.on("data", (chunk: Buffer) => {
    if (headerDone) {
      forward(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const parsed = parseCgiHead(head);
    if (parsed === null) return;
    headerDone = true;
    response.writeHead(parsed.status, parsed.headers);
    if (parsed.body.length > 0) forward(parsed.body);
  });
  child.on("error", (error) => {
    stderr += String(error);
  });
  child.on("close", (code, signal) => {
    clearTimeout(timer);
    children.delete(child);
    if (!headerDone && !response.headersSent) {
      response.writeHead(signal === "SIGKILL" ? 504 : 500, { "Content-Type": "text/plain" });
      response.end(`git http-backend failed (${code ?? signal}): ${stderr}`);
      return;
    }
    response.end();
  });
}

/** Splits CGI output into status, headers and the start of the body; null until the blank line has arrived. */
function parseCgiHead(buffer: Buffer): { status: number; headers: Record<string, string>; body: Buffer } | null {
  const crlf = buffer.indexOf("\r\n\r\n");
  const lf = buffer.indexOf("\n\n");
  const end = crlf !== -1 && (lf === -1 || crlf < lf) ? { at: crlf, length: 4 } : lf !== -1 ? { at: lf, length: 2 } : null;
  if (end === null) return null;
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of buffer.subarray(0, end.at).toString("latin1").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers, body: buffer.subarray(end.at + end.length) };
}
