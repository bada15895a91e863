import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer, request as requestHttp, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Duplex } from "node:stream";
import type { HostPattern } from "./egress-allowlist.js";
import { buildForwardRequest, explainStatus, openTunnel } from "./egress-connect.js";
import { decideEgress, defaultLookup, type EgressDecision, type EgressPolicy, type LookupHost } from "./egress-decision.js";
import type { UpstreamProxies } from "./upstream-proxy.js";

/*
 * The egress proxy of setup commands and command-line agents: an HTTP proxy on a Unix socket, outside the sandbox,
 * that lets through only CONNECT tunnels and plain `GET http://…` requests to the hosts an
 * admin allowed, directly or through the app's own upstream proxy (egress-decision.ts says
 * which checks apply to each). The socket lies in a fresh 0700 directory: only this user
 * (and the sandbox it is mounted into) can connect.
 */

export interface EgressProxyOptions {
  readonly allowHosts: readonly HostPattern[];
  /** Destination ports allowed. Default: 80 and 443. */
  readonly ports?: readonly number[];
  /** Longest wait for a name to resolve and for a connection to open (each). Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** A tunnel or request with no traffic for this long is closed. Default 5 minutes. */
  readonly idleTimeoutMs?: number;
  /** The setting a refusal tells people to change. Default HAMSTER_SETUP_ALLOW_HOSTS. */
  readonly allowSetting?: string;
  /** The proxy to chain to (the app's HTTPS_PROXY, HTTP_PROXY, NO_PROXY). Default: none, every connection is direct. */
  readonly upstream?: UpstreamProxies;
  /** How names are resolved for direct connections. Default: the system's resolver (dns.lookup). */
  readonly lookup?: LookupHost;
}

export interface EgressRefusal {
  readonly host: string;
  readonly requests: number;
  /** Why, in a few words: "not in the allowlist", "resolves to 10.0.0.5, a private address", … */
  readonly reason: string;
  /** What an admin can add to the allowlist setting so that it passes, when that is advisable: the host, or the address it resolves to. */
  readonly allowEntry?: string;
}

export interface EgressReport {
  /** Hosts let through (the connection may still have failed), with how many requests each. */
  readonly allowed: readonly { readonly host: string; readonly requests: number }[];
  readonly refused: readonly EgressRefusal[];
}

export interface EgressProxy {
  /** The Unix socket the proxy listens on; its directory is mounted into the sandbox. */
  readonly socketPath: string;
  /** What was allowed and refused so far. */
  report(): EgressReport;
  /** Stops listening, ends every open connection and removes the socket's directory. */
  close(): Promise<void>;
}

const MAX_HEADER_BYTES = 16 * 1024;
/** Package managers open a few dozen at once; far more is a command hammering the proxy. */
const MAX_CONNECTIONS = 256;
const DEFAULT_PORTS: readonly number[] = [80, 443];

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the proxy's own: never forwarded. */
const HOP_HEADERS = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade"]);

