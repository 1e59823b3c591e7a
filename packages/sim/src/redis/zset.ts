/**
 * The simulated Redis's sorted-set commands (ZADD with NX/XX/GT/LT/CH/INCR, ZREM, ZRANGE by index or score,
 * ZRANGEBYSCORE with LIMIT, ZCARD, ZSCORE, ZCOUNT, ZINCRBY), as Redis 7 answers them. A sorted set is held as
 * `{ member: score }`; ranges sort by (score, member) on demand, which is plenty for a simulation's sizes.
 */
import type { CommandSpec, Exec } from "./commands.js";
import {
  formatScore,
  isWrongType,
  keepTtl,
  NOT_FLOAT,
  NOT_INTEGER,
  parseBoundNumber,
  parseFloatArg,
  parseInteger,
  type Reply,
  rangeOf,
  removeFields,
  SYNTAX,
  typed,
  withKey,
} from "./keyspace.js";

type Zset = Readonly<Record<string, number>>;

/** Members in Redis's order: by score, then by member (byte order for ASCII). */
function sorted(z: Zset): [string, number][] {
  return Object.entries(z).sort(([ma, sa], [mb, sb]) =>
    sa !== sb ? sa - sb : ma < mb ? -1 : ma > mb ? 1 : 0,
  );
}

interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

/** A ZRANGEBYSCORE bound: `1.5`, `(1.5` (exclusive), `-inf`, `+inf`; null when not a float. */
function parseBound(s: string): Bound | null {
  const exclusive = s.startsWith("(");
  const value = parseBoundNumber(exclusive ? s.slice(1) : s);
  return value === null ? null : { value, exclusive };
}

function above(score: number, min: Bound): boolean {
  return min.exclusive ? score > min.value : score >= min.value;
}

function below(score: number, max: Bound): boolean {
  return max.exclusive ? score < max.value : score <= max.value;
}

function flat(items: readonly [string, number][], withScores: boolean): Reply {
  return withScores ? items.flatMap(([m, s]) => [m, formatScore(s)]) : items.map(([m]) => m);
}

function readZset(x: Exec, key: string, empty: Reply, f: (z: Zset) => Reply): Reply {
  const v = typed(x.db, key, "zset");
  if (isWrongType(v)) return v;
  return v === undefined ? empty : f(v.value);
}

/** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member …]. */
function zadd(x: Exec, a: readonly string[]): Reply {
  const key = a[0] ?? "";
  const flags = new Set<string>();
  let i = 1;
  while (i < a.length && ["NX", "XX", "GT", "LT", "CH", "INCR"].includes((a[i] ?? "").toUpperCase())) {
    flags.add((a[i] ?? "").toUpperCase());
    i++;
  }
  const rest = a.slice(i);
  if (rest.length === 0 || rest.length % 2 !== 0) return SYNTAX;
  if (flags.has("NX") && flags.has("XX"))
    return { error: "ERR XX and NX options at the same time are not compatible" };
  if ((flags.has("GT") && flags.has("LT")) || (flags.has("NX") && (flags.has("GT") || flags.has("LT")))) {
    return { error: "ERR GT, LT, and/or NX options at the same time are not compatible" };
  }
  if (flags.has("INCR") && rest.length > 2)
    return { error: "ERR INCR option supports a single increment-element pair" };
  const pairs: [number, string][] = [];
  for (let j = 0; j < rest.length; j += 2) {
    const score = parseFloatArg(rest[j] ?? "");
    if (score === null) return NOT_FLOAT;
    pairs.push([score, rest[j + 1] ?? ""]);
  }
  const v = typed(x.db, key, "zset");
  if (isWrongType(v)) return v;
  let z: Zset = v?.value ?? {};
  let added = 0;
  let updated = 0;
  let incrResult: Reply = null;
  for (const [score, member] of pairs) {
    const old = Object.hasOwn(z, member) ? z[member] : undefined;
    if (old !== undefined) {
      if (flags.has("NX")) continue;
      const next = flags.has("INCR") ? old + score : score;
      if (Number.isNaN(next)) return { error: "ERR resulting score is not a number (NaN)" };
      if ((flags.has("GT") && next <= old) || (flags.has("LT") && next >= old)) continue;
      incrResult = formatScore(next);
      if (next !== old) {
        z = withKey(z, member, next);
        updated++;
      }
    } else {
      if (flags.has("XX")) continue;
      z = withKey(z, member, score);
      incrResult = formatScore(score);
      added++;
    }
  }
  if (added + updated > 0) x.db.set(key, keepTtl(v, { type: "zset", value: z }));
  if (flags.has("INCR")) return incrResult;
  return flags.has("CH") ? added + updated : added;
}

