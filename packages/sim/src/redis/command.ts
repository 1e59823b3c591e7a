/**
 * One command of the simulated ioredis client ({@link SimRedis}): its name and arguments as ioredis builds them
 * (arrays flattened one level, numbers and Buffers made strings, `hset`/`mset` objects spread), its promise, the
 * `commandTimeout` timer, and the conversion of a {@link RedisReply} into what ioredis resolves with. Also the
 * errors ioredis rejects with, under the same names and messages, and the Lua script wrapper of
 * `defineCommand` (ioredis's `Script`: EVAL the first time on a connection, EVALSHA after, EVAL again on
 * `NOSCRIPT`).
 */

import { createHash } from "node:crypto";
import { isErrorReply, type RedisConnection, type RedisReply } from "./protocol.js";

/** ioredis's message for a command on a client that has ended (or whose connection closed on `disconnect`). */
export const CONNECTION_CLOSED_ERROR_MSG = "Connection is closed.";

/**
 * An error reply of the server, as ioredis (`redis-errors`) rejects with it: `name` is `"ReplyError"`, `message`
 * the server's text (e.g. `NOSCRIPT No matching script. Please use EVAL.`), `command` the command that failed.
 * Not the same class as ioredis's, so test the `name`, not `instanceof`.
 */
export class ReplyError extends Error {
  override readonly name = "ReplyError";
  /** The command that got the error: its name and arguments as sent. */
  command?: { readonly name: string; readonly args: readonly string[] };
}

/** ioredis's `AbortError` (`redis-errors`): a command aborted by a closed connection (a pipeline cut in half). */
export class AbortError extends Error {
  override readonly name: string = "AbortError";
}

/** A command that waited through `maxRetriesPerRequest` reconnect attempts (ioredis's message and name). */
export class MaxRetriesPerRequestError extends AbortError {
  override readonly name = "MaxRetriesPerRequestError";
  constructor(maxRetriesPerRequest: number) {
    super(
      `Reached the max retries per request limit (which is ${maxRetriesPerRequest}). Refer to "maxRetriesPerRequest" option for details.`,
    );
  }
}

/**
 * An argument as ioredis takes it: a string, a number (sent as its decimal text), a Buffer (sent as its UTF-8
 * text: the simulated wire carries strings), `null`/`undefined` (sent as `""`), an array of those (flattened one
 * level), or for `hset`/`hmset`/`mset`/`msetnx` an object or Map of fields.
 */
export type CommandArg =
  | string
  | number
  | Buffer
  | null
  | undefined
  | readonly (string | number | Buffer)[]
  | Readonly<Record<string, string | number | Buffer>>
  | ReadonlyMap<string, string | number | Buffer>;

/** A node-style callback, as ioredis accepts as the last argument of a command. */
export type Callback<T> = (err: Error | null, result?: T) => void;

/** Commands a client in subscriber mode may send (ioredis `VALID_IN_SUBSCRIBER_MODE`). */
export const VALID_IN_SUBSCRIBER_MODE: ReadonlySet<string> = new Set([
  "subscribe",
  "psubscribe",
  "unsubscribe",
  "punsubscribe",
  "ssubscribe",
  "sunsubscribe",
  "ping",
  "quit",
]);

const OBJECT_ARGUMENT_COMMANDS = new Set(["hset", "hmset", "mset", "msetnx"]);

function toArg(arg: unknown): string {
  if (arg === null || arg === undefined) return "";
  if (Buffer.isBuffer(arg)) return arg.toString("utf8");
  if (typeof arg === "number" && Number.isInteger(arg) && !Number.isSafeInteger(arg)) {
    return BigInt(arg).toString();
  }
  return String(arg);
}

function entriesOf(value: unknown): unknown[] | null {
  if (value instanceof Map) return [...value].flat();
  if (typeof value === "object" && value !== null && !Buffer.isBuffer(value) && !Array.isArray(value)) {
    return Object.entries(value).flat();
  }
  return null;
}

/**
 * The wire arguments of command `name` called with `args`, as ioredis builds them: arrays flattened one level,
 * then (for `hset`/`hmset` with a key and one object or Map, `mset`/`msetnx` with one object or Map) the fields
 * spread, then each argument made a string (see {@link CommandArg}).
 */
export function commandArgs(name: string, args: readonly unknown[]): string[] {
  let flat: unknown[] = args.flat();
  const lower = name.toLowerCase();
  if (OBJECT_ARGUMENT_COMMANDS.has(lower)) {
    const isMset = lower === "mset" || lower === "msetnx";
    const spread = isMset && flat.length === 1 ? entriesOf(flat[0]) : null;
    const fields = !isMset && flat.length === 2 ? entriesOf(flat[1]) : null;
    if (spread !== null) flat = spread;
    else if (fields !== null) flat = [flat[0], ...fields];
  }
  return flat.map(toArg);
}

/** An error reply as the {@link ReplyError} ioredis gives for it. */
export function replyError(message: string, name?: string, args?: readonly string[]): ReplyError {
  const err = new ReplyError(message);
  if (name !== undefined && args !== undefined) err.command = { name, args: [...args] };
  return err;
}

/** A reply as ioredis gives it: nested error replies (e.g. in a script's table) as {@link ReplyError}s. */
function plain(reply: RedisReply): unknown {
  if (Array.isArray(reply)) return reply.map(plain);
  if (isErrorReply(reply)) return replyError(reply.error);
  return reply;
}