/** Starts a proxy for one run's setup or one agent session; close it when that is done. */
export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const ports = options.ports ?? DEFAULT_PORTS;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
  const allowed = new Map<string, number>();
  const refused = new Map<string, { requests: number; reason: string; allowEntry?: string }>();
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };

  const policy: EgressPolicy = {
    allowHosts: options.allowHosts,
    ports,
    upstream: options.upstream,
    lookup: options.lookup ?? defaultLookup,
    lookupTimeoutMs: connectTimeoutMs,
    allowSetting: options.allowSetting ?? "HAMSTER_SETUP_ALLOW_HOSTS",
  };

  /** Decides, and counts what was allowed and refused for the report. */
  async function decide(host: string, port: number, kind: "tunnel" | "request"): Promise<EgressDecision> {
    const decision = await decideEgress(policy, host, port, kind);
    if (decision.ok) allowed.set(decision.host, (allowed.get(decision.host) ?? 0) + 1);
    else if (decision.refusal !== undefined) {
      const previous = refused.get(decision.host);
      refused.set(decision.host, { ...decision.refusal, requests: (previous?.requests ?? 0) + 1 });
    }
    return decision;
  }

  async function handleConnect(request: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    track(client);
    client.on("error", () => client.destroy());
    const target = parseAuthority(request.url ?? "");
    if (target === undefined) return answerRaw(client, 400, `Hamster's egress proxy needs CONNECT host:port, got "${(request.url ?? "").slice(0, 200)}".`);
    const decision = await decide(target.host, target.port, "tunnel");
    if (!decision.ok) return answerRaw(client, decision.status, decision.message);
    let far: { socket: Socket; head: Buffer };
    try {
      far = await openTunnel({ host: unbracket(target.host), port: target.port }, decision.route, connectTimeoutMs, track);
    } catch (error) {
      return answerRaw(client, 502, `Hamster's egress proxy could not ${describe(error)}`);
    }
    const upstream = far.socket;
    if (client.destroyed) return void upstream.destroy();
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (far.head.length > 0) client.write(far.head);
    if (head.length > 0) upstream.write(head);
    upstream.setTimeout(idleTimeoutMs, () => upstream.destroy());
    // Each side's end reaches the other through pipe; a broken side breaks the other.
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => {
      if (!client.writableEnded) client.end();
    });
    client.on("close", () => upstream.destroy());
    upstream.pipe(client);
    client.pipe(upstream);
  }

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(request.url ?? "");
    } catch {
      return answer(response, 400, "Hamster's egress proxy takes absolute URLs (GET http://host/path) and CONNECT host:port.");
    }
    if (url.protocol !== "http:") return answer(response, 400, `Hamster's egress proxy forwards http: URLs only (use CONNECT for ${url.protocol}).`);
    const port = url.port === "" ? 80 : Number(url.port);
    const decision = await decide(url.hostname, port, "request");
    if (!decision.ok) return answer(response, decision.status, decision.message);
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(request.headers)) if (!HOP_HEADERS.has(name) && value !== undefined) headers[name] = value;
    const route = decision.route;
    const upstream = requestHttp(buildForwardRequest(url, request.method, headers, route));
    const timer = setTimeout(() => upstream.destroy(new Error(`no connection within ${connectTimeoutMs / 1000} s`)), connectTimeoutMs);
    upstream.on("socket", (socket) => {
      track(socket);
      socket.once("connect", () => clearTimeout(timer));
      socket.setTimeout(idleTimeoutMs, () => upstream.destroy(new Error("no traffic for too long")));
    });
    upstream.on("response", (answerFromUpstream) => {
      // The upstream proxy's own demand for credentials is no answer for the client, which has none to give.
      if (route.kind === "upstream" && answerFromUpstream.statusCode === 407) {
        answerFromUpstream.resume();
        return answer(response, 502, `Hamster's egress proxy could not reach ${url.host}: the upstream proxy ${route.proxy.label} answered 407${explainStatus(407)}`);
      }
      const forwarded: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answerFromUpstream.headers)) if (!HOP_HEADERS.has(name) && value !== undefined) forwarded[name] = value;
      response.writeHead(answerFromUpstream.statusCode ?? 502, forwarded);
      answerFromUpstream.pipe(response);
    });
    upstream.on("error", (error) => {
      clearTimeout(timer);
      if (response.headersSent) response.destroy();
      else answer(response, 502, `Hamster's egress proxy could not reach ${url.host}${route.kind === "upstream" ? ` through the upstream proxy ${route.proxy.label}` : ""}: ${error.message}`);
    });
    response.on("close", () => upstream.destroy());
    request.pipe(upstream);
  }

  const dir = await mkdtemp(path.join(tmpdir(), "hamster-egress-"));
  await chmod(dir, 0o700);
  const socketPath = path.join(dir, "proxy.sock");
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: connectTimeoutMs, requestTimeout: idleTimeoutMs });
  server.on("connection", (socket: Socket) => track(socket));
  // A sandboxed command opens these: a bug here must end one connection, never the app.
  server.on("connect", (request: IncomingMessage, client: Duplex, head: Buffer) => void handleConnect(request, client, head).catch(() => client.destroy()));
  server.on("request", (request: IncomingMessage, response: ServerResponse) => void handleRequest(request, response).catch(() => response.destroy()));
  server.maxConnections = MAX_CONNECTIONS;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    socketPath,
    report: () => ({
      allowed: [...allowed].map(([host, requests]) => ({ host, requests })),
      refused: [...refused].map(([host, entry]) => ({ host, ...entry })),
    }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `host:port` or `[v6]:port` of a CONNECT request; the host keeps its brackets. */
function parseAuthority(text: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/@\s]+):(\d{1,5})$/.exec(text);
  if (match === null) return undefined;
  const port = Number(match[2]);
  return port >= 1 && port <= 65_535 ? { host: match[1]!, port } : undefined;
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** A one-line plain-text answer on a socket that is not (or no longer) an HTTP response. */
function answerRaw(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) return;
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function answer(response: ServerResponse, status: number, message: string): void {
  const body = `${message}\n`;
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body), connection: "close" });
  response.end(body);
}

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway" };

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
