/**
 * The simulated Redis server's replies, errors, expiry, persistence, pub/sub, scripting and immutability,
 * pinned on hand-written cases (the differential test in test/sim-redis.differential.test.ts compares it
 * with a real redis-server on generated ones).
 */
import {
  initialRedisState,
  liveKeys,
  REDIS_EPOCH_MS,
  type RedisPush,
  type RedisReply,
  type RedisServerOptions,
  type RedisState,
  redisServer,
  restartLosses,
  unpersistedKeys,
} from "@interleave/sim/redis";
import { describe, expect, it } from "vitest";
import { deepFreeze } from "../../../test/support/deep-freeze.js";

/** A server driven by commands of connection 1 (or `conn`) at virtual time `atMs`. */
function server(options?: RedisServerOptions) {
  let state: RedisState = initialRedisState(options);
  let pushes: RedisPush[] = [];
  return {
    run(argv: string[], atMs = 0, conn = 1): RedisReply {
      const r = redisServer.transition(state, { _tag: "Command", conn, argv, atMs });
      state = r.state;
      pushes = [...r.effects];
      return r.result;
    },
    restart(atMs = 0): void {
      state = redisServer.transition(state, { _tag: "Restart", atMs }).state;
    },
    disconnect(conn: number): void {
      state = redisServer.transition(state, { _tag: "Disconnect", conn }).state;
    },
    get state() {
      return state;
    },
    get pushes() {
      return pushes;
    },
  };
}

