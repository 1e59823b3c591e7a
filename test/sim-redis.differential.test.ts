/**
 * Differential test of the simulated Redis (`@interleave/sim/redis`) against a real redis-server (a private one
 * on a free loopback port, or REDIS_URL's, where it uses database 9 and flushes it):
 *
 * 1. Generated command sequences (fast-check, seed 21): a small alphabet of keys, fields, members and numbers,
 *    wrong-type and bad-argument cases included, sent to both; every reply compared (errors by their first word),
 *    then the final keyspace.
 * 2. Every script of packages/runtime-redis/src/lua: the runtime's own classes (LeaseManager,
 *    RedisFencedResource, ClaimQueue, KeyedMailbox with its dispatcher, RedisSyncCoordinator) run a workload on
 *    the real server while every command they send is recorded; the log is replayed on a fresh real server and
 *    on the simulator, then random argument vectors run each script on both. Replies and keyspaces compared.
 *
 * Normalisations, each a documented divergence rather than a hidden one: error replies compare by first word
 * (Lua 5.3's runtime error texts differ from 5.1's); JSON text in values and replies compares after parsing
 * (cjson's key order is the table's); SMEMBERS/KEYS/HGETALL compare as sets (Redis's small-hash order is
 * insertion order, the simulator's is JS object order, sets are unordered in Redis); PTTL compares as "has a
 * TTL". Scripts read `TIME`, and a real server's clock cannot be set, so for the replay each script's
 * `redis.call('TIME')` is replaced by `redis.call('HMGET', '__clock', 's', 'u')` (same reply shape) and both
 * servers get the same `__clock` before each command (left out of the keyspace comparison); the simulator's
 * own TIME is pinned in packages/sim/test/redis-server.test.ts. A reply that differs only in the order of an
 * array's elements is counted and printed, not failed (Lua `pairs` order differs between the two VMs, and Redis keeps a hash with a value over 64 bytes — the
 * coordinator's MR records — as a hashtable, whose HGETALL order is its own: syncCoordinator-snapshot-2).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type ClaimQueue as CoreClaimQueue, Mailbox as CoreMailbox } from "@interleave/core";
import {
  ClaimQueue,
  KeyedMailbox,
  LeaseManager,
  RedisFencedResource,
  RedisSyncCoordinator,
} from "@interleave/runtime-redis";
import { startRedis, type TestRedis } from "@interleave/runtime-redis/testing";
import {
  initialRedisState,
  liveKeys,
  REDIS_EPOCH_MS,
  type RedisReply,
  type RedisState,
  redisServer,
} from "@interleave/sim/redis";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Client = ReturnType<TestRedis["client"]>;

const LUA_DIR = join(import.meta.dirname, "../packages/runtime-redis/src/lua");
const INCLUDE = /^--- @include "([A-Za-z0-9_/-]+)"[ \t]*$/gm;

/** A script's text with its includes expanded, as the runtime's loader does (shared/redis-script.ts). */
function scriptSource(file: string): string {
  const seen = new Set<string>();
  const resolve = (name: string): string =>
    readFileSync(join(LUA_DIR, `${name}.lua`), "utf8").replace(INCLUDE, (_l, piece: string) => {
      if (seen.has(piece)) return "";
      seen.add(piece);
      return resolve(piece);
    });
  return resolve(file);
}

const FILES = readdirSync(LUA_DIR)
  .filter((f) => f.endsWith(".lua"))
  .map((f) => f.slice(0, -4));
const SOURCES = new Map(FILES.map((f) => [f, scriptSource(f)] as const));

/** `source` with TIME read from the `__clock` hash (see the module comment). */
const clocked = (source: string): string =>
  source.replaceAll("redis.call('TIME')", "redis.call('HMGET', '__clock', 's', 'u')");

type Normal = unknown;

/** A reply made comparable: errors → first word, JSON text → parsed, numbers and strings as they are. */
function normal(r: RedisReply | Error): Normal {
  if (r instanceof Error) return { error: r.message.split(" ")[0] };
  if (r === null || typeof r === "number") return r;
  if (typeof r === "string") return json(r);
  if (Array.isArray(r)) return r.map(normal);
  return { error: (r as { error: string }).error.split(" ")[0] };
}

