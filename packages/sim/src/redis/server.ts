/**
 * The simulated Redis server: a pure machine `redisServer.transition(state, event)` over the wire types of
 * protocol.ts, held in the world's store like any machine, so each command and each whole script executes
 * atomically at the instant the world picks. Its state is JSON-like data (the keyspace, the script cache,
 * the subscriptions, the last RDB snapshot) and never mutated: a command copies the keys it touches and the
 * top-level key table, nothing else. Time is the event's `atMs` (virtual ms): `TIME`, expiry and the RDB
 * schedule all read it; nothing here reads a clock or draws a random number.
 */
import type { Machine } from "@interleave/core";
import { arityError, type CommandSpec, DATA_COMMANDS, type Exec } from "./commands.js";
import {
  Db,
  NOT_INTEGER,
  OK,
  own,
  parseInteger,
  type RedisKeyspace,
  type Reply,
  SYNTAX,
  withKey,
} from "./keyspace.js";
import { compileError, runScript, sha1hex } from "./lua.js";
import type { RedisEvent, RedisPush, RedisReply } from "./protocol.js";
import { ZSET_COMMANDS } from "./zset.js";

/**
 * How the server persists, i.e. what a `Restart` keeps:
 * - `"aof"` (the default): an append-only file with `appendfsync always` — nothing acknowledged is lost.
 * - `"rdb"`: a snapshot every `saveIntervalMs` of virtual time, taken at the first command at or after each
 *   interval boundary (of the keyspace as it was before that command); a restart goes back to it.
 * - `"none"`: a restart empties the keyspace.
 */
export type RedisPersistence = "aof" | "rdb" | "none";

export interface RedisServerOptions {
  readonly persistence?: RedisPersistence;
  /** The RDB snapshot interval in virtual ms (`"rdb"` only). Default 60,000. */
  readonly saveIntervalMs?: number;
}

/** The last RDB snapshot: the keyspace it saved, when, and when the next one is due (virtual ms). */
export interface RedisSnapshot {
  readonly keys: RedisKeyspace;
  readonly atMs: number;
  readonly nextSaveAtMs: number;
}

/**
 * The server's state, plain data: `keys` the keyspace (see {@link RedisKeyspace}); `scripts` the script cache,
 * SHA-1 → source; `subscriptions` connection id → its channels, sorted; `snapshot` the last RDB snapshot
 * (null unless `persistence` is `"rdb"`).
 */
export interface RedisState {
  readonly keys: RedisKeyspace;
  readonly scripts: Readonly<Record<string, string>>;
  readonly subscriptions: Readonly<Record<string, readonly string[]>>;
  readonly persistence: RedisPersistence;
  readonly saveIntervalMs: number;
  readonly snapshot: RedisSnapshot | null;
}

const SAVE_INTERVAL_MS_DEFAULT = 60_000;

/**
 * An empty server at virtual time 0.
 *
 * @throws an `Error` when `saveIntervalMs` is not a positive integer.
 */
export function initialRedisState(options: RedisServerOptions = {}): RedisState {
  const persistence = options.persistence ?? "aof";
  const saveIntervalMs = options.saveIntervalMs ?? SAVE_INTERVAL_MS_DEFAULT;
  if (!Number.isSafeInteger(saveIntervalMs) || saveIntervalMs <= 0) {
    throw new Error(`saveIntervalMs must be a positive integer of ms, got ${saveIntervalMs}`);
  }
  return {
    keys: {},
    scripts: {},
    subscriptions: {},
    persistence,
    saveIntervalMs,
    snapshot: persistence === "rdb" ? { keys: {}, atMs: 0, nextSaveAtMs: saveIntervalMs } : null,
  };
}

/** The Redis reply as a client sees it: status replies (`{ status }` inside the server) become strings. */
function toWire(r: Reply): RedisReply {
  if (r === null || typeof r === "string" || typeof r === "number") return r;
  if (Array.isArray(r)) return r.map(toWire);
  return "status" in r ? r.status : { error: (r as { error: string }).error };
}

