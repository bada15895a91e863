import { lookup as lookupDns } from "node:dns/promises";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer, request as requestHttp, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, isIP, type LookupFunction, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Duplex } from "node:stream";
import { classifyAddress } from "./classify-address.js";
import { isHostAllowed, normalizeHostName, type HostPattern } from "./egress-allowlist.js";

/*
 * The egress proxy of setup commands and command-line agents: an HTTP proxy on a Unix socket, outside the sandbox,
 * that lets through only CONNECT tunnels and plain `GET http://…` requests to the hosts an
 * admin allowed. A name is resolved here, refused when any of its addresses is not public
 * (loopback, private, link-local such as the metadata endpoint, …), and the connection goes
 * to the addresses just checked, never to a second lookup a rebinding DNS server could
 * answer differently. The socket lies in a fresh 0700 directory: only this user (and the
 * sandbox it is mounted into) can connect.
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
}

export interface EgressRefusal {
  readonly host: string;
  readonly requests: number;
  /** Why, in a few words: "not in the allowlist", "resolves to 10.0.0.5, a private address", … */
  readonly reason: string;
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

type Decision = { readonly ok: true; readonly lookup?: LookupFunction } | { readonly ok: false; readonly status: number; readonly message: string };

/** Starts a proxy for one run's setup or one agent session; close it when that is done. */
export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const ports = options.ports ?? DEFAULT_PORTS;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
  const setting = options.allowSetting ?? "HAMSTER_SETUP_ALLOW_HOSTS";
  const allowed = new Map<string, number>();
  const refused = new Map<string, { requests: number; reason: string }>();
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };

  const refuse = (host: string, reason: string, message: string): Decision => {
    const previous = refused.get(host);
    refused.set(host, { requests: (previous?.requests ?? 0) + 1, reason });
    return { ok: false, status: 403, message };
  };

  async function decide(rawHost: string, port: number): Promise<Decision> {
    const literal = rawHost.startsWith("[") && rawHost.endsWith("]") ? rawHost.slice(1, -1) : rawHost;
    const host = isIP(literal) === 0 ? normalizeHostName(literal) : literal;
    if (!isHostAllowed(options.allowHosts, host)) {
      return refuse(host, "not in the allowlist", `Hamster's egress proxy refused ${host}: it is not in ${setting}; an admin of the Hamster server can add it there.`);
    }
    if (!ports.includes(port)) {
      return refuse(host, `port ${port}`, `Hamster's egress proxy refused ${host}:${port}: only port${ports.length === 1 ? "" : "s"} ${ports.join(" and ")} can be reached.`);
    }
    // Listed literally: the admin chose that very address.
    if (isIP(literal) !== 0) return accept(host);
    let addresses: { address: string; family: number }[];
    try {
      addresses = await withTimeout(lookupDns(host, { all: true, verbatim: true }), connectTimeoutMs, `resolving ${host} took longer than ${connectTimeoutMs / 1000} s`);
    } catch (error) {
      return { ok: false, status: 502, message: `Hamster's egress proxy could not resolve ${host}: ${describe(error)}` };
    }
    const bad = addresses.find((entry) => classifyAddress(entry.address) !== "public");
    if (bad !== undefined || addresses.length === 0) {
      const what = bad === undefined ? "no address" : `${bad.address}, a ${classifyAddress(bad.address)} address`;
      return refuse(
        host,
        `resolves to ${what}`,
        `Hamster's egress proxy refused ${host}: it resolves to ${what}, and names may only lead to public addresses (an admin can list the address itself in ${setting}).`,
      );
    }
    // Connections use exactly these addresses: no second lookup.
    const lookup: LookupFunction = (_name, lookupOptions, callback) => {
      if (lookupOptions.all === true) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    };
    return accept(host, lookup);
  }

  function accept(host: string, lookup?: LookupFunction): Decision {
    allowed.set(host, (allowed.get(host) ?? 0) + 1);
    return lookup === undefined ? { ok: true } : { ok: true, lookup };
  }

  async function handleConnect(request: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    track(client);
    client.on("error", () => client.destroy());
    const target = parseAuthority(request.url ?? "");
    if (target === undefined) return answerRaw(client, 400, `Hamster's egress proxy needs CONNECT host:port, got "${(request.url ?? "").slice(0, 200)}".`);
    const decision = await decide(target.host, target.port);
    if (!decision.ok) return answerRaw(client, decision.status, decision.message);
    const upstream = connect({ host: unbracket(target.host), port: target.port, ...(decision.lookup ? { lookup: decision.lookup } : {}) });
    track(upstream);
    const timer = setTimeout(() => upstream.destroy(new Error(`no connection within ${connectTimeoutMs / 1000} s`)), connectTimeoutMs);
    let established = false;
    upstream.once("connect", () => {
      clearTimeout(timer);
      established = true;
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.setTimeout(idleTimeoutMs, () => upstream.destroy());
      // Each side's end reaches the other through pipe; a broken side breaks the other.
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", (error) => {
      clearTimeout(timer);
      if (established) client.destroy();
      else answerRaw(client, 502, `Hamster's egress proxy could not connect to ${target.host}:${target.port}: ${error.message}`);
    });
    upstream.on("close", () => {
      if (established && !client.writableEnded) client.end();
    });
    client.on("close", () => upstream.destroy());
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
    const decision = await decide(url.hostname, port);
    if (!decision.ok) return answer(response, decision.status, decision.message);
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(request.headers)) if (!HOP_HEADERS.has(name) && value !== undefined) headers[name] = value;
    headers.host = url.host;
    const upstream = requestHttp({
      host: unbracket(url.hostname),
      port,
      method: request.method,
      path: `${url.pathname}${url.search}`,
      headers,
      agent: false,
      ...(decision.lookup ? { lookup: decision.lookup } : {}),
    });
    const timer = setTimeout(() => upstream.destroy(new Error(`no connection within ${connectTimeoutMs / 1000} s`)), connectTimeoutMs);
    upstream.on("socket", (socket) => {
      track(socket);
      socket.once("connect", () => clearTimeout(timer));
      socket.setTimeout(idleTimeoutMs, () => upstream.destroy(new Error("no traffic for too long")));
    });
    upstream.on("response", (answerFromUpstream) => {
      const forwarded: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answerFromUpstream.headers)) if (!HOP_HEADERS.has(name) && value !== undefined) forwarded[name] = value;
      response.writeHead(answerFromUpstream.statusCode ?? 502, forwarded);
      answerFromUpstream.pipe(response);
    });
    upstream.on("error", (error) => {
      clearTimeout(timer);
      if (response.headersSent) response.destroy();
      else answer(response, 502, `Hamster's egress proxy could not reach ${url.host}: ${error.message}`);
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

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