function json(s: string): unknown {
  if (!/^[[{]/.test(s)) return s;
  try {
    return { json: JSON.parse(s) };
  } catch {
    return s;
  }
}

/** Recursively sorted arrays, to tell an order-only difference. */
function unordered(x: unknown): unknown {
  if (Array.isArray(x))
    return x.map(unordered).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return x;
}

const UNORDERED = new Set(["SMEMBERS", "KEYS", "HGETALL", "HKEYS", "HVALS"]);

/** The real server's reply to `argv` (an error as an Error). */
async function realCall(client: Client, argv: readonly string[]): Promise<RedisReply | Error> {
  try {
    return (await client.call(argv[0] ?? "", ...argv.slice(1))) as RedisReply;
  } catch (e) {
    return e as Error;
  }
}

/** The simulator driven alongside the real server. */
class Sim {
  state: RedisState = initialRedisState();
  atMs = 0;
  call(argv: readonly string[]): RedisReply {
    const r = redisServer.transition(this.state, { _tag: "Command", conn: 1, argv, atMs: this.atMs });
    this.state = r.state;
    return r.result;
  }
}

/** A keyspace as comparable data: key → [type, value], JSON text parsed, sets and hashes order-free. */
async function realKeyspace(client: Client): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of ((await client.keys("*")) as string[]).sort()) {
    if (key === "__clock") continue;
    const type = (await client.type(key)) as string;
    if (type === "string") out[key] = ["string", json((await client.get(key)) ?? "")];
    else if (type === "hash") out[key] = ["hash", hashOf(await client.hgetall(key))];
    else if (type === "list") out[key] = ["list", ((await client.lrange(key, 0, -1)) as string[]).map(json)];
    else if (type === "set") out[key] = ["set", ((await client.smembers(key)) as string[]).sort()];
    else if (type === "zset") {
      out[key] = ["zset", ((await client.call("ZRANGE", key, "0", "-1", "WITHSCORES")) as unknown[]).flat()];
    } else out[key] = [type];
  }
  return out;
}

function hashOf(h: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(h)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, json(v)]),
  );
}

function simKeyspace(sim: Sim): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = liveKeys(sim.state, sim.atMs);
  for (const key of Object.keys(keys).sort()) {
    if (key === "__clock") continue;
    const v = keys[key];
    if (v === undefined) continue;
    if (v.type === "string") out[key] = ["string", json(v.value)];
    else if (v.type === "hash") out[key] = ["hash", hashOf({ ...v.value })];
    else if (v.type === "list") out[key] = ["list", v.value.map(json)];
    else if (v.type === "set") out[key] = ["set", Object.keys(v.value).sort()];
    else out[key] = ["zset", sim.call(["ZRANGE", key, "0", "-1", "WITHSCORES"])];
  }
  return out;
}

let redis: TestRedis;
let client: Client;

beforeAll(async () => {
  redis = await startRedis();
  client = redis.client();
  if (!redis.owned) await client.select(9);
});

afterAll(async () => {
  await redis?.stop();
});

async function fresh(sim: Sim): Promise<void> {
  await client.flushdb();
  sim.state = initialRedisState();
  sim.atMs = 0;
}

// ── 1. generated command sequences ──────────────────────────────────────────────────────────────────────────

const key = fc.constantFrom("k1", "k2", "h", "l", "s", "z");
const word = fc.constantFrom("a", "b", "c", "", "x y");
const num = fc.constantFrom(
  "0",
  "1",
  "-1",
  "3",
  "10",
  "2.5",
  "x",
  "9223372036854775807",
  "-inf",
  "+inf",
  "(1",
);
const arg = fc.oneof(word, num);
/** Expiry amounts: long enough that the real server's clock cannot expire a key during a sequence, or invalid. */
const amount = fc.constantFrom("100000", "0", "-1", "x", "9223372036854775807");
const tail = (n: number) => fc.array(arg, { minLength: 0, maxLength: n });