const SUBSCRIBED_ALLOWED = new Set([
  "SUBSCRIBE",
  "UNSUBSCRIBE",
  "PSUBSCRIBE",
  "PUNSUBSCRIBE",
  "PING",
  "QUIT",
  "RESET",
]);
const NOT_IN_SCRIPTS = new Set(["EVAL", "EVALSHA", "SCRIPT", "SUBSCRIBE", "UNSUBSCRIBE", "QUIT", "SELECT"]);

/** Commands that need no server state beyond the keyspace but are not data commands. */
const PLAIN_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  PING: {
    arity: -1,
    run: (_x, a) => (a.length > 1 ? arityError("ping") : a.length === 1 ? (a[0] ?? "") : { status: "PONG" }),
  },
  ECHO: { arity: 2, run: (_x, a) => a[0] ?? "" },
  SELECT: { arity: 2, run: (_x, a) => (a[0] === "0" ? OK : { error: "ERR DB index is out of range" }) },
  INFO: { arity: -1, run: () => "# Server\r\nredis_version:7.0.15\r\n# Persistence\r\nloading:0\r\n" },
};

function spec(name: string): CommandSpec | undefined {
  return own(DATA_COMMANDS, name) ?? own(ZSET_COMMANDS, name) ?? own(PLAIN_COMMANDS, name);
}

function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

/** One command's run: the working set, the pushes it made, and the state fields it replaced. */
interface Step {
  readonly state: RedisState;
  readonly db: Db;
  readonly pushes: RedisPush[];
  scripts: Readonly<Record<string, string>>;
  subscriptions: Readonly<Record<string, readonly string[]>>;
}

function exec(step: Step, atMs: number): Exec {
  return {
    db: step.db,
    atMs,
    publish: (channel, message) => {
      const receivers = Object.keys(step.subscriptions)
        .map(Number)
        .sort((a, b) => a - b)
        .filter((conn) => own(step.subscriptions, String(conn))?.includes(channel) === true);
      for (const conn of receivers) step.pushes.push({ _tag: "Message", conn, channel, message });
      return receivers.length;
    },
  };
}

function unknownCommand(argv: readonly string[]): Reply {
  const args = argv
    .slice(1)
    .map((a) => `'${a.slice(0, 128)}' `)
    .join("");
  return {
    error: `ERR unknown command '${(argv[0] ?? "").slice(0, 128)}', with args beginning with: ${args}`,
  };
}

/** EVAL / EVALSHA with the script's source: KEYS/ARGV split, the script run against the step's working set. */
function evalScript(step: Step, x: Exec, source: string, args: readonly string[]): Reply {
  const numkeys = parseInteger(args[1] ?? "");
  if (numkeys === null) return NOT_INTEGER;
  if (numkeys < 0) return { error: "ERR Number of keys can't be negative" };
  if (numkeys > args.length - 2) return { error: "ERR Number of keys can't be greater than number of args" };
  const sha = sha1hex(source);
  const compile = compileError(source);
  if (compile !== null) return compile;
  step.scripts = Object.hasOwn(step.scripts, sha) ? step.scripts : withKey(step.scripts, sha, source);
  const keys = args.slice(2, 2 + numkeys);
  const argv = args.slice(2 + numkeys);
  return runScript(source, sha, keys, argv, (call) => {
    const name = (call[0] ?? "").toUpperCase();
    if (NOT_IN_SCRIPTS.has(name)) return { error: "ERR This Redis command is not allowed from script" };
    const command = spec(name);
    if (command === undefined) return { error: "ERR Unknown Redis command called from script" };
    if (!arityOk(command.arity, call.length)) {
      return { error: "ERR Wrong number of args calling Redis command from script" };
    }
    return command.run(x, call.slice(1));
  });
}

