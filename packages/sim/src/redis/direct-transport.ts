/**
 * A {@link RedisTransport} without a world: every command is applied at once to a server machine's state held
 * here, and its reply (and any pub/sub messages it causes) delivered from a microtask, in order. For tests of
 * the client, and for running code written against ioredis (the runtime's conformance tests) on the simulated
 * server outside a simulated run. Faults are injected by hand: {@link DirectTransport.closeAll},
 * {@link DirectTransport.dropNextReply}, {@link DirectTransport.refuseConnections},
 * {@link DirectTransport.restart}.
 */

import type {
  ConnectionHandlers,
  RedisConnection,
  RedisEvent,
  RedisPush,
  RedisReply,
  RedisTransport,
} from "./protocol.js";

/**
 * A Redis server machine (e.g. `redisServer` of server.ts): a pure `transition` whose result, for a `Command`
 * event, is the command's {@link RedisReply}, and whose effects are the pub/sub messages to deliver.
 */
export interface RedisServerMachine<S> {
  transition(
    state: S,
    event: RedisEvent,
  ): { readonly state: S; readonly result: unknown; readonly effects: readonly RedisPush[] };
}

/** Options of {@link directTransport}. */
export interface DirectTransportOptions {
  /** The address reported; default `sim://redis`. */
  readonly address?: string;
  /**
   * The `atMs` of each command and restart (virtual ms since the run started; `TIME` answers from it). Default
   * always 0; pass e.g. `() => Date.now() - startMs` to let TTLs pass with the (fake or real) clock.
   */
  readonly nowMs?: () => number;
}

/** A {@link RedisTransport} applying commands at once, with hooks to inject faults (see the module comment). */
export interface DirectTransport<S> extends RedisTransport {
  /** The server's state now. */
  readonly state: S;
  /** Every command applied, in order, with the id of the connection that sent it. */
  readonly applied: readonly { readonly conn: number; readonly argv: readonly string[] }[];
  /** Connections open now (connected or connecting), by id. */
  readonly openIds: readonly number[];
  /**
   * Close every open connection from the server's side: the server forgets them (`Disconnect`), replies not
   * yet delivered are lost, and each client is told `closed(error)` (default `Error("read ECONNRESET")`) from a
   * microtask.
   */
  closeAll(error?: Error): void;
  /**
   * After the next `skip` commands (default 0), the `count` commands after them (default 1) are applied but
   * their replies are never delivered.
   */
  dropNextReply(count?: number, skip?: number): void;
  /** While on, a new connection is refused: its `closed(connect ECONNREFUSED)` comes instead of `ready`. */
  refuseConnections(on: boolean): void;
  /** Restart the server (`Restart` event: what it did not persist is lost), closing every connection. */
  restart(): void;
}

interface Open {
  readonly id: number;
  readonly handlers: ConnectionHandlers;
  ready: boolean;
  closed: boolean;
  readonly pending: { argv: readonly string[]; reply: (reply: RedisReply) => void }[];
}

/**
 * A {@link DirectTransport} over `machine` starting from `initial`.
 *
 * @example
 * ```ts
 * const transport = directTransport(redisServer, initialRedisState());
 * const client = new SimRedis(transport);
 * await client.set("k", "1");
 * transport.dropNextReply();
 * const incr = client.incr("k"); // applied, reply lost
 * transport.closeAll();          // the client reconnects and re-sends INCR: k is 3
 * ```
 */
export function directTransport<S>(
  machine: RedisServerMachine<S>,
  initial: S,
  options: DirectTransportOptions = {},
): DirectTransport<S> {
  const nowMs = options.nowMs ?? (() => 0);
  let state = initial;
  let nextId = 1;
  let dropping = 0;
  let skipping = 0;
  let refusing = false;
  const connections = new Map<number, Open>();
  const applied: { conn: number; argv: readonly string[] }[] = [];

  const step = (event: RedisEvent): { result: unknown; effects: readonly RedisPush[] } => {
    const t = machine.transition(state, event);
    state = t.state;
    return t;
  };

  const deliverPushes = (effects: readonly RedisPush[]): void => {
    for (const push of effects) {
      const target = connections.get(push.conn);
      if (target === undefined) continue;
      queueMicrotask(() => {
        if (!target.closed) target.handlers.push(push.channel, push.message);
      });
    }
  };

  const execute = (open: Open, argv: readonly string[], reply: (reply: RedisReply) => void): void => {
    applied.push({ conn: open.id, argv: [...argv] });
    const t = step({ _tag: "Command", conn: open.id, argv, atMs: nowMs() });
    const drop = skipping === 0 && dropping > 0;
    if (skipping > 0) skipping--;
    else if (drop) dropping--;
    if (!drop) {
      queueMicrotask(() => {
        if (!open.closed) reply(t.result as RedisReply);
      });
    }
    deliverPushes(t.effects);
  };

  const forget = (open: Open): void => {
    open.closed = true;
    connections.delete(open.id);
    step({ _tag: "Disconnect", conn: open.id });
  };

  const closeAll = (error: Error = new Error("read ECONNRESET")): void => {
    for (const open of [...connections.values()]) {
      forget(open);
      queueMicrotask(() => open.handlers.closed(error));
    }
  };

  return {
    address: options.address ?? "sim://redis",
    get state() {
      return state;
    },
    applied,
    get openIds() {
      return [...connections.keys()];
    },
    open(handlers: ConnectionHandlers): RedisConnection {
      const open: Open = { id: nextId++, handlers, ready: false, closed: false, pending: [] };
      connections.set(open.id, open);
      const refused = refusing;
      queueMicrotask(() => {
        if (open.closed) return;
        if (refused) {
          forget(open);
          handlers.closed(
            Object.assign(new Error("connect ECONNREFUSED sim"), {
              code: "ECONNREFUSED",
              syscall: "connect",
            }),
          );
          return;
        }
        open.ready = true;
        handlers.ready();
        for (const p of open.pending.splice(0)) execute(open, p.argv, p.reply);
      });
      return {
        id: open.id,
        send(argv, reply) {
          if (open.closed) return;
          if (open.ready) execute(open, argv, reply);
          else open.pending.push({ argv, reply });
        },
        close() {
          if (!open.closed) forget(open);
        },
      };
    },
    closeAll,
    dropNextReply(count = 1, skip = 0) {
      dropping += count;
      skipping += skip;
    },
    refuseConnections(on) {
      refusing = on;
    },
    restart() {
      closeAll(new Error("read ECONNRESET (server restarted)"));
      step({ _tag: "Restart", atMs: nowMs() });
    },
  };
}
