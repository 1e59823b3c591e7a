// The chaos proxy: a TCP proxy over `node:net` between the worker processes and Redis (a few lines, no
// library: it only pipes bytes, drops every connection on demand, and delays chunks), so the nemesis can drop
// connections and add latency without touching Redis or the clients. Latency keeps each direction's byte order:
// a chunk leaves at max(now + delay, when the previous chunk of that direction left).

import { createServer, type Server, Socket } from "node:net";

/** A running proxy: `port` on 127.0.0.1 forwards to the target. */
export interface ChaosProxy {
  readonly port: number;
  /** Destroys every open connection pair (clients see a reset and reconnect); returns how many. */
  dropAll(): number;
  /** Adds `delayMs` to every chunk in both directions from now on (0: none). */
  setDelay(delayMs: number): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding to `targetPort` on 127.0.0.1. */
export function startProxy(targetPort: number): Promise<ChaosProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let delayMs = 0;
  const forward = (from: Socket, to: Socket) => {
    let lastMs = 0;
    from.on("data", (chunk) => {
      if (delayMs === 0 && lastMs <= Date.now()) {
        to.write(chunk);
        return;
      }
      const at = Math.max(Date.now() + delayMs, lastMs);
      lastMs = at;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, at - Date.now());
    });
  };
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
    upstream.connect(targetPort, "127.0.0.1");
    forward(client, upstream);
    forward(upstream, client);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({
        port,
        dropAll() {
          const n = pairs.size;
          for (const [a, b] of [...pairs]) {
            a.destroy();
            b.destroy();
          }
          pairs.clear();
          return n;
        },
        setDelay(ms) {
          delayMs = ms;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const [a, b] of pairs) {
              a.destroy();
              b.destroy();
            }
            server.close(() => done());
          }),
      });
    });
  });
}