function script(step: Step, args: readonly string[]): Reply {
  const sub = (args[0] ?? "").toUpperCase();
  if (sub === "LOAD" && args.length === 2) {
    const source = args[1] ?? "";
    const compile = compileError(source);
    if (compile !== null) return compile;
    const sha = sha1hex(source);
    if (!Object.hasOwn(step.scripts, sha)) step.scripts = withKey(step.scripts, sha, source);
    return sha;
  }
  if (sub === "EXISTS" && args.length >= 2) {
    return args.slice(1).map((sha) => (Object.hasOwn(step.scripts, sha.toLowerCase()) ? 1 : 0));
  }
  if (sub === "FLUSH" && args.length <= 2) {
    if (args.length === 2 && !["ASYNC", "SYNC"].includes((args[1] ?? "").toUpperCase())) return SYNTAX;
    step.scripts = {};
    return OK;
  }
  if (["LOAD", "EXISTS", "FLUSH"].includes(sub)) return arityError(`script|${sub.toLowerCase()}`);
  return { error: `ERR unknown subcommand '${args[0] ?? ""}'. Try SCRIPT HELP.` };
}

/** SUBSCRIBE / UNSUBSCRIBE; the reply is the number of channels `conn` is subscribed to afterwards. */
function subscribe(step: Step, conn: number, channels: readonly string[], on: boolean): Reply {
  const mine = own(step.subscriptions, String(conn)) ?? [];
  const next = on
    ? [...new Set([...mine, ...channels])].sort()
    : channels.length === 0
      ? []
      : mine.filter((c) => !channels.includes(c));
  const subscriptions: Record<string, readonly string[]> = { ...step.subscriptions };
  if (next.length === 0) delete subscriptions[String(conn)];
  else subscriptions[String(conn)] = next;
  step.subscriptions = subscriptions;
  return next.length;
}