/** One command: [name, ...args], valid or not. */
const command: fc.Arbitrary<readonly string[]> = fc.oneof<fc.Arbitrary<readonly string[]>[]>(
  fc
    .tuple(
      fc.constantFrom(
        "GET",
        "INCR",
        "DECR",
        "TYPE",
        "EXISTS",
        "DEL",
        "LLEN",
        "HLEN",
        "SCARD",
        "ZCARD",
        "TTL",
        "PERSIST",
        "SMEMBERS",
        "HGETALL",
        "LPOP",
        "RPOP",
      ),
      key,
    )
    .map(([c, k]) => [c, k]),
  fc
    .tuple(
      fc.constantFrom(
        "SET",
        "INCRBY",
        "HGET",
        "HEXISTS",
        "SISMEMBER",
        "ZSCORE",
        "SADD",
        "SREM",
        "HDEL",
        "RPUSH",
        "LPUSH",
        "ZREM",
        "RENAME",
        "LPOP",
      ),
      key,
      arg,
    )
    .map(([c, k, a]) => [c, k, a]),
  fc
    .tuple(
      fc.constantFrom(
        "SET",
        "HSET",
        "HSETNX",
        "HINCRBY",
        "ZADD",
        "LREM",
        "LRANGE",
        "ZRANGE",
        "ZRANGEBYSCORE",
        "ZCOUNT",
        "HMGET",
        "ZADD",
      ),
      key,
      arg,
      arg,
    )
    .map(([c, k, a, b]) => [c, k, a, b]),
  fc
    .tuple(
      fc.constantFrom(
        "SET",
        "ZADD",
        "ZRANGE",
        "ZRANGEBYSCORE",
        "HSET",
        "EXISTS",
        "DEL",
        "SADD",
        "HMGET",
        "RPUSH",
      ),
      key,
      tail(5),
    )
    .map(([c, k, t]) => [c, k, ...t]),
  fc
    .tuple(
      fc.constantFrom("ZRANGEBYSCORE", "ZRANGE"),
      key,
      num,
      num,
      fc.constantFrom("WITHSCORES", "LIMIT", "REV", "BYSCORE"),
      tail(3),
    )
    .map(([c, k, a, b, o, t]) => [c, k, a, b, o, ...t]),
  fc
    .tuple(
      fc.constantFrom("SET"),
      key,
      word,
      fc.oneof(
        fc.constantFrom(["NX"], ["XX"], ["GET"], ["KEEPTTL"]),
        fc.tuple(fc.constantFrom("PX", "EX"), amount).map((o) => [...o]),
      ),
      tail(2),
    )
    .map(([c, k, v, o, t]) => [c, k, v, ...o, ...t]),
  fc
    .tuple(
      fc.constantFrom("EXPIRE", "PEXPIRE"),
      key,
      amount,
      fc.constantFrom([], ["NX"], ["XX"], ["GT"], ["LT"], ["NX", "XX"]),
    )
    .map(([c, k, n, o]) => [c, k, n, ...o]),
  fc
    .tuple(
      fc.constantFrom("ZADD"),
      key,
      fc.constantFrom("NX", "XX", "GT", "LT", "CH", "INCR"),
      num,
      word,
      tail(2),
    )
    .map(([c, k, o, s, m, t]) => [c, k, o, s, m, ...t]),
  fc.constantFrom(
    ["PING"],
    ["ECHO", "hi"],
    ["DBSIZE"],
    ["KEYS", "*"],
    ["KEYS", "k?"],
    ["KEYS", "[hl]"],
    ["NOPE", "x"],
    ["GET"],
    ["HGET", "h"],
    ["FLUSHDB"],
    ["EVAL", "return {1, 'a', false, {ok='x'}}", "0"],
    ["EVAL", "return redis.call('GET', KEYS[1])", "1", "k1"],
    ["EVAL", "return redis.pcall('HGET', KEYS[1], 'a')", "1", "k1"],
    ["EVAL", "return x", "0"],
    ["EVAL", "return 1", "x"],
    ["EVALSHA", "0000000000000000000000000000000000000000", "0"],
  ),
);

/** The reply of command `argv` made comparable for its command (sets and hash pairs as sets, PTTL as a class). */
function compared(argv: readonly string[], r: RedisReply | Error): Normal {
  const name = (argv[0] ?? "").toUpperCase();
  const n = normal(
    argv.some((a) => a.toUpperCase() === "WITHSCORES") && Array.isArray(r) ? (r.flat() as RedisReply) : r,
  );
  if (name === "HGETALL" && Array.isArray(r)) {
    const pairs: string[] = [];
    for (let i = 0; i < r.length; i += 2) pairs.push(`${r[i]}=${r[i + 1]}`);
    return pairs.sort();
  }
  if (UNORDERED.has(name)) return unordered(n);
  if (name === "TTL" && typeof r === "number" && r >= 0) return "ttl";
  return n;
}