describe("redisServer commands", () => {
  it("answers strings, counters and keys as Redis 7", () => {
    const s = server();
    expect(s.run(["PING"])).toBe("PONG");
    expect(s.run(["ECHO", "hi"])).toBe("hi");
    expect(s.run(["SET", "k", "v"])).toBe("OK");
    expect(s.run(["SET", "k", "w", "NX"])).toBeNull();
    expect(s.run(["SET", "k", "w", "XX", "GET"])).toBe("v");
    expect(s.run(["GET", "k"])).toBe("w");
    expect(s.run(["INCR", "n"])).toBe(1);
    expect(s.run(["INCRBY", "n", "41"])).toBe(42);
    expect(s.run(["DECR", "n"])).toBe(41);
    expect(s.run(["INCR", "k"])).toEqual({ error: "ERR value is not an integer or out of range" });
    expect(s.run(["INCRBY", "n", "x"])).toEqual({ error: "ERR value is not an integer or out of range" });
    expect(s.run(["EXISTS", "k", "n", "zz", "k"])).toBe(3);
    expect(s.run(["TYPE", "k"])).toBe("string");
    expect(s.run(["TYPE", "zz"])).toBe("none");
    expect(s.run(["RENAME", "k", "k2"])).toBe("OK");
    expect(s.run(["RENAME", "zz", "k3"])).toEqual({ error: "ERR no such key" });
    expect(s.run(["KEYS", "k*"])).toEqual(["k2"]);
    expect(s.run(["DBSIZE"])).toBe(2);
    expect(s.run(["DEL", "k2", "n", "zz"])).toBe(2);
    expect(s.run(["FLUSHALL"])).toBe("OK");
    expect(s.run(["DBSIZE"])).toBe(0);
  });

  it("answers hashes, lists, sets and sorted sets, with WRONGTYPE across types", () => {
    const s = server();
    expect(s.run(["HSET", "h", "a", "1", "b", "2"])).toBe(2);
    expect(s.run(["HSETNX", "h", "a", "9"])).toBe(0);
    expect(s.run(["HGET", "h", "a"])).toBe("1");
    expect(s.run(["HMGET", "h", "a", "x"])).toEqual(["1", null]);
    expect(s.run(["HINCRBY", "h", "b", "5"])).toBe(7);
    expect(s.run(["HGETALL", "h"])).toEqual(["a", "1", "b", "7"]);
    expect(s.run(["HDEL", "h", "a", "a", "x"])).toBe(1);
    expect(s.run(["HLEN", "h"])).toBe(1);
    expect(s.run(["HEXISTS", "h", "b"])).toBe(1);
    expect(s.run(["HGET", "h"])).toEqual({ error: "ERR wrong number of arguments for 'hget' command" });
    expect(s.run(["RPUSH", "l", "a", "b", "a"])).toBe(3);
    expect(s.run(["LPUSH", "l", "x", "y"])).toBe(5);
    expect(s.run(["LRANGE", "l", "0", "-1"])).toEqual(["y", "x", "a", "b", "a"]);
    expect(s.run(["LREM", "l", "-1", "a"])).toBe(1);
    expect(s.run(["LPOP", "l"])).toBe("y");
    expect(s.run(["RPOP", "l", "2"])).toEqual(["b", "a"]);
    expect(s.run(["LLEN", "l"])).toBe(1);
    expect(s.run(["SADD", "s", "b", "a", "b"])).toBe(2);
    expect(s.run(["SMEMBERS", "s"])).toEqual(["a", "b"]);
    expect(s.run(["SISMEMBER", "s", "a"])).toBe(1);
    expect(s.run(["SREM", "s", "a"])).toBe(1);
    expect(s.run(["SCARD", "s"])).toBe(1);
    expect(s.run(["ZADD", "z", "2", "b", "1", "a", "2.5", "c"])).toBe(3);
    expect(s.run(["ZRANGE", "z", "0", "-1", "WITHSCORES"])).toEqual(["a", "1", "b", "2", "c", "2.5"]);
    expect(s.run(["ZRANGEBYSCORE", "z", "(1", "+inf", "LIMIT", "0", "1"])).toEqual(["b"]);
    expect(s.run(["ZCOUNT", "z", "-inf", "(2.5"])).toBe(2);
    expect(s.run(["ZSCORE", "z", "c"])).toBe("2.5");
    expect(s.run(["ZREM", "z", "a", "q"])).toBe(1);
    expect(s.run(["ZCARD", "z"])).toBe(2);
    expect(s.run(["ZADD", "z", "x", "a"])).toEqual({ error: "ERR value is not a valid float" });
    for (const argv of [
      ["GET", "h"],
      ["HGET", "s", "f"],
      ["LPUSH", "h", "v"],
      ["ZADD", "l", "1", "m"],
    ]) {
      expect(s.run(argv)).toEqual({
        error: "WRONGTYPE Operation against a key holding the wrong kind of value",
      });
    }
    expect(s.run(["NOPE", "a"])).toMatchObject({
      error: expect.stringMatching(/^ERR unknown command 'NOPE'/),
    });
  });

  it("answers TIME with the world's clock", () => {
    const s = server();
    expect(s.run(["TIME"], 1_234)).toEqual([String((REDIS_EPOCH_MS + 1_234 - 234) / 1000), "234000"]);
  });

  it("expires keys lazily at virtual time", () => {
    const s = server();
    s.run(["SET", "k", "v", "PX", "100"], 0);
    expect(s.run(["PTTL", "k"], 40)).toBe(60);
    expect(s.run(["TTL", "k"], 40)).toBe(0);
    expect(s.run(["GET", "k"], 99)).toBe("v");
    expect(s.run(["GET", "k"], 100)).toBeNull();
    expect(s.state.keys).toEqual({});
    s.run(["SET", "k", "v"], 0);
    expect(s.run(["PEXPIRE", "k", "50"], 0)).toBe(1);
    expect(s.run(["EXPIRE", "nokey", "5"], 0)).toBe(0);
    expect(s.run(["EXISTS", "k"], 50)).toBe(0);
    expect(s.run(["PTTL", "k"], 50)).toBe(-2);
  });
});

