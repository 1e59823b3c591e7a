/**
 * The simulated Redis's data commands on keys, strings, hashes, lists and sets, each as Redis 7 answers it
 * (reply shapes and error texts), over the copy-on-write {@link Db} of one command or script. Sorted sets are
 * in zset.ts; connection, pub/sub, scripting and persistence in server.ts.
 */
import {
  type Db,
  globToRegExp,
  inInt64,
  isErr,
  isWrongType,
  keepTtl,
  NOT_INTEGER,
  OK,
  own,
  parseInt64,
  parseInteger,
  type RedisValue,
  type Reply,
  rangeOf,
  removeFields,
  SYNTAX,
  typed,
  WRONGTYPE,
  withKey,
} from "./keyspace.js";
import { REDIS_EPOCH_MS } from "./protocol.js";

/** What a command runs against: the working set, virtual time, and publishing (PUBLISH, also from scripts). */
export interface Exec {
  readonly db: Db;
  readonly atMs: number;
  publish(channel: string, message: string): number;
}

/**
 * A command: Redis's arity (`n` exactly n arguments counting the name, `-n` at least n) and its body, given
 * the arguments after the name.
 */
export interface CommandSpec {
  readonly arity: number;
  readonly run: (x: Exec, args: readonly string[]) => Reply;
}

/** The `ERR wrong number of arguments for '<name>' command` reply. */
export function arityError(name: string): Reply {
  return { error: `ERR wrong number of arguments for '${name.toLowerCase()}' command` };
}

function setExpiry(x: Exec, key: string, ms: number): Reply {
  const v = x.db.get(key);
  if (v === undefined) return 0;
  const at = x.atMs + ms;
  if (at <= x.atMs) x.db.delete(key);
  else x.db.set(key, { ...v, expiresAtMs: at });
  return 1;
}

function ttl(x: Exec, key: string, unitMs: number): Reply {
  const v = x.db.get(key);
  if (v === undefined) return -2;
  if (v.expiresAtMs === undefined) return -1;
  const left = v.expiresAtMs - x.atMs;
  return unitMs === 1 ? left : Math.floor((left + 500) / 1000);
}

function incrBy(x: Exec, key: string, by: bigint | null): Reply {
  if (by === null) return NOT_INTEGER;
  const v = typed(x.db, key, "string");
  if (isWrongType(v)) return v;
  const old = v === undefined ? 0n : parseInt64(v.value);
  if (old === null) return NOT_INTEGER;
  const next = old + by;
  if (!inInt64(next)) return { error: "ERR increment or decrement would overflow" };
  x.db.set(key, keepTtl(v, { type: "string", value: String(next) }));
  return Number(next);
}

/** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]. */
function set(x: Exec, a: readonly string[]): Reply {
  const [key = "", value = ""] = a;
  let cond: "NX" | "XX" | null = null;
  let get = false;
  let expiresAtMs: number | undefined;
  let keep = false;
  let expirySet = false;
  for (let i = 2; i < a.length; i++) {
    const opt = (a[i] ?? "").toUpperCase();
    if ((opt === "NX" || opt === "XX") && cond === null) cond = opt;
    else if (opt === "GET" && !get) get = true;
    else if (opt === "KEEPTTL" && !expirySet && !keep) keep = true;
    else if (["EX", "PX", "EXAT", "PXAT"].includes(opt) && !expirySet && !keep && i + 1 < a.length) {
      const big = parseInt64(a[++i] ?? "");
      if (big === null) return NOT_INTEGER;
      const unit = opt === "EX" || opt === "EXAT" ? 1000n : 1n;
      const base = opt.endsWith("AT") ? 0n : BigInt(REDIS_EPOCH_MS + x.atMs);
      if (big <= 0n || !inInt64(big * unit + base))
        return { error: "ERR invalid expire time in 'set' command" };
      const ms = Number(big * unit);
      expiresAtMs = opt.endsWith("AT") ? ms : x.atMs + ms;
      expirySet = true;
    } else return SYNTAX;
  }
  const old = x.db.get(key);
  if (get && old !== undefined && old.type !== "string") return WRONGTYPE;
  const previous = get ? (old?.type === "string" ? old.value : null) : OK;
  if ((cond === "NX" && old !== undefined) || (cond === "XX" && old === undefined))
    return get ? previous : null;
  const next: RedisValue = { type: "string", value };
  x.db.set(key, keep ? keepTtl(old, next) : expiresAtMs === undefined ? next : { ...next, expiresAtMs });
  return previous;
}

