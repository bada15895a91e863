import { request as requestHttp, type IncomingHttpHeaders, type RequestOptions } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { EgressRoute } from "./egress-decision.js";

/*
 * The far side of the egress proxy's connections, by the route decideEgress chose: straight
 * to the target (to the addresses it checked), or through the upstream proxy, which gets a
 * CONNECT or an absolute-form request and the upstream's own credentials, never the client's.
 */

export interface Target {
  /** A name or an IP address, without brackets. */
  readonly host: string;
  readonly port: number;
}

/** An error whose message completes "Hamster's egress proxy could not …". */
export class EgressConnectError extends Error {
  override readonly name = "EgressConnectError";
}

/**
 * A socket to `target` that bytes can flow through, and what the upstream proxy sent after
 * its answer (usually nothing). Rejects with an EgressConnectError when no tunnel opened
 * within `timeoutMs`. `track` gets every socket opened, so closing the proxy ends it.
 */
export function openTunnel(target: Target, route: EgressRoute, timeoutMs: number, track: (socket: Duplex) => void): Promise<{ socket: Socket; head: Buffer }> {
  return route.kind === "direct" ? connectDirect(target, route, timeoutMs, track) : connectThroughUpstream(target, route, timeoutMs, track);
}

function connectDirect(target: Target, route: EgressRoute & { kind: "direct" }, timeoutMs: number, track: (socket: Duplex) => void): Promise<{ socket: Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port, ...(route.lookup ? { lookup: route.lookup } : {}) });
    track(socket);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new EgressConnectError(`connect to ${authority(target)}: ${error.message}`));
    };
    const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs / 1000} s`)), timeoutMs);
    socket.once("error", fail);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", fail);
      resolve({ socket, head: Buffer.alloc(0) });
    });
  });
}

function connectThroughUpstream(target: Target, route: EgressRoute & { kind: "upstream" }, timeoutMs: number, track: (socket: Duplex) => void): Promise<{ socket: Socket; head: Buffer }> {
  const { proxy } = route;
  const where = authority(target);
  return new Promise((resolve, reject) => {
    const request = requestHttp({
      host: proxy.host,
      port: proxy.port,
      method: "CONNECT",
      path: where,
      headers: { host: where, ...(proxy.authorization ? { "proxy-authorization": proxy.authorization } : {}) },
      agent: false,
    });
    const timer = setTimeout(() => request.destroy(new Error(`no tunnel within ${timeoutMs / 1000} s`)), timeoutMs);
    request.on("socket", track);
    request.once("error", (error) => {
      clearTimeout(timer);
      reject(new EgressConnectError(`reach ${where} through the upstream proxy ${proxy.label}: ${error.message}`));
    });
    request.once("connect", (answer, socket, head) => {
      clearTimeout(timer);
      const status = answer.statusCode ?? 0;
      if (status >= 200 && status < 300) return resolve({ socket, head });
      socket.destroy();
      reject(new EgressConnectError(`reach ${where}: the upstream proxy ${proxy.label} answered ${status} ${answer.statusMessage ?? ""}`.trimEnd() + explainStatus(status)));
    });
    request.end();
  });
}

/** The options of the request that forwards a plain `GET http://…`, by its route. */
export function buildForwardRequest(url: URL, method: string | undefined, headers: IncomingHttpHeaders, route: EgressRoute): RequestOptions {
  const port = url.port === "" ? 80 : Number(url.port);
  const forwarded = { ...headers, host: url.host };
  if (route.kind === "direct") {
    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    return { host, port, method, path: `${url.pathname}${url.search}`, headers: forwarded, agent: false, ...(route.lookup ? { lookup: route.lookup } : {}) };
  }
  const { proxy } = route;
  return {
    host: proxy.host,
    port: proxy.port,
    method,
    // The absolute form, as proxies take it (RFC 9112 §3.2.2).
    path: `http://${url.host}${url.pathname}${url.search}`,
    headers: { ...forwarded, ...(proxy.authorization ? { "proxy-authorization": proxy.authorization } : {}) },
    agent: false,
  };
}

/** What an admin can do about the upstream's answer. */
export function explainStatus(status: number): string {
  return status === 407 ? " (it wants credentials: give them in the proxy variable's URL, http://user:password@host:port)" : "";
}

function authority(target: Target): string {
  return target.host.includes(":") ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}