function command(step: Step, conn: number, argv: readonly string[], atMs: number): Reply {
  const name = (argv[0] ?? "").toUpperCase();
  const args = argv.slice(1);
  const x = exec(step, atMs);
  const subscribed = (own(step.subscriptions, String(conn))?.length ?? 0) > 0;
  if (subscribed && !SUBSCRIBED_ALLOWED.has(name)) {
    return {
      error: `ERR Can't execute '${name.toLowerCase()}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    };
  }
  switch (name) {
    case "QUIT":
      return OK;
    case "SUBSCRIBE":
    case "UNSUBSCRIBE":
      if (name === "SUBSCRIBE" && args.length === 0) return arityError("subscribe");
      return subscribe(step, conn, args, name === "SUBSCRIBE");
    case "EVAL":
      if (args.length < 2) return arityError("eval");
      return evalScript(step, x, args[0] ?? "", args);
    case "EVALSHA": {
      if (args.length < 2) return arityError("evalsha");
      const source = own(step.scripts, (args[0] ?? "").toLowerCase());
      if (source === undefined) return { error: "NOSCRIPT No matching script. Please use EVAL." };
      return evalScript(step, x, source, args);
    }
    case "SCRIPT":
      if (args.length === 0) return arityError("script");
      return script(step, args);
  }
  const found = spec(name);
  if (found === undefined) return unknownCommand(argv);
  if (!arityOk(found.arity, argv.length)) return arityError(name);
  return found.run(x, args);
}

/** The RDB snapshot after a command at `atMs`: taken (of `keys`, before the command) when one is due. */
function snapshotAt(state: RedisState, atMs: number): RedisSnapshot | null {
  const s = state.snapshot;
  if (s === null || atMs < s.nextSaveAtMs) return s;
  return {
    keys: state.keys,
    atMs,
    nextSaveAtMs: (Math.floor(atMs / state.saveIntervalMs) + 1) * state.saveIntervalMs,
  };
}

function transition(
  state: RedisState,
  event: RedisEvent,
): { state: RedisState; result: RedisReply; effects: readonly RedisPush[] } {
  switch (event._tag) {
    case "Disconnect": {
      if (!Object.hasOwn(state.subscriptions, String(event.conn)))
        return { state, result: null, effects: [] };
      const subscriptions = { ...state.subscriptions };
      delete subscriptions[String(event.conn)];
      return { state: { ...state, subscriptions }, result: null, effects: [] };
    }
    case "Restart": {
      const keys =
        state.persistence === "aof"
          ? state.keys
          : state.persistence === "rdb"
            ? (state.snapshot?.keys ?? {})
            : {};
      return { state: { ...state, keys, scripts: {}, subscriptions: {} }, result: null, effects: [] };
    }
    case "Command": {
      const snapshot = snapshotAt(state, event.atMs);
      const step: Step = {
        state,
        db: new Db(state.keys, event.atMs),
        pushes: [],
        scripts: state.scripts,
        subscriptions: state.subscriptions,
      };
      const reply = command(step, event.conn, event.argv, event.atMs);
      const keys = step.db.commit();
      const unchanged =
        keys === state.keys &&
        step.scripts === state.scripts &&
        step.subscriptions === state.subscriptions &&
        snapshot === state.snapshot;
      const next = unchanged
        ? state
        : { ...state, keys, scripts: step.scripts, subscriptions: step.subscriptions, snapshot };
      return { state: next, result: toWire(reply), effects: step.pushes };
    }
  }
}

/**
 * The simulated Redis as a machine for the world's store: `transition(state, event)` is pure (the input state
 * is never mutated; an event that changes nothing returns the very same state). Replies follow Redis 7.0
 * (RESP2 as ioredis decodes it), with these simplifications: SUBSCRIBE/UNSUBSCRIBE reply only the number of
 * channels the connection is subscribed to afterwards (not one `subscribe` message per channel); SMEMBERS and
 * KEYS are sorted; HGETALL/HKEYS/HVALS give fields in JS object order (integer-like fields first), where Redis
 * keeps insertion order; PING on a subscribed connection replies `PONG`. A script's writes before it fails stay
 * written, as in Redis. `PUBLISH` (also from a script) yields one {@link RedisPush} per subscribed receiver in
 * connection order; its reply is the number of receivers.
 *
 * @example
 * let s = initialRedisState({ persistence: "rdb", saveIntervalMs: 1_000 });
 * const r = redisServer.transition(s, { _tag: "Command", conn: 1, argv: ["SET", "k", "v"], atMs: 0 });
 * s = r.state; // r.result === "OK"
 */
export const redisServer: Machine<RedisState, RedisEvent, RedisReply, RedisPush> = { transition };

/**
 * What a restart lost: the keys whose value differs between `before` (the state just before the `Restart`)
 * and `after` (just after it), sorted — keys written since the last persisted point, including keys deleted
 * since then that came back. Empty under `"aof"`.
 */
export function restartLosses(before: RedisState, after: RedisState): string[] {
  const names = new Set([...Object.keys(before.keys), ...Object.keys(after.keys)]);
  return [...names]
    .filter((k) => JSON.stringify(own(before.keys, k)) !== JSON.stringify(own(after.keys, k)))
    .sort();
}

/**
 * What a `Restart` now would lose: the keys whose value differs between `state.keys` and what the server would
 * come back with (the last RDB snapshot under `"rdb"`, nothing under `"none"`), sorted. Empty under `"aof"`.
 */
export function unpersistedKeys(state: RedisState): string[] {
  return restartLosses(state, transition(state, { _tag: "Restart", atMs: 0 }).state);
}

/** The keyspace as a client would see it at `atMs`: keys expired by then left out (the state keeps them until touched). */
export function liveKeys(state: RedisState, atMs: number): RedisKeyspace {
  const out: Record<string, RedisKeyspace[string]> = {};
  for (const [k, v] of Object.entries(state.keys)) {
    if (v.expiresAtMs === undefined || v.expiresAtMs > atMs)
      Object.defineProperty(out, k, { value: v, enumerable: true });
  }
  return out;
}
