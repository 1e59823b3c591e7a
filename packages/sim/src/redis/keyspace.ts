/**
 * The simulated Redis's data: the keyspace as plain JSON-like objects (so the world's structural diff shows what
 * a command changed), a copy-on-write working set {@link Db} that one command or one script reads and writes
 * (lazy expiry against virtual time included), and the number parsing and formatting Redis 7 uses for replies
 * and errors. No clock, no randomness: time arrives as `atMs`.
 */

/** One value, tagged by its Redis type, with its expiry (virtual ms) when it has one. */
export type RedisValue =
  | { readonly type: "string"; readonly value: string; readonly expiresAtMs?: number }
  | { readonly type: "hash"; readonly value: Readonly<Record<string, string>>; readonly expiresAtMs?: number }
  | { readonly type: "list"; readonly value: readonly string[]; readonly expiresAtMs?: number }
  | { readonly type: "set"; readonly value: Readonly<Record<string, true>>; readonly expiresAtMs?: number }
  | {
      readonly type: "zset";
      readonly value: Readonly<Record<string, number>>;
      readonly expiresAtMs?: number;
    };

/** The keyspace: key → value, e.g. `{ "q:config": { type: "hash", value: { attemptsMax: "5" } } }`. */
export type RedisKeyspace = Readonly<Record<string, RedisValue>>;

/**
 * A reply inside the server: like {@link import("./protocol.js").RedisReply}, but a status reply (`OK`,
 * `PONG`, `hash` from `TYPE`) is `{ status }`, because a script sees it as `{ok = …}` and a bulk string as a
 * plain string.
 */
export type Reply =
  | string
  | number
  | null
  | readonly Reply[]
  | { readonly error: string }
  | { readonly status: string };

export const OK: Reply = { status: "OK" };
/** The WRONGTYPE error reply (one object, so {@link isWrongType} tells it by identity). */
export const WRONGTYPE: { readonly error: string } = {
  error: "WRONGTYPE Operation against a key holding the wrong kind of value",
};

/** Whether a {@link typed} lookup found a value of another type. */
export function isWrongType(v: unknown): v is typeof WRONGTYPE {
  return v === WRONGTYPE;
}
export const NOT_INTEGER: Reply = { error: "ERR value is not an integer or out of range" };
export const NOT_FLOAT: Reply = { error: "ERR value is not a valid float" };
export const SYNTAX: Reply = { error: "ERR syntax error" };

export function isErr(r: Reply): r is { readonly error: string } {
  return typeof r === "object" && r !== null && "error" in r;
}

/** `o[k]` when `k` is an own key of `o` (so `constructor` or `__proto__` as a field are plain fields). */
export function own<T>(o: Readonly<Record<string, T>>, k: string): T | undefined {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

/** `o` with `k` set to `v`, a new object (a computed key never hits the `__proto__` setter). */
export function withKey<T>(o: Readonly<Record<string, T>>, k: string, v: T): Record<string, T> {
  return { ...o, [k]: v };
}

/** `o` without the keys in `ks`, a new object (a spread copy: `__proto__` as a key stays a plain key). */
export function withoutKeys<T>(o: Readonly<Record<string, T>>, ks: Iterable<string>): Record<string, T> {
  const out: Record<string, T> = { ...o };
  for (const k of ks) delete out[k];
  return out;
}

function entry<T>(value: T): PropertyDescriptor {
  return { value, enumerable: true, writable: true, configurable: true };
}

/**
 * The working set of one command (or one whole script): reads go to the changes made so far, then to the base
 * keyspace; a key whose expiry is at or before `atMs` reads as absent and is deleted (Redis's lazy expiry).
 * {@link Db.commit} builds the next keyspace: the base itself when nothing changed, else one top-level copy
 * with the touched keys replaced — values are never mutated, so old states stay valid.
 */
export class Db {
  private readonly changes = new Map<string, RedisValue | null>();
  private flushed = false;

  constructor(
    private readonly base: RedisKeyspace,
    readonly atMs: number,
  ) {}

  /** The live value at `key`, or undefined. */
  get(key: string): RedisValue | undefined {
    const changed = this.changes.get(key);
    const value = changed !== undefined ? changed : this.flushed ? null : own(this.base, key);
    if (value === null || value === undefined) return undefined;
    if (value.expiresAtMs !== undefined && value.expiresAtMs <= this.atMs) {
      this.changes.set(key, null);
      return undefined;
    }
    return value;
  }

  set(key: string, value: RedisValue): void {
    this.changes.set(key, value);
  }

  /** Deletes `key`; whether it was there. */
  delete(key: string): boolean {
    const had = this.get(key) !== undefined;
    if (had) this.changes.set(key, null);
    return had;
  }

  /** Every live key (the order is not specified, as in Redis). */
  keys(): string[] {
    const names = new Set([...(this.flushed ? [] : Object.keys(this.base)), ...this.changes.keys()]);
    return [...names].filter((k) => this.get(k) !== undefined);
  }

  flush(): void {
    this.flushed = true;
    this.changes.clear();
  }

  /** The keyspace after this command: `base` when unchanged. */
  commit(): RedisKeyspace {
    if (!this.flushed && this.changes.size === 0) return this.base;
    const out: Record<string, RedisValue> = this.flushed ? {} : { ...this.base };
    for (const [k, v] of this.changes) {
      if (v === null) delete out[k];
      else if (k === "__proto__") Object.defineProperty(out, k, entry(v));
      else out[k] = v;
    }
    return out;
  }
}

/** A value of `type` at `key`: the value, undefined when absent, or the WRONGTYPE error. */
export function typed<T extends RedisValue["type"]>(
  db: Db,
  key: string,
  type: T,
): Extract<RedisValue, { type: T }> | undefined | typeof WRONGTYPE {
  const v = db.get(key);
  if (v === undefined) return undefined;
  if (v.type !== type) return WRONGTYPE;
  return v as Extract<RedisValue, { type: T }>;
}

/**
 * HDEL, SREM and ZREM: remove `names` (each counted once) from the fields or members of the `type` value at
 * `key`; the key goes when it empties, and keeps its TTL otherwise. Returns how many were removed (0 for an
 * absent key), or the WRONGTYPE error.
 */
export function removeFields(
  db: Db,
  key: string,
  type: "hash" | "set" | "zset",
  names: readonly string[],
): number | typeof WRONGTYPE {
  const v = typed(db, key, type);
  if (isWrongType(v)) return v;
  if (v === undefined) return 0;
  const record: Readonly<Record<string, unknown>> = v.value;
  const gone = names.filter((n, i) => Object.hasOwn(record, n) && names.indexOf(n) === i);
  if (gone.length === 0) return 0;
  const value = withoutKeys(record, gone);
  if (Object.keys(value).length === 0) db.delete(key);
  else db.set(key, keepTtl(v, { type, value } as RedisValue));
  return gone.length;
}

/** `value` keeping the expiry of `old` (commands that modify a value keep its TTL). */
export function keepTtl(old: RedisValue | undefined, value: RedisValue): RedisValue {
  return old?.expiresAtMs === undefined ? value : ({ ...value, expiresAtMs: old.expiresAtMs } as RedisValue);
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Redis's `string2ll`: an optional `-`, decimal digits, no leading zero (but `0`), no `+`, no spaces, within
 * int64. Returns the BigInt, or null.
 */
export function parseInt64(s: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]*)$/.test(s) || s.length > 20) return null;
  const n = BigInt(s);
  return n > INT64_MAX || n < INT64_MIN ? null : n;
}