describe("the simulated Redis replies as a real redis-server", () => {
  it("to generated command sequences, reply by reply and in the final keyspace", async () => {
    const sim = new Sim();
    let sequences = 0;
    let commands = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (seq) => {
        await fresh(sim);
        for (const argv of seq) {
          const real = await realCall(client, argv);
          const simulated = sim.call(argv);
          expect({ argv, reply: compared(argv, simulated) }).toEqual({ argv, reply: compared(argv, real) });
        }
        expect(simKeyspace(sim)).toEqual(await realKeyspace(client));
        sequences++;
        commands += seq.length;
      }),
      { seed: 21, numRuns: 1_000 },
    );
    console.log(
      `differential: ${sequences} command sequences, ${commands} commands, every reply and keyspace equal`,
    );
  });
});

// ── 2. the runtime's scripts ─────────────────────────────────────────────────────────────────────────────────

const SHA_TO_FILE = new Map<string, string>();

/** Records every command `c` sends (EVALSHA/EVAL as the script's file), dropping ones answered NOSCRIPT. */
function record(c: Client): { log: string[][]; done: () => Promise<string[][]> } {
  const entries: { argv: string[]; promise: Promise<unknown> }[] = [];
  const send = c.sendCommand.bind(c);
  // biome-ignore lint/suspicious/noExplicitAny: ioredis's Command is not exported as a type here.
  (c as any).sendCommand = (cmd: any, ...rest: unknown[]) => {
    const argv = [String(cmd.name).toUpperCase(), ...cmd.args.map((a: unknown) => String(a))];
    entries.push({ argv, promise: cmd.promise });
    return send(cmd, ...(rest as []));
  };
  return {
    log: [],
    done: async () => {
      const out: string[][] = [];
      for (const e of entries) {
        const ok = await e.promise.then(
          () => true,
          (err: Error) => !err.message.startsWith("NOSCRIPT"),
        );
        if (ok) out.push(e.argv);
      }
      return out;
    },
  };
}

