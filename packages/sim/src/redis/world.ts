/**
 * The simulated Redis in a world: {@link simRedis} declares the server as a store entry (its keyspace is the
 * entry's state, so properties, the timeline and the report see every command's changes) with the protocol that
 * makes it a server tasks connect to, and hands out ioredis-compatible clients for the task that asks.
 */
import { assert } from "@interleave/core";
import { scopes } from "../async/globals.js";
import type { TaskTable } from "../async/tasks.js";
import type { ServerProtocol } from "../async/types.js";
import type { StoreRef } from "../model/ops.js";
import type { WorldBuilder } from "../model/world/types.js";
import { SimRedis, type SimRedisOptions } from "./client.js";
import type { RedisEvent, RedisPush, RedisReply, RedisTransport } from "./protocol.js";
import { initialRedisState, type RedisServerOptions, type RedisState, redisServer } from "./server.js";

/** How requests, disconnects, restarts and pub/sub messages of the simulated Redis reach its machine. */
export const redisProtocol: ServerProtocol<RedisEvent, RedisPush> = {
  request: (payload, conn, atMs) => ({ _tag: "Command", conn, argv: payload as readonly string[], atMs }),
  disconnect: (conn) => ({ _tag: "Disconnect", conn }),
  restart: (atMs) => ({ _tag: "Restart", atMs }),
  push: (effect) =>
    effect._tag === "Message"
      ? { conn: effect.conn, payload: { channel: effect.channel, message: effect.message } }
      : null,
};

/** The simulated Redis of one run: its store entry, its transport, and clients for tasks. */
export interface SimRedisServer {
  /** The store entry holding the server's state (`view.get(ref)` in properties). */
  readonly ref: StoreRef<RedisState, RedisEvent, RedisReply>;
  /** Connections for the task that opens one (what {@link SimRedisServer.client} builds on). */
  readonly transport: RedisTransport;
  /**
   * A new ioredis-compatible client, connected from the task that calls this (call it inside a task's body;
   * pass it to the runtime as `client as unknown as Redis`).
   */
  client(options?: SimRedisOptions): SimRedis;
}

/**
 * Declare the simulated Redis under store key `options.key` (default `"redis"`). `options` also sets its
 * persistence (`aof`: nothing acknowledged is lost by a restart; `rdb`: a restart goes back to the last
 * snapshot; `none`: a restart empties it). Restarts strike under the fault plan's `restart`.
 */
export function simRedis(
  world: WorldBuilder,
  options: RedisServerOptions & { readonly key?: string } = {},
): SimRedisServer {
  const key = options.key ?? "redis";
  const ref = world.store(key, redisServer, initialRedisState(options), { server: redisProtocol });
  const transport: RedisTransport = {
    address: `sim://${key}`,
    open(handlers) {
      const scope = scopes.getStore();
      assert(
        scope !== undefined,
        `a connection to the simulated Redis "${key}" can only be opened inside a task`,
      );
      const conn = (scope.host as TaskTable).network.open(key, {
        ready: () => handlers.ready(),
        closed: (reason) => handlers.closed(reason),
        push: (payload) => {
          const { channel, message } = payload as { channel: string; message: string };
          handlers.push(channel, message);
        },
      });
      return {
        id: conn.id,
        send: (argv, reply) => conn.send(argv, reply as (reply: unknown) => void),
        close: () => conn.close(),
      };
    },
  };
  return { ref: ref as never, transport, client: (clientOptions) => new SimRedis(transport, clientOptions) };
}