describe("redisServer state", () => {
  it("never mutates a state it was given; an untouched key keeps its identity", () => {
    const s = server();
    s.run(["HSET", "a", "f", "1"]);
    s.run(["SET", "b", "x"]);
    const before = s.state;
    const frozen = JSON.stringify(before);
    s.run(["HSET", "a", "f", "2"]);
    expect(JSON.stringify(before)).toBe(frozen);
    expect(s.state.keys.b).toBe(before.keys.b);
    expect(s.state.keys.a).not.toBe(before.keys.a);
    const same = s.state;
    s.run(["GET", "b"]);
    expect(s.state).toBe(same);
  });

  it("runs every kind of command on deep-frozen states (a mutation would throw)", () => {
    let state = deepFreeze(initialRedisState({ persistence: "rdb", saveIntervalMs: 10 }));
    const commands = [
      ["SET", "s", "1", "PX", "1000"],
      ["INCR", "s"],
      ["HSET", "h", "a", "1"],
      ["HINCRBY", "h", "a", "2"],
      ["HDEL", "h", "a"],
      ["RPUSH", "l", "a", "b"],
      ["LPOP", "l"],
      ["LREM", "l", "0", "b"],
      ["SADD", "t", "a"],
      ["SREM", "t", "a"],
      ["ZADD", "z", "1", "a"],
      ["ZADD", "z", "INCR", "2", "a"],
      ["ZREM", "z", "a"],
      ["PEXPIRE", "s", "5"],
      ["RENAME", "s", "s2"],
      ["SUBSCRIBE", "c"],
      ["UNSUBSCRIBE"],
      [
        "EVAL",
        "redis.call('HSET', KEYS[1], 'f', ARGV[1]); return redis.call('HGETALL', KEYS[1])",
        "1",
        "h",
        "v",
      ],
      ["SCRIPT", "FLUSH"],
      ["FLUSHALL"],
    ];
    commands.forEach((argv, i) => {
      state = deepFreeze(
        redisServer.transition(state, { _tag: "Command", conn: 1, argv, atMs: i * 3 }).state,
      );
    });
    state = redisServer.transition(state, { _tag: "Restart", atMs: 100 }).state;
    expect(Object.keys(state.keys)).toEqual(["s2"]); // the last snapshot (at 51) had it, expiring at 44 + …
    expect(liveKeys(state, 100)).toEqual({}); // … so at 100 it is gone
  });

  it("is deterministic: the same events give the same states, replies and pushes", () => {
    const events = [
      ["SUBSCRIBE", "c"],
      [
        "EVAL",
        "redis.call('ZADD', 'z', 1, 'm'); redis.call('PUBLISH', 'c', 'x'); return redis.call('TIME')",
        "0",
      ],
      ["HSET", "h", "f", "1"],
      ["PEXPIRE", "h", "10"],
      ["HGETALL", "h"],
    ];
    const run = () => {
      let state = initialRedisState({ persistence: "rdb", saveIntervalMs: 5 });
      return events.map((argv, i) => {
        const r = redisServer.transition(state, {
          _tag: "Command",
          conn: i === 0 ? 2 : 1,
          argv,
          atMs: i * 7,
        });
        state = r.state;
        return JSON.stringify(r);
      });
    };
    expect(run()).toEqual(run());
  });

  it("keeps everything acknowledged across a restart under aof", () => {
    const s = server({ persistence: "aof" });
    s.run(["SET", "k", "v"]);
    s.run(["SCRIPT", "LOAD", "return 1"]);
    const before = s.state;
    s.restart();
    expect(s.run(["GET", "k"])).toBe("v");
    expect(restartLosses(before, s.state)).toEqual([]);
    expect(s.state.scripts).toEqual({});
  });

  it("goes back to the last snapshot under rdb, taken at the first command after each boundary", () => {
    const s = server({ persistence: "rdb", saveIntervalMs: 1_000 });
    s.run(["SET", "a", "1"], 10);
    s.run(["SET", "b", "1"], 1_500); // snapshot {a} taken before this command
    s.run(["SET", "a", "2"], 1_600);
    const before = s.state;
    s.restart(1_700);
    expect(s.run(["MGET", "a"], 1_800)).toMatchObject({
      error: expect.stringMatching(/^ERR unknown command/),
    });
    expect(s.run(["GET", "a"], 1_800)).toBe("1");
    expect(s.run(["GET", "b"], 1_800)).toBeNull();
    expect(restartLosses(before, s.state)).toEqual(["a", "b"]);
    expect(unpersistedKeys(before)).toEqual(["a", "b"]);
    expect(unpersistedKeys(s.state)).toEqual([]);
  });

  it("empties the keyspace on a restart under none", () => {
    const s = server({ persistence: "none" });
    s.run(["SET", "a", "1"]);
    s.restart();
    expect(s.run(["DBSIZE"])).toBe(0);
  });
});

