/**
 * The simulated ioredis client (packages/sim/src/redis/client.ts) over directTransport and a tiny fake server
 * machine defined here (a Map of strings and hashes, scripts by SHA-1 with NOSCRIPT, pub/sub): the status
 * machine and its events as ioredis has them, reconnects with the retry strategy's delays, unanswered commands
 * re-sent (so applied twice), the offline queue, commandTimeout, maxRetriesPerRequest, defineCommand's
 * EVAL/EVALSHA, pub/sub and resubscribe, duplicate, quit/disconnect, reply shapes and ReplyError. Timers are
 * vitest's fake setTimeout; no assertion depends on real time.
 */
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type DirectTransport,
  directTransport,
  type RedisEvent,
  type RedisPush,
  type RedisReply,
  type RedisServerMachine,
  SimRedis,
  type SimRedisOptions,
} from "../src/redis/index.js";

interface FakeState {
  readonly strings: Map<string, string>;
  readonly hashes: Map<string, Map<string, string>>;
  readonly scripts: Map<string, string>;
  readonly subs: Map<number, Set<string>>;
}

/** Scripts the fake server can run, by source: a JS function standing in for the Lua. */
const LUA: Record<string, (s: FakeState, keys: string[], args: string[]) => RedisReply> = {
  "return redis.call('INCRBY', KEYS[1], ARGV[1])": (s, keys, args) => {
    const n = Number(s.strings.get(keys[0] as string) ?? "0") + Number(args[0]);
    s.strings.set(keys[0] as string, String(n));
    return n;
  },
};
const INCRBY_LUA = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
const sha1 = (text: string): string => createHash("sha1").update(text).digest("hex");

function runScript(s: FakeState, lua: string, rest: readonly string[]): RedisReply {
  const run = LUA[lua];
  if (run === undefined) return { error: "ERR unknown fake script" };
  const numkeys = Number(rest[0]);
  return run(s, rest.slice(1, 1 + numkeys), rest.slice(1 + numkeys));
}

/** The fake server: mutates its state in place (enough for a test; the real machine is pure). */
const fakeServer: RedisServerMachine<FakeState> = {
  transition(s: FakeState, event: RedisEvent) {
    const effects: RedisPush[] = [];
    const done = (result: RedisReply) => ({ state: s, result, effects });
    if (event._tag === "Disconnect") {
      s.subs.delete(event.conn);
      return done(null);
    }
    if (event._tag === "Restart") {
      s.scripts.clear();
      s.subs.clear();
      return done(null);
    }
    const [name = "", ...a] = event.argv;
    const subs = s.subs.get(event.conn) ?? new Set<string>();
    switch (name.toLowerCase()) {
      case "ping":
        return done("PONG");
      case "quit":
        return done("OK");
      case "get":
        return done(s.strings.get(a[0] as string) ?? null);
      case "set":
        s.strings.set(a[0] as string, a[1] as string);
        return done("OK");
      case "del":
        return done(a.filter((k) => s.strings.delete(k) || s.hashes.delete(k)).length);
      case "incr": {
        const n = Number(s.strings.get(a[0] as string) ?? "0") + 1;
        s.strings.set(a[0] as string, String(n));
        return done(n);
      }
      case "hset": {
        const h = s.hashes.get(a[0] as string) ?? new Map<string, string>();
        s.hashes.set(a[0] as string, h);
        let added = 0;
        for (let i = 1; i + 1 < a.length; i += 2) {
          if (!h.has(a[i] as string)) added++;
          h.set(a[i] as string, a[i + 1] as string);
        }
        return done(added);
      }
      case "hgetall":
        return done([...(s.hashes.get(a[0] as string) ?? new Map<string, string>())].flat());
      case "hmget":
        return done(a.slice(1).map((f) => s.hashes.get(a[0] as string)?.get(f) ?? null));
      case "eval":
        s.scripts.set(sha1(a[0] as string), a[0] as string);
        return done(runScript(s, a[0] as string, a.slice(1)));
      case "evalsha": {
        const lua = s.scripts.get(a[0] as string);
        if (lua === undefined) return done({ error: "NOSCRIPT No matching script. Please use EVAL." });
        return done(runScript(s, lua, a.slice(1)));
      }
      case "script":
        s.scripts.clear();
        return done("OK");
      case "subscribe":
        s.subs.set(event.conn, subs);
        return done(
          a.map((c) => {
            subs.add(c);
            return ["subscribe", c, subs.size];
          }),
        );
      case "unsubscribe": {
        const gone = a.length > 0 ? a : [...subs];
        return done(
          gone.map((c) => {
            subs.delete(c);
            return ["unsubscribe", c, subs.size];
          }),
        );
      }
      case "publish": {
        for (const [conn, channels] of s.subs) {
          if (channels.has(a[0] as string)) {
            effects.push({ _tag: "Message", conn, channel: a[0] as string, message: a[1] as string });
          }
        }
        return done(effects.length);
      }
      default:
        return done({ error: `ERR unknown command '${name}'` });
    }
  },
};

