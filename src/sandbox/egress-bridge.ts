/*
 * The inside half of a "proxy" sandbox: a sandbox without a network of its own cannot reach
 * a TCP proxy on the host, and package managers speak HTTP(S)_PROXY over TCP, not Unix
 * sockets. So the egress proxy's socket directory is mounted into the sandbox, and a tiny
 * `node` script listens on the sandbox's own 127.0.0.1 and passes each connection to that
 * socket. The script starts the command once it listens and exits with it (then bwrap's
 * pid namespace, and whatever the command left behind, ends too).
 */

/** Where the egress proxy's socket directory is mounted inside the sandbox (in its private /tmp, where bwrap can create the mount point). */
export const EGRESS_SOCKET_DIR_INSIDE = "/tmp/.hamster-egress";

/** The port the bridge listens on, in the sandbox's own network namespace (the squid convention; rarely taken by a setup command). */
export const EGRESS_BRIDGE_PORT = 3128;

/** What every common tool reads to find its proxy; loopback stays direct (it holds only the bridge and the command's own servers). */
export function buildEgressProxyEnv(): Record<string, string> {
  const url = `http://127.0.0.1:${EGRESS_BRIDGE_PORT}`;
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    NO_PROXY: "localhost,127.0.0.1",
    no_proxy: "localhost,127.0.0.1",
  };
}

/**
 * Run as `node -e EGRESS_BRIDGE_SCRIPT -- <socket> <port> <file> [args…]`. CommonJS, because
 * `-e` takes CommonJS. Exit codes: the command's; 125 when the bridge cannot listen; 127
 * when the command cannot start; 128+n when the command died of signal n.
 */
export const EGRESS_BRIDGE_SCRIPT = `
"use strict";
const net = require("node:net");
const { spawn } = require("node:child_process");
const { constants } = require("node:os");
const [socketPath, port, file, ...args] = process.argv.slice(1);
const fail = (what, code) => (error) => {
  process.stderr.write("hamster egress bridge: " + what + ": " + error.message + "\\n");
  process.exit(code);
};
const server = net.createServer({ allowHalfOpen: true }, (client) => {
  const upstream = net.connect({ path: socketPath, allowHalfOpen: true });
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
  client.pipe(upstream);
  upstream.pipe(client);
});
server.on("error", fail("could not listen on 127.0.0.1:" + port, 125));
server.listen(Number(port), "127.0.0.1", () => {
  const child = spawn(file, args, { stdio: "inherit" });
  child.on("error", fail("could not start " + file, 127));
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    if (signal === null) process.exit(code === null ? 1 : code);
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    process.exit(128 + (constants.signals[signal] || 0));
  });
});
`;