describe("redisServer pub/sub", () => {
  it("delivers PUBLISH to each subscribed connection and forgets a disconnected one", () => {
    const s = server();
    expect(s.run(["SUBSCRIBE", "c", "d"], 0, 2)).toBe(2);
    expect(s.run(["SUBSCRIBE", "c"], 0, 3)).toBe(1);
    expect(s.run(["GET", "k"], 0, 2)).toMatchObject({
      error: expect.stringMatching(/^ERR Can't execute 'get'/),
    });
    expect(s.run(["PUBLISH", "c", "hi"], 0, 1)).toBe(2);
    expect(s.pushes).toEqual([
      { _tag: "Message", conn: 2, channel: "c", message: "hi" },
      { _tag: "Message", conn: 3, channel: "c", message: "hi" },
    ]);
    s.disconnect(2);
    expect(s.run(["PUBLISH", "c", "x"], 0, 1)).toBe(1);
    expect(s.run(["UNSUBSCRIBE"], 0, 3)).toBe(0);
    s.run(["SUBSCRIBE", "c"], 0, 4);
    s.restart();
    expect(s.run(["PUBLISH", "c", "x"], 0, 1)).toBe(0);
  });
});

describe("redisServer scripts", () => {
  it("runs Lua with KEYS, ARGV, redis.call and Redis's reply conversions", () => {
    const s = server();
    const script =
      "redis.call('SET', KEYS[1], ARGV[1]); return {1, 2.9, true, false, 'x', redis.call('GET', KEYS[1])}";
    expect(s.run(["EVAL", script, "1", "k", "v"])).toEqual([1, 2, 1, null, "x", "v"]);
    expect(s.run(["EVAL", "return {1, 'a', {ok='OK'}, {err='E x'}}", "0"])).toEqual([
      1,
      "a",
      "OK",
      { error: "E x" },
    ]);
    expect(s.run(["EVAL", "return redis.call('TYPE', KEYS[1]).ok", "1", "k"])).toBe("string");
    expect(s.run(["EVAL", "return redis.pcall('HGET', KEYS[1], 'f')", "1", "k"])).toEqual({
      error: "WRONGTYPE Operation against a key holding the wrong kind of value",
    });
    expect(
      s.run([
        "EVAL",
        "return tostring(tonumber('1767225600') * 1000) .. ' ' .. tostring(7/2) .. ' ' .. 2^53",
        "0",
      ]),
    ).toBe("1767225600000 3.5 9.007199254741e+15");
    expect(
      s.run(["EVAL", "return string.format('%d|%s|%5.1f|%%|%s|%d', 1767225600123, 3.0, 2.34, 2^53, 7)", "0"]),
    ).toBe("1767225600123|3|  2.3|%|9.007199254741e+15|7");
    expect(s.run(["EVAL", "redis.call('SET', 'n', 1767225600123); return redis.call('GET', 'n')", "0"])).toBe(
      "1767225600123",
    );
  });

  it("fails a script as Redis 7 does and keeps no state between runs", () => {
    const s = server();
    expect(s.run(["EVAL", "x = 1", "0"])).toMatchObject({
      error: expect.stringContaining("Attempt to modify a readonly table"),
    });
    expect(s.run(["EVAL", "return x", "0"])).toMatchObject({
      error: expect.stringContaining("Script attempted to access nonexistent global variable 'x'"),
    });
    expect(s.run(["EVAL", "string.x = 1", "0"])).toMatchObject({
      error: expect.stringContaining("readonly"),
    });
    for (const leak of [
      "rawset(string, 'x', 1)",
      "rawset(_G, 'x', 1)",
      "getmetatable('').__index.x = 1",
      "rawset(_ENV, 'x', 1)",
    ]) {
      s.run(["EVAL", leak, "0"]);
    }
    expect(s.run(["EVAL", "return {string.x, ('a').x, rawget(_G, 'x')}", "0"])).toEqual([]);
    expect(s.run(["EVAL", "return redis.call('HGET', 'k')", "0"])).toMatchObject({
      error: expect.stringMatching(/^ERR Wrong number of args calling Redis command from script/),
    });
    s.run(["SET", "s", "v"]);
    expect(
      s.run(["EVAL", "redis.call('SET', 'w', '1'); return redis.call('HGET', 's', 'f')", "0"]),
    ).toMatchObject({
      error: expect.stringMatching(/^WRONGTYPE .* script: [0-9a-f]{40}, on @user_script:1\.$/),
    });
    expect(s.run(["GET", "w"])).toBe("1");
    expect(s.run(["EVAL", "local a = 1\nreturn redis.call('HGET', 's', 'f')", "0"])).toMatchObject({
      error: expect.stringMatching(/on @user_script:2\.$/),
    });
    expect(s.run(["EVAL", "local a = 1\n\nreturn cjson.encode(function() end)", "0"])).toMatchObject({
      error: expect.stringMatching(/^ERR user_script:3: Cannot serialise function/),
    });
    expect(s.run(["EVAL", "error('boom')", "0"])).toMatchObject({
      error: expect.stringMatching(/^ERR user_script:1: boom/),
    });
    expect(s.run(["EVAL", "return (", "0"])).toMatchObject({
      error: expect.stringMatching(/^ERR Error compiling script/),
    });
    expect(s.run(["EVAL", "return 1", "x"])).toEqual({
      error: "ERR value is not an integer or out of range",
    });
    expect(s.run(["EVAL", "return 1", "2", "a"])).toEqual({
      error: "ERR Number of keys can't be greater than number of args",
    });
    expect(s.run(["EVAL", "while true do end", "0"])).toMatchObject({
      error: expect.stringContaining("Lua instructions"),
    });
  });

  it("caches scripts for EVALSHA and SCRIPT EXISTS until SCRIPT FLUSH", () => {
    const s = server();
    const sha = s.run(["SCRIPT", "LOAD", "return ARGV[1]"]) as string;
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(s.run(["EVALSHA", sha, "0", "a"])).toBe("a");
    expect(s.run(["EVALSHA", sha.toUpperCase(), "0", "b"])).toBe("b");
    expect(s.run(["SCRIPT", "EXISTS", sha, "0000"])).toEqual([1, 0]);
    expect(s.run(["SCRIPT", "FLUSH"])).toBe("OK");
    expect(s.run(["EVALSHA", sha, "0"])).toEqual({ error: "NOSCRIPT No matching script. Please use EVAL." });
  });

  it("encodes and decodes JSON as Redis's cjson", () => {
    const s = server();
    expect(s.run(["EVAL", "return cjson.encode({})", "0"])).toBe("{}");
    expect(s.run(["EVAL", "return cjson.encode({1, 2, {a = 'x/y'}})", "0"])).toBe('[1,2,{"a":"x\\/y"}]');
    expect(s.run(["EVAL", "return cjson.encode({[1]=1, [3]=3})", "0"])).toBe("[1,null,3]");
    expect(s.run(["EVAL", "return cjson.encode(cjson.decode('[1,null,{\"a\":[]}]'))", "0"])).toBe(
      '[1,null,{"a":{}}]',
    );
    expect(s.run(["EVAL", "return cjson.encode({0.1, 1e20})", "0"])).toBe("[0.1,1e+20]");
  });

  it("publishes from a script", () => {
    const s = server();
    s.run(["SUBSCRIBE", "c"], 0, 2);
    expect(s.run(["EVAL", "return redis.call('PUBLISH', 'c', 'm')", "0"])).toBe(1);
    expect(s.pushes).toEqual([{ _tag: "Message", conn: 2, channel: "c", message: "m" }]);
  });
});
