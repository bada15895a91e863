import { createServer, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import type { Duplex } from "node:stream";

/*
 * A corporate proxy in miniature, on 127.0.0.1: it records every request it gets, takes
 * every CONNECT to `forwardToPort` on 127.0.0.1 whatever the name (it "resolves" names
 * itself), and answers plain proxy requests itself. `status` makes it refuse instead.
 */

export interface UpstreamRequest {
  readonly method: string;
  /** The CONNECT authority or the absolute URL, as received. */
  readonly target: string;
  readonly host: string | undefined;
  readonly proxyAuthorization: string | undefined;
}

export interface FakeUpstreamProxy {
  readonly port: number;
  readonly received: UpstreamRequest[];
  /** Answer with this status instead of serving (403, 407, …); 200 serves. */
  status: number;
  close(): Promise<void>;
}

export async function startFakeUpstreamProxy(forwardToPort: number): Promise<FakeUpstreamProxy> {
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  const received: UpstreamRequest[] = [];
  const server: Server = createServer((req, res) => {
    received.push({ method: req.method ?? "", target: req.url ?? "", host: req.headers.host, proxyAuthorization: req.headers["proxy-authorization"] });
    if (fake.status !== 200) {
      res.writeHead(fake.status).end();
      return;
    }
    res.end(`upstream ${req.method} ${req.url}`);
  });
  server.on("connection", track);
  server.on("connect", (req, client: Socket) => {
    track(client);
    client.on("error", () => client.destroy());
    received.push({ method: "CONNECT", target: req.url ?? "", host: req.headers.host, proxyAuthorization: req.headers["proxy-authorization"] });
    if (fake.status !== 200) {
      client.end(`HTTP/1.1 ${fake.status} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const far = connect({ host: "127.0.0.1", port: forwardToPort }, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      far.pipe(client);
      client.pipe(far);
    });
    track(far);
    far.on("error", () => client.destroy());
    client.on("close", () => far.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const fake: FakeUpstreamProxy = {
    port: (server.address() as AddressInfo).port,
    received,
    status: 200,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
  return fake;
}
