import { request } from "node:http";
import type { Socket } from "node:net";
import { parseHostPattern, type HostPattern } from "../../src/sandbox/egress-allowlist.js";

/* What a sandboxed command does with the egress proxy, from outside a sandbox: requests sent to its Unix socket. */

export function allow(...hosts: string[]): HostPattern[] {
  return hosts.map((host) => {
    const parsed = parseHostPattern(host);
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.pattern;
  });
}

/** A plain proxied request: `GET <url>` sent to the proxy's socket. */
export function get(socketPath: string, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: "GET", path: url, headers, timeout: 5_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

/** CONNECT authority through the proxy; when it is granted, one HTTP request through the tunnel. */
export function tunnel(socketPath: string, authority: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method: "CONNECT", path: authority, timeout: 5_000 });
    req.on("connect", (res, socket: Socket, head: Buffer) => {
      // A refusal's body arrived with its head.
      let body = head.toString("utf8");
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => (body += chunk));
      socket.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      socket.on("error", reject);
      if (res.statusCode === 200) socket.write(`GET /tunnelled HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}