/** A recorded command as replayed: a script call becomes EVAL of its clocked source; null when not replayed. */
function replayed(argv: readonly string[]): string[] | null {
  const [name = "", first = "", ...rest] = argv;
  if (name === "EVALSHA" || name === "EVAL") {
    const file = name === "EVALSHA" ? SHA_TO_FILE.get(first) : FILES.find((f) => SOURCES.get(f) === first);
    if (file === undefined) return null;
    return ["EVAL", clocked(SOURCES.get(file) ?? ""), ...rest];
  }
  if (
    ["INFO", "CLIENT", "SELECT", "SUBSCRIBE", "UNSUBSCRIBE", "QUIT", "PING", "READONLY", "HELLO"].includes(
      name,
    )
  )
    return null;
  return [...argv];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs the runtime's classes on `c`; their own errors (a lost lease, a refused write) are part of the workload. */
async function workload(c: Client): Promise<void> {
  const quiet = async (p: Promise<unknown>) => p.catch(() => undefined);
  const leases = new LeaseManager(c, { leaseTtlMs: 1_000 });
  const a = await leases.acquire("l1", "h1");
  await leases.acquire("l1", "h2");
  const token = a._tag === "Granted" ? a.token : 1;
  await quiet(leases.renew("l1", "h1", token));
  await quiet(leases.renew("l1", "h2", token + 5));
  await quiet(leases.release("l1", "h1", token));
  await quiet(leases.acquire("l2", "h2"));
  await leases.state("l1");
  const fenced = new RedisFencedResource(c);
  await quiet(fenced.fencedWrite("r1", 2, "v2"));
  await quiet(fenced.fencedWrite("r1", 1, "old"));
  await quiet(fenced.fence("r1", 5));
  await quiet(fenced.fencedWrite("r1", 5, "v5"));
  await fenced.state("r1");
  const config: CoreClaimQueue.ResolvedConfig = {
    leaseTtlMs: 30_000,
    heartbeatIntervalMs: 10_000,
    attemptsMax: 2,
    retryBackoffBaseMs: 0,
    retryBackoffCapMs: 0,
    claimBatchSizeMax: 4,
    itemCountMax: 5,
  };
  const q = await ClaimQueue.open(c, { name: "q1", config });
  await q.enqueue("s1", { reason: "push", n: [1, 2], nested: { a: null } });
  await q.enqueue("s2");
  await q.enqueue("s3", "text/with/slash");
  await q.enqueue("s1", { reason: "again" });
  const claimed = await q.claim("w1", 2);
  for (const item of claimed.items) await quiet(q.heartbeat(item.scope, item.token));
  const [first, second] = claimed.items;
  if (first !== undefined) {
    await q.enqueue(first.scope, { during: true });
    await quiet(q.ackAndClaim(first.scope, first.token, "w1", 2));
  }
  if (second !== undefined) {
    await quiet(q.retry(second.scope, second.token, "boom"));
    await quiet(q.ack(second.scope, second.token + 100));
  }
  const more = await q.claim("w2", 4);
  for (const item of more.items) await quiet(q.fail(item.scope, item.token, "bad"));
  for (const s of ["s4", "s5", "s6", "s7", "s8", "s9"]) await q.enqueue(s);
  const last = await q.claim("w3", 1);
  for (const item of last.items) await quiet(q.release(item.scope, item.token));
  await q.counts();
  await q.snapshot();
  const mailbox = await KeyedMailbox.open(c, {
    name: "m1",
    leaseTtlMs: 300,
    heartbeatIntervalMs: 50,
    config: {
      policy: CoreMailbox.fifoPolicy(["Sync"]),
      inFlightMax: 2,
      pendingPerKeyMax: 3,
      keylessPendingMax: 2,
      keyCountMax: 3,
    },
  });
  for (let i = 0; i < 6; i++)
    await quiet(mailbox.submit({ id: `o${i}`, key: i % 3 === 0 ? null : `k${i % 2}`, kind: "Sync" }));
  await quiet(mailbox.complete("k1", "o1", "done"));
  await mailbox.start(() => sleep(120), { pollIntervalMs: 20 });
  for (let i = 0; i < 100; i++) {
    const s = await mailbox.snapshot();
    if (JSON.stringify(s).includes('"inFlight":{}') || i === 99) break;
    await sleep(20);
  }
  await mailbox.stop();
  await quiet(mailbox.shutdown());
  await mailbox.snapshot();
  const released: unknown[] = [];
  const sync = await RedisSyncCoordinator.open(c, {
    name: "c1",
    config: { legacyTtlMs: 15_000, mrCountMax: 3, pendingPerMrMax: 2 },
    enqueueReset: (r) => {
      released.push(r);
    },
  });
  const started = await quiet(sync.apply({ _tag: "StartSync", mr: "mr1", syncId: "s1" }));
  await quiet(sync.apply({ _tag: "ScheduleReset", mr: "mr1", resetId: "r1" }));
  await quiet(sync.apply({ _tag: "ScheduleReset", mr: "mr1", resetId: "r2" }));
  await quiet(sync.apply({ _tag: "Heartbeat", mr: "mr1", token: 1 }));
  const tokenOf = (s: unknown): number | undefined =>
    (s as { effects?: { token?: number }[] } | undefined)?.effects?.find((e) => e.token !== undefined)?.token;
  await quiet(
    sync.apply({ _tag: "FinishSync", mr: "mr1", syncId: "s1", outcome: "ok", token: tokenOf(started) }),
  );
  await quiet(sync.apply({ _tag: "BeginReset", mr: "mr1", resetId: "r1", token: 2 }));
  await quiet(sync.apply({ _tag: "FinishReset", mr: "mr1", resetId: "r1", token: 2 }));
  await quiet(sync.apply({ _tag: "Expire", mr: "mr1" }));
  await quiet(sync.apply({ _tag: "StartSync", mr: "mr2", syncId: "s2" }));
  await quiet(sync.reclaimExpired());
  await sync.snapshot();
}

describe("the simulated Redis runs the runtime's Lua scripts as a real redis-server", () => {
  it("on the commands the runtime's classes send, then on random argument vectors for every script", async () => {
    for (const [file, source] of SOURCES) {
      SHA_TO_FILE.set((await client.call("SCRIPT", "LOAD", source)) as string, file);
    }
    // record on a separate database state: the workload runs against the real server's clock
    await client.flushdb();
    const recorder = redis.client();
    if (!redis.owned) await recorder.select(9);
    const rec = record(recorder);
    await workload(recorder);
    const log = (await rec.done()).map(replayed).filter((x): x is string[] => x !== null);
    const used = new Set(
      log
        .filter((a) => a[0] === "EVAL")
        .map((a) => FILES.find((f) => clocked(SOURCES.get(f) ?? "") === a[1])),
    );

    const sim = new Sim();
    await fresh(sim);
    let step = 0;
    let orderOnly = 0;
    let errors = 0;
    const orderOnlyIn = new Set<string>();
    const keysOf = new Map<string, string[]>();
    const argsOf = new Map<string, string[]>();
    const check = async (argv: string[], what: string) => {
      step++;
      sim.atMs = step * 1_000;
      const ms = REDIS_EPOCH_MS + sim.atMs;
      const clock = ["HSET", "__clock", "s", String(Math.floor(ms / 1000)), "u", String((ms % 1000) * 1000)];
      await realCall(client, clock);
      sim.call(clock);
      const real = compared(argv, await realCall(client, argv));
      if (typeof real === "object" && real !== null && "error" in real) errors++;
      const simulated = compared(argv, sim.call(argv));
      if (JSON.stringify(real) !== JSON.stringify(simulated)) {
        if (JSON.stringify(unordered(real)) === JSON.stringify(unordered(simulated))) {
          orderOnly++;
          orderOnlyIn.add(what);
        } else
          expect({ what, argv: argv.slice(0, 1).concat(argv.slice(2)), reply: simulated }).toEqual({
            what,
            argv: argv.slice(0, 1).concat(argv.slice(2)),
            reply: real,
          });
      }
    };
    for (const argv of log) {
      const file =
        argv[0] === "EVAL" ? FILES.find((f) => clocked(SOURCES.get(f) ?? "") === argv[1]) : undefined;
      if (file !== undefined) {
        const n = Number(argv[2]);
        keysOf.set(file, argv.slice(3, 3 + n));
        argsOf.set(file, [...(argsOf.get(file) ?? []), ...argv.slice(3 + n)]);
      }
      await check(argv, file ?? "command");
    }
    expect(simKeyspace(sim)).toEqual(await realKeyspace(client));

    // random argument vectors: every script, its recorded keys (or generic ones), ARGV from an alphabet plus the
    // values the workload passed, on top of the state the workload left
    const pool = [
      "",
      "0",
      "1",
      "2",
      "-1",
      "5",
      "1000",
      "x",
      "{}",
      "[1]",
      '{"a":1}',
      "Sync",
      "done",
      "k1",
      "ok",
      "failed",
      "9999999999999",
    ];
    let vectors = 0;
    for (const file of FILES) {
      const numberOfKeys = Number(file.slice(file.lastIndexOf("-") + 1));
      const keys = keysOf.get(file) ?? Array.from({ length: numberOfKeys }, (_, i) => `rk:${i}`);
      const seen = [...new Set([...(argsOf.get(file) ?? []), ...pool])];
      const vectorsOf = fc.sample(fc.array(fc.constantFrom(...seen), { minLength: 0, maxLength: 14 }), {
        seed: 21,
        numRuns: 40,
      });
      for (const args of vectorsOf) {
        await check(
          ["EVAL", clocked(SOURCES.get(file) ?? ""), String(keys.length), ...keys, ...args],
          `${file} random`,
        );
        vectors++;
      }
      expect(simKeyspace(sim)).toEqual(await realKeyspace(client));
    }
    console.log(
      `differential scripts: ${log.length} recorded commands (${used.size} of ${FILES.length} scripts: ${[...used].sort().join(", ")}), ` +
        `${vectors} random vectors over all ${FILES.length} scripts (${errors} of all ${step} replies were errors, equal on both); ${orderOnly} replies differed only in element order (${[...orderOnlyIn].sort().join(", ")})`,
    );
    await recorder.quit();
  });
});