function zrem(x: Exec, key: string, members: readonly string[]): Reply {
  return removeFields(x.db, key, "zset", members);
}

interface Limit {
  readonly offset: number;
  readonly count: number;
}

function applyLimit<T>(items: readonly T[], limit: Limit | null): T[] {
  if (limit === null) return [...items];
  if (limit.offset < 0) return [];
  return items.slice(limit.offset, limit.count < 0 ? undefined : limit.offset + limit.count);
}

/** The members of `z` with a score in [min, max] (bounds as given), ascending, or descending when `rev`. */
function byScore(z: Zset, min: Bound, max: Bound, rev: boolean): [string, number][] {
  const inRange = sorted(z).filter(([, s]) => above(s, min) && below(s, max));
  return rev ? inRange.reverse() : inRange;
}

/** ZRANGE key start stop [BYSCORE] [REV] [LIMIT offset count] [WITHSCORES] (BYLEX is not simulated). */
function zrange(x: Exec, a: readonly string[], forceByScore: boolean, forceRev: boolean): Reply {
  const [key = "", start = "", stop = ""] = a;
  let byScoreFlag = forceByScore;
  let rev = forceRev;
  let withScores = false;
  let limit: Limit | null = null;
  for (let i = 3; i < a.length; i++) {
    const opt = (a[i] ?? "").toUpperCase();
    if (opt === "WITHSCORES") withScores = true;
    else if (opt === "BYSCORE" && !forceByScore) byScoreFlag = true;
    else if (opt === "REV" && !forceByScore) rev = true;
    else if (opt === "LIMIT" && i + 2 < a.length) {
      const offset = parseInteger(a[i + 1] ?? "");
      const count = parseInteger(a[i + 2] ?? "");
      if (offset === null || count === null) return NOT_INTEGER;
      limit = { offset, count };
      i += 2;
    } else return SYNTAX;
  }
  if (limit !== null && !byScoreFlag) {
    return { error: "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX" };
  }
  if (byScoreFlag) {
    const lo = parseBound(rev && !forceByScore ? stop : start);
    const hi = parseBound(rev && !forceByScore ? start : stop);
    if (lo === null || hi === null) return { error: "ERR min or max is not a float" };
    return readZset(x, key, [], (z) => flat(applyLimit(byScore(z, lo, hi, rev), limit), withScores));
  }
  const s = parseInteger(start);
  const e = parseInteger(stop);
  if (s === null || e === null) return NOT_INTEGER;
  return readZset(x, key, [], (z) => {
    const all = sorted(z);
    if (rev) all.reverse();
    const r = rangeOf(s, e, all.length);
    return r === null ? [] : flat(all.slice(r[0], r[1] + 1), withScores);
  });
}

function zcount(x: Exec, key: string, rawMin: string, rawMax: string): Reply {
  const min = parseBound(rawMin);
  const max = parseBound(rawMax);
  if (min === null || max === null) return { error: "ERR min or max is not a float" };
  return readZset(x, key, 0, (z) => Object.values(z).filter((s) => above(s, min) && below(s, max)).length);
}

const str = (a: readonly string[], i: number): string => a[i] ?? "";

/** The sorted-set commands, by upper-case name. */
export const ZSET_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  ZADD: { arity: -4, run: zadd },
  ZINCRBY: { arity: 4, run: (x, a) => zadd(x, [str(a, 0), "INCR", str(a, 1), str(a, 2)]) },
  ZREM: { arity: -3, run: (x, a) => zrem(x, str(a, 0), a.slice(1)) },
  ZRANGE: { arity: -4, run: (x, a) => zrange(x, a, false, false) },
  ZREVRANGE: {
    arity: -4,
    run: (x, a) =>
      a.length > 4 || (a.length === 4 && str(a, 3).toUpperCase() !== "WITHSCORES")
        ? SYNTAX
        : zrange(x, a, false, true),
  },
  ZRANGEBYSCORE: { arity: -4, run: (x, a) => zrange(x, a, true, false) },
  ZCARD: { arity: 2, run: (x, a) => readZset(x, str(a, 0), 0, (z) => Object.keys(z).length) },
  ZSCORE: {
    arity: 3,
    run: (x, a) =>
      readZset(x, str(a, 0), null, (z) =>
        Object.hasOwn(z, str(a, 1)) ? formatScore(z[str(a, 1)] ?? 0) : null,
      ),
  },
  ZCOUNT: { arity: 4, run: (x, a) => zcount(x, str(a, 0), str(a, 1), str(a, 2)) },
};