/** {@link parseInt64} as a JS number (exact within ±2^53), or null. */
export function parseInteger(s: string): number | null {
  const n = parseInt64(s);
  return n === null ? null : Number(n);
}

/** Whether `n` is within int64 (for INCR's overflow error). */
export function inInt64(n: bigint): boolean {
  return n <= INT64_MAX && n >= INT64_MIN;
}

/**
 * A score argument as Redis 7.0 reads one (`strtod` over the whole text): decimal or exponent numbers, hex
 * integers (`0x10`), `inf`/`infinity` with a sign, never NaN, no leading space, not empty. Returns the number, or
 * null.
 */
export function parseFloatArg(s: string): number | null {
  if (!/^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|0[xX][0-9a-fA-F]+|inf(inity)?)$/i.test(s)) return null;
  if (/inf/i.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]+)$/.exec(s);
  if (hex !== null) return (hex[1] === "-" ? -1 : 1) * Number.parseInt(hex[2] ?? "0", 16);
  return Number(s);
}

/** A range bound's number as ZRANGEBYSCORE reads it: {@link parseFloatArg}, but leading space and "" (0) allowed. */
export function parseBoundNumber(s: string): number | null {
  const t = s.replace(/^[ \t\n\v\f\r]+/, "");
  return t === "" ? 0 : parseFloatArg(t);
}

/** C's `%.<precision>g` of a finite number (the shortest of fixed and exponent form, trailing zeros cut). */
export function formatG(n: number, precision: number): string {
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  const exp = Math.floor(Math.log10(Math.abs(Number(n.toPrecision(precision)))));
  if (exp < -4 || exp >= precision) {
    const [mant = "", e = "0"] = n.toExponential(precision - 1).split("e");
    const m = mant.includes(".") ? mant.replace(/\.?0+$/, "") : mant;
    const ev = Number(e);
    return `${m}e${ev < 0 ? "-" : "+"}${String(Math.abs(ev)).padStart(2, "0")}`;
  }
  const fixed = n.toFixed(Math.max(0, precision - 1 - exp));
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** A score as Redis 7.0 writes it in replies (`d2string`): integers plainly, `inf`/`-inf`, else `%.17g`. */
export function formatScore(n: number): string {
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 53) return String(n);
  return formatG(n, 17);
}

/** A Redis glob (`*`, `?`, `[a-z]`, `[^x]`, `\x`) as an anchored RegExp, for KEYS. */
export function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? "";
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "\\" && i + 1 < pattern.length) re += escapeRe(pattern[++i] ?? "");
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        let body = pattern.slice(i + 1, end);
        const negate = body.startsWith("^");
        if (negate) body = body.slice(1);
        re += `[${negate ? "^" : ""}${body.replace(/[\]\\]/g, "\\$&")}]`;
        i = end;
      }
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** Redis's list/range index normalisation: `[start, stop]` inclusive within `[0, len)`, or null when empty. */
export function rangeOf(start: number, stop: number, len: number): [number, number] | null {
  let s = start < 0 ? len + start : start;
  let e = stop < 0 ? len + stop : stop;
  if (s < 0) s = 0;
  if (s > e || s >= len) return null;
  if (e >= len) e = len - 1;
  return [s, e];
}
