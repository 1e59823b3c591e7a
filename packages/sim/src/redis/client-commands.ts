/**
 * The named command methods of the simulated ioredis client and of its pipelines (`client.get(key)`,
 * `pipeline.get(key)`), with the reply types ioredis gives them: one table, installed on both prototypes by
 * {@link installCommands}. Any other command goes through `call(name, ...args)`.
 */

import type { CommandArg } from "./command.js";

/** What each named command resolves with (ioredis's reply shapes; `hgetall` an object). */
export interface CommandReplies {
  get: string | null;
  set: string | null;
  setnx: number;
  setex: string;
  psetex: string;
  getset: string | null;
  getdel: string | null;
  mget: (string | null)[];
  mset: string;
  del: number;
  unlink: number;
  exists: number;
  type: string;
  rename: string;
  incr: number;
  incrby: number;
  decr: number;
  decrby: number;
  keys: string[];
  flushall: string;
  flushdb: string;
  dbsize: number;
  hset: number;
  hsetnx: number;
  hmset: string;
  hget: string | null;
  hmget: (string | null)[];
  hgetall: Record<string, string>;
  hkeys: string[];
  hvals: string[];
  hdel: number;
  hlen: number;
  hexists: number;
  hincrby: number;
  rpush: number;
  lpush: number;
  lpop: string | null;
  rpop: string | null;
  lrange: string[];
  llen: number;
  lrem: number;
  lindex: string | null;
  ltrim: string;
  sadd: number;
  srem: number;
  smembers: string[];
  scard: number;
  sismember: number;
  zadd: number | string | null;
  zrem: number;
  zrange: string[];
  zrevrange: string[];
  zrangebyscore: string[];
  zremrangebyscore: number;
  zcard: number;
  zscore: string | null;
  zcount: number;
  zincrby: string;
  zrank: number | null;
  pexpire: number;
  pexpireat: number;
  pttl: number;
  expire: number;
  expireat: number;
  persist: number;
  ttl: number;
  publish: number;
  time: [string, string];
  ping: string;
  echo: string;
  eval: unknown;
  evalsha: unknown;
  script: unknown;
  info: string;
  quit: "OK";
}

/** The names of {@link CommandReplies}, in one list (the methods installed). */
export const COMMAND_NAMES: readonly (keyof CommandReplies)[] = [
  "get",
  "set",
  "setnx",
  "setex",
  "psetex",
  "getset",
  "getdel",
  "mget",
  "mset",
  "del",
  "unlink",
  "exists",
  "type",
  "rename",
  "incr",
  "incrby",
  "decr",
  "decrby",
  "keys",
  "flushall",
  "flushdb",
  "dbsize",
  "hset",
  "hsetnx",
  "hmset",
  "hget",
  "hmget",
  "hgetall",
  "hkeys",
  "hvals",
  "hdel",
  "hlen",
  "hexists",
  "hincrby",
  "rpush",
  "lpush",
  "lpop",
  "rpop",
  "lrange",
  "llen",
  "lrem",
  "lindex",
  "ltrim",
  "sadd",
  "srem",
  "smembers",
  "scard",
  "sismember",
  "zadd",
  "zrem",
  "zrange",
  "zrevrange",
  "zrangebyscore",
  "zremrangebyscore",
  "zcard",
  "zscore",
  "zcount",
  "zincrby",
  "zrank",
  "pexpire",
  "pexpireat",
  "pttl",
  "expire",
  "expireat",
  "persist",
  "ttl",
  "publish",
  "time",
  "ping",
  "echo",
  "eval",
  "evalsha",
  "script",
  "info",
  "quit",
];

/** The client's named commands: each takes its arguments (see {@link CommandArg}) and resolves with its reply. */
export type ClientCommands = {
  [K in keyof CommandReplies]: (...args: CommandArg[]) => Promise<CommandReplies[K]>;
};

/** A pipeline's named commands: each queues the command and returns the pipeline, as ioredis's do. */
export type PipelineCommands<P> = { [K in keyof CommandReplies]: (...args: CommandArg[]) => P };

/**
 * Defines a method per name of {@link COMMAND_NAMES} on `prototype`, each calling `invoke(this, name, args)`
 * (args as given, a trailing callback included).
 */
export function installCommands<T>(
  prototype: object,
  invoke: (self: T, name: string, args: unknown[]) => unknown,
): void {
  for (const name of COMMAND_NAMES) {
    Object.defineProperty(prototype, name, {
      value: function (this: T, ...args: unknown[]) {
        return invoke(this, name, args);
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}