const newState = (): FakeState => ({
  strings: new Map(),
  hashes: new Map(),
  scripts: new Map(),
  subs: new Map(),
});

/** Lets every queued microtask and reply run (setImmediate is not faked). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let transport: DirectTransport<FakeState>;
const clients: SimRedis[] = [];

function client(options: SimRedisOptions = {}): { redis: SimRedis; events: string[] } {
  const redis = new SimRedis(transport, options);
  clients.push(redis);
  const events: string[] = [];
  for (const e of ["wait", "connecting", "connect", "ready", "close", "end"])
    redis.on(e, () => events.push(e));
  redis.on("reconnecting", (ms: number) => events.push(`reconnecting ${ms}`));
  redis.on("error", (err: Error) => events.push(`error ${err.message}`));
  return { redis, events };
}

const argvs = (): string[] => transport.applied.map((a) => a.argv.join(" "));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  transport = directTransport(fakeServer, newState());
});

afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
  vi.useRealTimers();
});

describe("SimRedis status and events", () => {
  it("connects at once: wait → connecting → connect → ready, with host and port for addresses", async () => {
    const { redis, events } = client();
    expect(redis.status).toBe("connecting");
    await flush();
    expect(redis.status).toBe("ready");
    expect(events).toEqual(["connecting", "connect", "ready"]);
    expect(redis.options.host).toBe("redis");
    expect(redis.options.port).toBe(6379);
    expect(await redis.ping()).toBe("PONG");
  });

  it("lazyConnect waits for the first command, which waits in the offline queue", async () => {
    const { redis, events } = client({ lazyConnect: true });
    await flush();
    expect(redis.status).toBe("wait");
    expect(events).toEqual(["wait"]);
    expect(await redis.set("k", "v")).toBe("OK");
    expect(events).toEqual(["wait", "connecting", "connect", "ready"]);
  });

  it("connect() resolves at ready and rejects when already connecting", async () => {
    const { redis } = client({ lazyConnect: true });
    const connecting = redis.connect();
    await expect(redis.connect()).rejects.toThrow("Redis is already connecting/connected");
    await connecting;
    expect(redis.status).toBe("ready");
  });

  it("on a lost connection: error, close, reconnecting with the retry delay, then connecting again", async () => {
    const { redis, events } = client();
    await flush();
    events.length = 0;
    transport.closeAll();
    await flush();
    expect(events).toEqual(["error read ECONNRESET", "close", "reconnecting 50"]);
    expect(redis.status).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(50);
    await flush();
    expect(events.slice(3)).toEqual(["connecting", "connect", "ready"]);
  });

  it("backs off by the retry strategy while the server refuses connections, and the retry count resets at ready", async () => {
    const { redis, events } = client();
    await flush();
    transport.refuseConnections(true);
    transport.closeAll();
    await flush();
    for (const ms of [50, 100, 150]) await vi.advanceTimersByTimeAsync(ms);
    await flush();
    expect(events.filter((e) => e.startsWith("reconnecting"))).toEqual([
      "reconnecting 50",
      "reconnecting 100",
      "reconnecting 150",
      "reconnecting 200",
    ]);
    expect(events).toContain("error connect ECONNREFUSED sim");
    transport.refuseConnections(false);
    await vi.advanceTimersByTimeAsync(200);
    await flush();
    expect(redis.status).toBe("ready");
    transport.closeAll();
    await flush();
    expect(events.at(-1)).toBe("reconnecting 50");
  });

  it("ends when retryStrategy returns null, rejecting what waits with Connection is closed.", async () => {
    const { redis, events } = client({ retryStrategy: () => null });
    await flush();
    transport.dropNextReply();
    const get = redis.get("k");
    transport.closeAll();
    await expect(get).rejects.toThrow("Connection is closed.");
    await flush();
    expect(redis.status).toBe("end");
    expect(events.slice(-2)).toEqual(["close", "end"]);
    await expect(redis.get("k")).rejects.toThrow("Connection is closed.");
  });
});

describe("SimRedis commands across connection loss", () => {
  it("re-sends a command whose reply was lost on the new connection: applied twice", async () => {
    const { redis } = client();
    await redis.set("n", "1");
    transport.dropNextReply();
    const incr = redis.incr("n");
    await flush();
    transport.closeAll();
    await vi.advanceTimersByTimeAsync(50);
    expect(await incr).toBe(3);
    expect(argvs().filter((a) => a === "incr n")).toHaveLength(2);
  });

  it("does not re-send with autoResendUnfulfilledCommands false (the command waits for its timeout)", async () => {
    const { redis } = client({ autoResendUnfulfilledCommands: false, commandTimeout: 1_000 });
    await redis.set("n", "1");
    transport.dropNextReply();
    const incr = redis.incr("n");
    const settled = expect(incr).rejects.toThrow("Command timed out");
    transport.closeAll();
    await vi.advanceTimersByTimeAsync(1_000);
    await settled;
    expect(await redis.get("n")).toBe("2");
  });

  it("queues commands sent while reconnecting and sends them in order once ready", async () => {
    const { redis } = client();
    await flush();
    transport.closeAll();
    await flush();
    expect(redis.status).toBe("reconnecting");
    const set = redis.set("k", "a");
    const get = redis.get("k");
    await vi.advanceTimersByTimeAsync(50);
    expect([await set, await get]).toEqual(["OK", "a"]);
  });

  it("rejects at once without the offline queue", async () => {
    const { redis } = client({ enableOfflineQueue: false });
    await expect(redis.get("k")).rejects.toThrow(
      "Stream isn't writeable and enableOfflineQueue options is false",
    );
  });

  it("rejects an unanswered command after commandTimeout", async () => {
    const { redis } = client({ commandTimeout: 100 });
    await flush();
    transport.dropNextReply();
    const get = redis.get("k");
    const settled = expect(get).rejects.toThrow("Command timed out");
    await vi.advanceTimersByTimeAsync(100);
    await settled;
    expect(redis.status).toBe("ready");
  });

  it("rejects a waiting command with MaxRetriesPerRequestError after maxRetriesPerRequest + 1 attempts", async () => {
    const { redis } = client({ maxRetriesPerRequest: 1 });
    await flush();
    transport.refuseConnections(true);
    transport.closeAll();
    await flush();
    const get = redis.get("k");
    const settled = expect(get).rejects.toMatchObject({
      name: "MaxRetriesPerRequestError",
      message: expect.stringContaining("max retries per request limit (which is 1)"),
    });
    await vi.advanceTimersByTimeAsync(50);
    await flush();
    await settled;
  });
});

describe("SimRedis scripts, pub/sub, duplicate", () => {
  it("defineCommand: EVAL the first time on a connection, EVALSHA after, EVAL again after NOSCRIPT", async () => {
    const { redis } = client();
    redis.defineCommand("bump", { lua: INCRBY_LUA, numberOfKeys: 1 });
    const bump = (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>).bump!;
    expect(await bump.call(redis, "n", 2)).toBe(2);
    expect(await bump.call(redis, "n", 3)).toBe(5);
    await redis.call("script", "flush");
    expect(await bump.call(redis, "n", 1)).toBe(6);
    const sha = sha1(INCRBY_LUA);
    expect(argvs().map((a) => a.split(" ")[0] + (a.includes(sha) ? " sha" : ""))).toEqual([
      "eval",
      "evalsha sha",
      "script",
      "evalsha sha",
      "eval",
    ]);
    expect(transport.applied[0]?.argv).toEqual(["eval", INCRBY_LUA, "1", "n", "2"]);
  });

  it("subscribes, delivers messages, rejects other commands in subscriber mode, and resubscribes after a loss", async () => {
    const { redis: pub } = client();
    const { redis: sub } = client();
    const messages: string[] = [];
    sub.on("message", (channel: string, message: string) => messages.push(`${channel}:${message}`));
    expect(await sub.subscribe("a", "b")).toBe(2);
    expect(sub.mode).toBe("subscriber");
    await expect(sub.get("k")).rejects.toThrow(
      "Connection in subscriber mode, only subscriber commands may be used",
    );
    expect(await pub.publish("a", "1")).toBe(1);
    await flush();
    transport.closeAll();
    await vi.advanceTimersByTimeAsync(50);
    await flush();
    expect(await pub.publish("b", "2")).toBe(1);
    await flush();
    expect(messages).toEqual(["a:1", "b:2"]);
    expect(await sub.unsubscribe()).toBe(0);
    expect(sub.mode).toBe("normal");
    expect(await sub.get("k")).toBeNull();
  });

  it("with protocol 3 (ioredis 6's RESP3) a subscribed connection accepts every command", async () => {
    const { redis } = client({ protocol: 3 });
    expect(await redis.subscribe("a")).toBe(1);
    expect(redis.mode).toBe("normal");
    expect(await redis.get("k")).toBeNull();
  });

  it("duplicate() opens its own connection with the same options and without the scripts", async () => {
    const { redis } = client({ commandTimeout: 500 });
    redis.defineCommand("bump", { lua: INCRBY_LUA, numberOfKeys: 1 });
    const copy = redis.duplicate();
    clients.push(copy);
    await copy.ping();
    expect(copy.options.commandTimeout).toBe(500);
    expect("bump" in copy).toBe(false);
    expect(new Set(transport.applied.map((a) => a.conn)).size).toBe(1);
    expect(transport.openIds).toHaveLength(2);
  });
});

describe("SimRedis quit, disconnect, replies", () => {
  it("quit() sends QUIT, resolves OK, then ends without reconnecting; nothing is written after QUIT", async () => {
    const { redis, events } = client();
    await flush();
    const quit = redis.quit();
    const after = redis.set("k", "v");
    expect(await quit).toBe("OK");
    await expect(after).rejects.toThrow("Connection is closed.");
    await flush();
    expect(redis.status).toBe("end");
    expect(events.slice(-2)).toEqual(["close", "end"]);
    expect(argvs()).toEqual(["quit"]);
    expect(transport.openIds).toEqual([]);
  });

  it("disconnect() ends at once and rejects pending commands with Connection is closed.", async () => {
    const { redis, events } = client();
    await flush();
    transport.dropNextReply();
    const get = redis.get("k");
    redis.disconnect();
    await expect(get).rejects.toThrow("Connection is closed.");
    await flush();
    expect(redis.status).toBe("end");
    expect(events.slice(-2)).toEqual(["close", "end"]);
  });

  it("disconnect() while reconnecting ends the client", async () => {
    const { redis } = client();
    await flush();
    transport.closeAll();
    await flush();
    redis.disconnect();
    await flush();
    expect(redis.status).toBe("end");
  });

  it("hgetall resolves with an object, hset takes an object, numbers and arrays are flattened to strings", async () => {
    const { redis } = client();
    expect(await redis.hset("h", { a: 1, b: "x" })).toBe(2);
    expect(await redis.hgetall("h")).toEqual({ a: "1", b: "x" });
    expect(await redis.hgetall("none")).toEqual({});
    expect(await redis.hmget("h", ["a", "b"], "c")).toEqual(["1", "x", null]);
    expect(argvs()[0]).toBe("hset h a 1 b x");
  });

  it("an error reply rejects with a ReplyError naming the command; a callback gets it too", async () => {
    const { redis } = client();
    const err = await redis.call("nosuch", 1).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: "ReplyError",
      message: "ERR unknown command 'nosuch'",
      command: { name: "nosuch", args: ["1"] },
    });
    const viaCallback = await new Promise((resolve) => {
      redis.call("get", "k", (e: Error | null, r?: unknown) => resolve([e, r]));
    });
    expect(viaCallback).toEqual([null, null]);
  });

  it("a pipeline sends its commands in order and gives [error] or [null, result] for each", async () => {
    const { redis } = client();
    const results = await redis.pipeline().set("k", "v").get("k").call("nosuch").exec();
    expect(results[0]).toEqual([null, "OK"]);
    expect(results[1]).toEqual([null, "v"]);
    expect(results[2]?.[0]).toMatchObject({ name: "ReplyError" });
    expect(() => redis.multi()).toThrow("not supported");
  });

  it("a pipeline cut by a lost connection after its first reply aborts the rest instead of re-sending them", async () => {
    const { redis } = client();
    await flush();
    transport.dropNextReply(2, 1);
    const exec = redis.pipeline().set("a", "1").set("b", "2").set("c", "3").exec();
    await flush();
    transport.closeAll();
    await vi.advanceTimersByTimeAsync(50);
    const results = await exec;
    expect(results[0]).toEqual([null, "OK"]);
    expect(results.slice(1).map((r) => r[0]?.message)).toEqual([
      "Command aborted due to connection close",
      "Command aborted due to connection close",
    ]);
    expect(argvs()).toEqual(["set a 1", "set b 2", "set c 3"]);
  });

  it("a script is sent as EVAL again on a new connection", async () => {
    const { redis } = client();
    redis.defineCommand("bump", { lua: INCRBY_LUA, numberOfKeys: 1 });
    const bump = (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>).bump!;
    await bump.call(redis, "n", 1);
    transport.closeAll();
    await flush();
    await vi.advanceTimersByTimeAsync(50);
    expect(await bump.call(redis, "n", 1)).toBe(2);
    expect(argvs().map((a) => a.split(" ")[0])).toEqual(["eval", "eval"]);
  });
});
