/**
 * The options of the simulated ioredis client ({@link SimRedis} in client.ts), their ioredis defaults, and the
 * reading of a SUBSCRIBE/UNSUBSCRIBE reply: the parts of the client that are plain data.
 */

import type { RedisReply, RedisTransport } from "./protocol.js";

/** The client's status, ioredis's values: `wait → connecting → connect → ready`, `close → reconnecting`, `end`. */
export type SimRedisStatus = "wait" | "connecting" | "connect" | "ready" | "close" | "reconnecting" | "end";

/** Options of {@link SimRedis}: the subset of ioredis's `RedisOptions` it honours (others are kept, unused). */
export interface SimRedisOptions {
  /** Shown in addresses (`redis://<host>:<port>`); default the transport address's host, else `sim`. */
  host?: string;
  /** Default 6379. */
  port?: number;
  /** Default false: the constructor connects at once; true: the first command (or `connect()`) does. */
  lazyConnect?: boolean;
  /**
   * Delay in ms before reconnect attempt `times` (1-based) after a connection was lost; a non-number (`null`)
   * ends the client. Default ioredis 5's `Math.min(times * 50, 2000)`; `null` never reconnects.
   */
  retryStrategy?: ((times: number) => number | null | undefined) | null;
  /**
   * Waiting commands are rejected with {@link MaxRetriesPerRequestError} at every `maxRetriesPerRequest + 1`-th
   * reconnect attempt in a row. Default 20; `null` never.
   */
  maxRetriesPerRequest?: number | null;
  /** Default true: commands sent while not ready wait in the offline queue; false: they are rejected. */
  enableOfflineQueue?: boolean;
  /** Default true: commands unanswered when a ready connection was lost are re-sent on the next one. */
  autoResendUnfulfilledCommands?: boolean;
  /** Default true: channels subscribed when a ready connection was lost are subscribed again on the next one. */
  autoResubscribe?: boolean;
  /** ms a command may wait for its reply (from the call, offline queue included); unset: no limit. */
  commandTimeout?: number;
  /** ms a connection may take to become ready before it is dropped (`connect ETIMEDOUT`); default 10000, 0 none. */
  connectTimeout?: number;
  /**
   * 2 (default, ioredis 5): a connection subscribed to a channel accepts only subscriber commands. 3 (ioredis
   * 6's default, RESP3): it accepts every command. Replies have the same shapes either way.
   */
  protocol?: 2 | 3;
  /** Accepted and ignored (no `CLIENT SETNAME` is sent). */
  connectionName?: string | null;
  /** Not supported: a non-empty prefix throws at construction. */
  keyPrefix?: string;
  readonly [other: string]: unknown;
}

/** {@link SimRedisOptions} with the defaults filled in, as `client.options`. */
export type ResolvedSimRedisOptions = SimRedisOptions & {
  host: string;
  port: number;
  lazyConnect: boolean;
  retryStrategy: ((times: number) => number | null | undefined) | null;
  maxRetriesPerRequest: number | null;
  enableOfflineQueue: boolean;
  autoResendUnfulfilledCommands: boolean;
  autoResubscribe: boolean;
  connectTimeout: number;
  protocol: 2 | 3;
  db: number;
};

function hostOf(address: string): string {
  try {
    const host = new URL(address).hostname;
    return host === "" ? "sim" : host;
  } catch {
    return "sim";
  }
}

export function resolveOptions(transport: RedisTransport, options: SimRedisOptions): ResolvedSimRedisOptions {
  if (typeof options.keyPrefix === "string" && options.keyPrefix !== "") {
    throw new Error("keyPrefix is not supported by the simulated Redis client");
  }
  return {
    host: hostOf(transport.address),
    port: 6379,
    lazyConnect: false,
    retryStrategy: (times: number) => Math.min(times * 50, 2000),
    maxRetriesPerRequest: 20,
    enableOfflineQueue: true,
    autoResendUnfulfilledCommands: true,
    autoResubscribe: true,
    connectTimeout: 10_000,
    protocol: 2,
    db: 0,
    ...options,
  };
}

/** The subscription count of a SUBSCRIBE/UNSUBSCRIBE reply, and the channels it names. */
export function subscriptionReply(reply: RedisReply): { count: number | null; channels: string[] } {
  const entries: RedisReply[] = Array.isArray(reply) && Array.isArray(reply[0]) ? [...reply] : [reply];
  let count: number | null = null;
  const channels: string[] = [];
  for (const entry of entries) {
    if (typeof entry === "number") count = entry;
    else if (Array.isArray(entry)) {
      if (typeof entry[1] === "string") channels.push(entry[1]);
      if (typeof entry[2] === "number") count = entry[2];
    }
  }
  return { count, channels };
}