function hset(x: Exec, key: string, pairs: readonly string[], name: string): Reply {
  if (pairs.length === 0 || pairs.length % 2 !== 0) return arityError(name);
  const v = typed(x.db, key, "hash");
  if (isWrongType(v)) return v;
  const fields: Record<string, string> = { ...(v?.value ?? {}) };
  let added = 0;
  for (let i = 0; i < pairs.length; i += 2) {
    const f = pairs[i] ?? "";
    if (!Object.hasOwn(fields, f)) added++;
    Object.defineProperty(fields, f, {
      value: pairs[i + 1] ?? "",
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  x.db.set(key, keepTtl(v, { type: "hash", value: fields }));
  return added;
}

/** Applies `f` to the hash at `key` (read only): its reply, WRONGTYPE, or `empty` when absent. */
function readHash(
  x: Exec,
  key: string,
  empty: Reply,
  f: (h: Readonly<Record<string, string>>) => Reply,
): Reply {
  const v = typed(x.db, key, "hash");
  if (isWrongType(v)) return v;
  return v === undefined ? empty : f(v.value);
}

function readList(x: Exec, key: string, empty: Reply, f: (l: readonly string[]) => Reply): Reply {
  const v = typed(x.db, key, "list");
  if (isWrongType(v)) return v;
  return v === undefined ? empty : f(v.value);
}

function readSet(x: Exec, key: string, empty: Reply, f: (s: Readonly<Record<string, true>>) => Reply): Reply {
  const v = typed(x.db, key, "set");
  if (isWrongType(v)) return v;
  return v === undefined ? empty : f(v.value);
}

function push(x: Exec, key: string, items: readonly string[], left: boolean): Reply {
  const v = typed(x.db, key, "list");
  if (isWrongType(v)) return v;
  const old = v?.value ?? [];
  const value = left ? [...[...items].reverse(), ...old] : [...old, ...items];
  x.db.set(key, keepTtl(v, { type: "list", value }));
  return value.length;
}

/** LPOP / RPOP key [count]. */
function pop(x: Exec, a: readonly string[], left: boolean): Reply {
  const key = a[0] ?? "";
  if (a.length > 2) return SYNTAX;
  let count: number | null = null;
  if (a.length === 2) {
    const n = parseInteger(a[1] ?? "");
    if (n === null || n < 0) return { error: "ERR value is out of range, must be positive" };
    count = n;
  }
  const v = typed(x.db, key, "list");
  if (isWrongType(v)) return v;
  if (v === undefined) return null;
  const n = Math.min(count ?? 1, v.value.length);
  const taken = left ? v.value.slice(0, n) : v.value.slice(v.value.length - n).reverse();
  const rest = left ? v.value.slice(n) : v.value.slice(0, v.value.length - n);
  if (rest.length === 0) x.db.delete(key);
  else x.db.set(key, keepTtl(v, { type: "list", value: rest }));
  return count === null ? (taken[0] ?? null) : taken;
}

function lrem(x: Exec, key: string, rawCount: string, element: string): Reply {
  const count = parseInteger(rawCount);
  if (count === null) return NOT_INTEGER;
  const v = typed(x.db, key, "list");
  if (isWrongType(v)) return v;
  if (v === undefined) return 0;
  const limit = count === 0 ? Infinity : Math.abs(count);
  const order = count < 0 ? [...v.value].reverse() : [...v.value];
  let removed = 0;
  const kept = order.filter((e) => {
    if (e === element && removed < limit) {
      removed++;
      return false;
    }
    return true;
  });
  if (count < 0) kept.reverse();
  if (kept.length === 0) x.db.delete(key);
  else if (removed > 0) x.db.set(key, keepTtl(v, { type: "list", value: kept }));
  return removed;
}

function srem(x: Exec, key: string, members: readonly string[]): Reply {
  return removeFields(x.db, key, "set", members);
}

function hdel(x: Exec, key: string, fields: readonly string[]): Reply {
  return removeFields(x.db, key, "hash", fields);
}

function hincrby(x: Exec, key: string, field: string, rawBy: string): Reply {
  const by = parseInt64(rawBy);
  if (by === null) return NOT_INTEGER;
  const v = typed(x.db, key, "hash");
  if (isWrongType(v)) return v;
  const raw = v === undefined ? undefined : own(v.value, field);
  const old = raw === undefined ? 0n : parseInt64(raw);
  if (old === null) return { error: "ERR hash value is not an integer" };
  const next = old + by;
  if (!inInt64(next)) return { error: "ERR increment or decrement would overflow" };
  x.db.set(key, keepTtl(v, { type: "hash", value: withKey(v?.value ?? {}, field, String(next)) }));
  return Number(next);
}

function rename(x: Exec, from: string, to: string): Reply {
  const v = x.db.get(from);
  if (v === undefined) return { error: "ERR no such key" };
  if (from === to) return OK;
  x.db.delete(from);
  x.db.set(to, v);
  return OK;
}

function flush(x: Exec, a: readonly string[]): Reply {
  if (a.length > 1 || (a.length === 1 && !["ASYNC", "SYNC"].includes((a[0] ?? "").toUpperCase())))
    return SYNTAX;
  x.db.flush();
  return OK;
}

const str = (a: readonly string[], i: number): string => a[i] ?? "";

/** The commands of this file, by upper-case name. */
export const DATA_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  GET: {
    arity: 2,
    run: (x, a) => {
      const v = typed(x.db, str(a, 0), "string");
      return v === undefined ? null : isWrongType(v) ? v : v.value;
    },
  },
  SET: { arity: -3, run: set },
  DEL: { arity: -2, run: (x, a) => [...new Set(a)].filter((k) => x.db.delete(k)).length },
  EXISTS: { arity: -2, run: (x, a) => a.filter((k) => x.db.get(k) !== undefined).length },
  TYPE: { arity: 2, run: (x, a) => ({ status: x.db.get(str(a, 0))?.type ?? "none" }) },
  RENAME: { arity: 3, run: (x, a) => rename(x, str(a, 0), str(a, 1)) },
  INCR: { arity: 2, run: (x, a) => incrBy(x, str(a, 0), 1n) },
  DECR: { arity: 2, run: (x, a) => incrBy(x, str(a, 0), -1n) },
  INCRBY: { arity: 3, run: (x, a) => incrBy(x, str(a, 0), parseInt64(str(a, 1))) },
  DECRBY: {
    arity: 3,
    run: (x, a) => {
      const by = parseInt64(str(a, 1));
      return incrBy(x, str(a, 0), by === null ? null : -by);
    },
  },
  KEYS: {
    arity: 2,
    run: (x, a) => {
      const re = globToRegExp(str(a, 0));
      return x.db
        .keys()
        .filter((k) => re.test(k))
        .sort();
    },
  },
  FLUSHALL: { arity: -1, run: flush },
  FLUSHDB: { arity: -1, run: flush },
  DBSIZE: { arity: 1, run: (x) => x.db.keys().length },
  PEXPIRE: { arity: -3, run: (x, a) => expireCmd(x, a, 1) },
  EXPIRE: { arity: -3, run: (x, a) => expireCmd(x, a, 1000) },
  PTTL: { arity: 2, run: (x, a) => ttl(x, str(a, 0), 1) },
  TTL: { arity: 2, run: (x, a) => ttl(x, str(a, 0), 1000) },
  PERSIST: {
    arity: 2,
    run: (x, a) => {
      const v = x.db.get(str(a, 0));
      if (v?.expiresAtMs === undefined) return 0;
      const { expiresAtMs: _gone, ...rest } = v;
      x.db.set(str(a, 0), rest as RedisValue);
      return 1;
    },
  },
  HSET: { arity: -4, run: (x, a) => hset(x, str(a, 0), a.slice(1), "hset") },
  HMSET: {
    arity: -4,
    run: (x, a) => {
      const r = hset(x, str(a, 0), a.slice(1), "hmset");
      return isErr(r) ? r : OK;
    },
  },
  HSETNX: {
    arity: 4,
    run: (x, a) => {
      const v = typed(x.db, str(a, 0), "hash");
      if (isWrongType(v)) return v;
      if (v !== undefined && Object.hasOwn(v.value, str(a, 1))) return 0;
      return hset(x, str(a, 0), a.slice(1), "hsetnx");
    },
  },
  HGET: { arity: 3, run: (x, a) => readHash(x, str(a, 0), null, (h) => own(h, str(a, 1)) ?? null) },
  HMGET: {
    arity: -3,
    run: (x, a) =>
      readHash(
        x,
        str(a, 0),
        a.slice(1).map(() => null),
        (h) => a.slice(1).map((f) => own(h, f) ?? null),
      ),
  },
  HGETALL: { arity: 2, run: (x, a) => readHash(x, str(a, 0), [], (h) => Object.entries(h).flat()) },
  HKEYS: { arity: 2, run: (x, a) => readHash(x, str(a, 0), [], (h) => Object.keys(h)) },
  HVALS: { arity: 2, run: (x, a) => readHash(x, str(a, 0), [], (h) => Object.values(h)) },
  HDEL: { arity: -3, run: (x, a) => hdel(x, str(a, 0), a.slice(1)) },
  HLEN: { arity: 2, run: (x, a) => readHash(x, str(a, 0), 0, (h) => Object.keys(h).length) },
  HEXISTS: {
    arity: 3,
    run: (x, a) => readHash(x, str(a, 0), 0, (h) => (Object.hasOwn(h, str(a, 1)) ? 1 : 0)),
  },
  HINCRBY: { arity: 4, run: (x, a) => hincrby(x, str(a, 0), str(a, 1), str(a, 2)) },
  RPUSH: { arity: -3, run: (x, a) => push(x, str(a, 0), a.slice(1), false) },
  LPUSH: { arity: -3, run: (x, a) => push(x, str(a, 0), a.slice(1), true) },
  LPOP: { arity: -2, run: (x, a) => pop(x, a, true) },
  RPOP: { arity: -2, run: (x, a) => pop(x, a, false) },
  LLEN: { arity: 2, run: (x, a) => readList(x, str(a, 0), 0, (l) => l.length) },
  LRANGE: {
    arity: 4,
    run: (x, a) => {
      const start = parseInteger(str(a, 1));
      const stop = parseInteger(str(a, 2));
      if (start === null || stop === null) return NOT_INTEGER;
      return readList(x, str(a, 0), [], (l) => {
        const r = rangeOf(start, stop, l.length);
        return r === null ? [] : l.slice(r[0], r[1] + 1);
      });
    },
  },
  LREM: { arity: 4, run: (x, a) => lrem(x, str(a, 0), str(a, 1), str(a, 2)) },
  SADD: {
    arity: -3,
    run: (x, a) => {
      const v = typed(x.db, str(a, 0), "set");
      if (isWrongType(v)) return v;
      const fresh = a
        .slice(1)
        .filter((m, i, all) => !Object.hasOwn(v?.value ?? {}, m) && all.indexOf(m) === i);
      if (fresh.length === 0 && v !== undefined) return 0;
      let value: Record<string, true> = { ...(v?.value ?? {}) };
      for (const m of fresh) value = withKey(value, m, true);
      x.db.set(str(a, 0), keepTtl(v, { type: "set", value }));
      return fresh.length;
    },
  },
  SREM: { arity: -3, run: (x, a) => srem(x, str(a, 0), a.slice(1)) },
  SMEMBERS: { arity: 2, run: (x, a) => readSet(x, str(a, 0), [], (s) => Object.keys(s).sort()) },
  SCARD: { arity: 2, run: (x, a) => readSet(x, str(a, 0), 0, (s) => Object.keys(s).length) },
  SISMEMBER: {
    arity: 3,
    run: (x, a) => readSet(x, str(a, 0), 0, (s) => (Object.hasOwn(s, str(a, 1)) ? 1 : 0)),
  },
  PUBLISH: { arity: 3, run: (x, a) => x.publish(str(a, 0), str(a, 1)) },
  TIME: {
    arity: 1,
    run: (x) => {
      const ms = Math.floor(REDIS_EPOCH_MS + x.atMs);
      return [String(Math.floor(ms / 1000)), String((ms % 1000) * 1000)];
    },
  },
};

/** EXPIRE / PEXPIRE key amount [NX|XX|GT|LT]. */
function expireCmd(x: Exec, a: readonly string[], unitMs: number): Reply {
  const big = parseInt64(str(a, 1));
  if (big === null) return NOT_INTEGER;
  if (!inInt64(big * BigInt(unitMs) + BigInt(REDIS_EPOCH_MS + x.atMs))) {
    return { error: `ERR invalid expire time in '${unitMs === 1 ? "pexpire" : "expire"}' command` };
  }
  const n = Number(big);
  const opts = a.slice(2).map((o) => o.toUpperCase());
  const bad = opts.find((o) => !["NX", "XX", "GT", "LT"].includes(o));
  if (bad !== undefined) return { error: `ERR Unsupported option ${bad}` };
  if ((opts.includes("NX") && opts.length > 1) || (opts.includes("GT") && opts.includes("LT"))) {
    return { error: "ERR NX and XX, GT or LT options at the same time are not compatible" };
  }
  const v = x.db.get(str(a, 0));
  if (v === undefined) return 0;
  const at = x.atMs + n * unitMs;
  const cur = v.expiresAtMs;
  if (opts.includes("NX") && cur !== undefined) return 0;
  if (opts.includes("XX") && cur === undefined) return 0;
  if (opts.includes("GT") && (cur === undefined || at <= cur)) return 0;
  if (opts.includes("LT") && cur !== undefined && at >= cur) return 0;
  return setExpiry(x, str(a, 0), n * unitMs);
}
