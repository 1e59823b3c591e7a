// The chaos proxy: a TCP proxy over `node:net` between the worker processes and Redis (a few lines, no
// library: it only pipes bytes, drops every connection on demand, and delays chunks), so the nemesis can drop
// connections and add latency without touching Redis or the clients. Latency keeps each direction's byte order:
// a chunk waits in its direction's queue until its delay has passed and every earlier chunk has left.

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
  // One FIFO per direction, drained by one timer at a time: chunks leave in the order they came (two timers set
  // for the same moment from different clock readings may fire out of order, which would corrupt the stream).
  const forward = (from: Socket, to: Socket) => {
    const queue: { readonly atMs: number; readonly chunk: Buffer }[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const drain = () => {
      timer = null;
      while (queue.length > 0 && queue[0]!.atMs <= Date.now()) {
        const { chunk } = queue.shift()!;
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(drain, Math.max(0, queue[0]!.atMs - Date.now()));
    };
    from.on("data", (chunk: Buffer) => {
      if (delayMs === 0 && queue.length === 0) {
        to.write(chunk);
        return;
      }
      queue.push({ atMs: Date.now() + delayMs, chunk });
      if (timer === null) timer = setTimeout(drain, Math.max(0, queue[0]!.atMs - Date.now()));
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