/** `hgetall`'s flat `[field, value, …]` reply as an object (ioredis's reply transformer). */
function pairsToObject(reply: unknown): unknown {
  if (!Array.isArray(reply)) return reply;
  const obj: Record<string, unknown> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) {
    Object.defineProperty(obj, String(reply[i]), {
      value: reply[i + 1],
      configurable: true,
      enumerable: true,
      writable: true,
    });
  }
  return obj;
}

/** The value ioredis resolves command `name` with for the (non-error) `reply`. */
export function convertReply(name: string, reply: RedisReply): unknown {
  const value = plain(reply);
  return name.toLowerCase() === "hgetall" ? pairsToObject(value) : value;
}

/**
 * One command in flight: `name` and `args` as sent (a script command's name and first argument change when it
 * is written: see {@link SimScript}), `promise` settled once by {@link SimCommand.resolve} or
 * {@link SimCommand.reject}. ioredis's `Command`, without key prefixes and binary replies.
 */
export class SimCommand {
  /** The command's name as given (`get`, `SET`, …); the server takes any case. */
  name: string;
  /** The wire arguments after the name (see {@link commandArgs}). */
  readonly args: string[];
  /** Settles with the converted reply or the error. Replaceable (a script chains its NOSCRIPT fallback). */
  promise: Promise<unknown>;
  /** Whether the promise has settled (a late reply after a timeout is ignored). */
  isSettled = false;
  /** Its place in its pipeline, for aborting a pipeline cut by a closed connection. */
  pipelineIndex?: number;
  private settle!: { resolve: (value: unknown) => void; reject: (err: Error) => void };
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    name: string,
    args: readonly unknown[],
    /** Set on a script command: it picks EVAL or EVALSHA on each write. */
    readonly script?: SimScript,
  ) {
    this.name = name;
    this.args = commandArgs(name, args);
    this.promise = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }

  /** The command's name lower-cased, for ioredis's flags. */
  get lowerName(): string {
    return this.name.toLowerCase();
  }

  /** Resolve with `value` as it is (already converted), unless settled. */
  resolveWith(value: unknown): void {
    if (this.isSettled) return;
    this.clearTimer();
    this.isSettled = true;
    this.settle.resolve(value);
  }

  /** Resolve with the (non-error) `reply` converted as ioredis does (see {@link convertReply}). */
  resolve(reply: RedisReply): void {
    this.resolveWith(convertReply(this.name, reply));
  }

  /** Reject with `err`, unless settled. */
  reject(err: Error): void {
    if (this.isSettled) return;
    this.clearTimer();
    this.isSettled = true;
    this.settle.reject(err);
  }

  /**
   * Reject with `Command timed out` after `ms` (global `setTimeout`: the world's clock in a simulated run),
   * unless settled first. Set once: a command re-sent after a reconnect keeps its first deadline (ioredis).
   */
  setTimeout(ms: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      if (!this.isSettled) this.reject(new Error("Command timed out"));
    }, ms);
  }

  /** Attach a node-style callback (ioredis's `standard-as-callback`). */
  withCallback(callback: Callback<unknown> | undefined): this {
    if (callback !== undefined) {
      this.promise.then(
        (r) => callback(null, r),
        (e: Error) => callback(e),
      );
    }
    return this;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}

/**
 * A Lua script registered with `defineCommand` (ioredis's `Script`). Calling it sends EVALSHA with its SHA-1;
 * on the wire that becomes EVAL with the source the first time on a connection (the connection is marked as
 * having it), EVALSHA after; a `NOSCRIPT` reply unmarks the connection and the call is sent again (so as EVAL),
 * at the end of the client's queue.
 */
export class SimScript {
  /** SHA-1 of the source, lower-case hex, as Redis names scripts. */
  readonly sha: string;
  private readonly loaded = new WeakSet<RedisConnection>();

  constructor(
    readonly lua: string,
    /** Prepended to the arguments as EVAL's numkeys; `null` when the caller passes it. */
    readonly numberOfKeys: number | null,
  ) {
    this.sha = createHash("sha1").update(lua).digest("hex");
  }

  /** Called as `command` is written to `conn`: EVAL with the source unless `conn` has the script. */
  prepare(command: SimCommand, conn: RedisConnection): void {
    if (!this.loaded.has(conn)) {
      this.loaded.add(conn);
      command.name = "eval";
      command.args[0] = this.lua;
    } else if (command.name === "eval") {
      command.name = "evalsha";
      command.args[0] = this.sha;
    }
  }

  /** Called when `conn` answered NOSCRIPT: the next write to it is EVAL. */
  forget(conn: RedisConnection): void {
    this.loaded.delete(conn);
  }

  /**
   * The command of one call with `args` (keys then arguments): its promise falls back, on NOSCRIPT, to a second
   * command given to `resend` (the client's `sendCommand`).
   */
  command(args: readonly unknown[], resend: (command: SimCommand) => Promise<unknown>): SimCommand {
    const full = typeof this.numberOfKeys === "number" ? [this.numberOfKeys, ...args] : [...args];
    const evalsha = new SimCommand("evalsha", [this.sha, ...full], this);
    evalsha.promise = evalsha.promise.catch((err: Error) => {
      if (!err.message.includes("NOSCRIPT")) throw err;
      return resend(new SimCommand("evalsha", [this.sha, ...full], this));
    });
    return evalsha;
  }
}

/** Splits a trailing callback off `args` (ioredis takes one as the last argument of any command). */
export function splitCallback(args: readonly unknown[]): {
  args: unknown[];
  callback: Callback<unknown> | undefined;
} {
  const last = args[args.length - 1];
  if (typeof last === "function") return { args: args.slice(0, -1), callback: last as Callback<unknown> };
  return { args: [...args], callback: undefined };
}
