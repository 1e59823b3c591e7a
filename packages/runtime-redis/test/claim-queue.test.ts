// The Redis claim queue's runtime-only behaviour, beyond the core's transitions (those are in the
// conformance test): config stored once and checked, payloads (bound, latest wins, kept by a successor),
// malformed items moved aside with a typed error, counts per state, prefix isolation, a flushed config.

import { ClaimQueue as Core, InvalidConfigError } from "@interleave/core";
import { describe, expect, it } from "vitest";
import { ClaimQueue, PayloadTooLargeError } from "../src/claim-queue/claim-queue.js";
import { ClaimQueueConfigMismatchError, ClaimQueueNotInitializedError } from "../src/index.js";
import { ConfigMismatchError, CorruptValueError, NotInitializedError } from "../src/shared/errors.js";
import { queueConfig } from "./support/queue-config.js";
import { useRedis } from "./support/redis.js";

const CONFIG: Core.ResolvedConfig = queueConfig({
  leaseTtlMs: 30_000,
  heartbeatIntervalMs: 10_000,
  retryBackoffBaseMs: 60_000,
  retryBackoffCapMs: 120_000,
  claimBatchSizeMax: 10,
  itemCountMax: 100,
});

describe("ClaimQueue on Redis", () => {
  const redis = useRedis();
  let n = 0;
  const open = (extra: Partial<Parameters<typeof ClaimQueue.open>[1]> = {}) =>
    ClaimQueue.open(redis.client(), { name: `q${++n}`, config: CONFIG, ...extra });

  it("stores its config once and rejects a client with a different config", async () => {
    const q = await open();
    await expect(ClaimQueue.open(redis.client(), { name: q.name, config: CONFIG })).resolves.toBeInstanceOf(
      ClaimQueue,
    );
    const err = await ClaimQueue.open(redis.client(), {
      name: q.name,
      config: { ...CONFIG, attemptsMax: 4 },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigMismatchError);
    expect(err).toBeInstanceOf(ClaimQueueConfigMismatchError); // the deprecated name still matches
    expect((err as ConfigMismatchError).machine).toBe("claim queue");
    expect((err as ConfigMismatchError).field).toBe("attemptsMax");
  });

  it("accepts the core's deprecated config name maxAttempts, and stores the config as attemptsMax", async () => {
    const { attemptsMax, ...rest } = CONFIG;
    const q = await open({ config: { ...rest, maxAttempts: attemptsMax } });
    expect(q.config).toEqual(CONFIG);
    expect(await q.redis.hget(`${q.base}:config`, "attemptsMax")).toBe(String(attemptsMax));
    expect(await q.redis.hexists(`${q.base}:config`, "maxAttempts")).toBe(0);
    await expect(ClaimQueue.open(redis.client(), { name: q.name, config: CONFIG })).resolves.toBeInstanceOf(
      ClaimQueue,
    );
  });

  it("refuses a queue whose config the previous release stored (field maxAttempts) with one line naming the field", async () => {
    const client = redis.client();
    const name = `q${++n}`;
    // The config hash as the release before the rename wrote it: the same values, attempts under maxAttempts.
    const stored = Object.entries(CONFIG).map(([field, value]) => [
      field === "attemptsMax" ? "maxAttempts" : field,
      String(value),
    ]);
    await client.hset(`interleave:{${name}}:config`, Object.fromEntries(stored));
    const err = await ClaimQueue.open(client, { name, config: CONFIG }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigMismatchError);
    expect((err as ConfigMismatchError).field).toBe("attemptsMax");
    expect((err as ConfigMismatchError).stored).toBeNull();
    expect((err as Error).message).toContain(
      `attemptsMax is absent in Redis but ${CONFIG.attemptsMax} was given`,
    );
    expect((err as Error).message).not.toContain("\n");
    // The upgrade docs/deprecations.md gives: add the field under its new name; the queue then opens.
    await client.hset(`interleave:{${name}}:config`, "attemptsMax", String(CONFIG.attemptsMax));
    await expect(ClaimQueue.open(client, { name, config: CONFIG })).resolves.toBeInstanceOf(ClaimQueue);
  });

  it("rejects an invalid config with the core's InvalidConfigError naming the field", async () => {
    const err = await open({ config: { ...CONFIG, heartbeatIntervalMs: CONFIG.leaseTtlMs } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidConfigError);
    expect((err as InvalidConfigError).field).toBe("heartbeatIntervalMs");
  });

  it("opens with no config at all: every field at its documented default, stored as such", async () => {
    const q = await ClaimQueue.open(redis.client(), { name: `q${++n}` });
    expect(q.config).toEqual(Core.CONFIG_DEFAULTS);
    expect(q.config).toEqual({
      leaseTtlMs: 30_000,
      heartbeatIntervalMs: 15_000,
      attemptsMax: 3,
      retryBackoffBaseMs: 1_000,
      retryBackoffCapMs: 60_000,
      claimBatchSizeMax: 100,
      itemCountMax: 100_000,
    });
    expect(q.payloadBytesMax).toBe(512 * 1024);
    expect(await q.redis.hget(`${q.base}:config`, "attemptsMax")).toBe("3");
    // A later open that spells out the defaults, or gives a part of them, is the same config.
    const partial = { config: { leaseTtlMs: 30_000, attemptsMax: 3 }, name: q.name };
    await expect(ClaimQueue.open(redis.client(), partial)).resolves.toBeInstanceOf(ClaimQueue);
    // One that resolves to other values is refused as before.
    const other = ClaimQueue.open(redis.client(), { name: q.name, config: { leaseTtlMs: 20_000 } });
    await expect(other).rejects.toBeInstanceOf(ConfigMismatchError);
  });

  it("reports every invalid field of config, prefix and payloadBytesMax in one error", async () => {
    const err = await open({
      config: { ...CONFIG, leaseTtlMs: 0, itemCountMax: Number.NaN },
      prefix: "a{b}",
      payloadBytesMax: -1,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidConfigError);
    const invalid = err as InvalidConfigError;
    expect(invalid.field).toBe("leaseTtlMs");
    expect(invalid.problems.map((p) => p.field)).toEqual([
      "leaseTtlMs",
      "itemCountMax",
      "prefix",
      "payloadBytesMax",
    ]);
    expect(invalid.message.split("\n")).toEqual([
      "ClaimQueue config has 4 invalid fields:",
      "  - leaseTtlMs (0) must be a positive integer",
      "  - itemCountMax (NaN) must be a positive integer",
      '  - prefix ("a{b}") must be a non-empty string of at most 1024 characters without "{" or "}"',
      "  - payloadBytesMax (-1) must be an integer >= 0",
    ]);
    // Nothing was written for the refused queue.
    expect(await redis.client().keys(`*{q${n}}*`)).toEqual([]);
  });

  it("keys live under the prefix and the queue's hash tag; prefixes isolate tenants", async () => {
    const a = await open({ prefix: "tenant-a", name: "shared" });
    const b = await open({ prefix: "tenant-b", name: "shared" });
    expect(a.itemKey("s")).toBe("tenant-a:{shared}:item:s");
    await a.enqueue("s");
    expect((await b.claim("w", 1)).items).toEqual([]);
    expect((await a.claim("w", 1)).items.map((i) => i.scope)).toEqual(["s"]);
  });

  it("rejects a payload above payloadBytesMax with a typed error and stores nothing", async () => {
    const q = await open({ payloadBytesMax: 8 });
    await expect(q.enqueue("s", "ü".repeat(5))).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect((await q.snapshot()).state.items).toEqual({});
    await q.enqueue("s", "12345678");
    expect((await q.snapshot()).payloads).toEqual({ s: "12345678" });
  });

  it("hands the latest payload to the claim, and an enqueue during the claim survives the ack with its payload", async () => {
    const q = await open();
    await q.enqueue("s", "v1");
    await q.enqueue("s", "v2");
    const [first] = (await q.claim("w", 1)).items;
    expect(first?.payload).toBe("v2");
    await q.enqueue("s", "v3");
    const acked = await q.ack("s", first!.token);
    expect(acked.result).toEqual({ _tag: "Acked", owned: true, deleted: true, requeued: true });
    const [second] = (await q.claim("w", 1)).items;
    expect(second).toMatchObject({ scope: "s", payload: "v3", attemptCount: 0 });
    expect(second!.token).toBeGreaterThan(first!.token);
  });

  it("moves a malformed item aside at claim with a CorruptValueError and keeps claiming the others", async () => {
    const q = await open();
    await q.enqueue("bad");
    await q.enqueue("good");
    await q.redis.hset(q.itemKey("bad"), "a", "not-a-number");
    const outcome = await q.claim("w", 2);
    expect(outcome.items.map((i) => i.scope)).toEqual(["good"]);
    expect(outcome.corrupt).toHaveLength(1);
    expect(outcome.corrupt[0]).toBeInstanceOf(CorruptValueError);
    expect(outcome.corrupt[0]?.key).toBe(q.itemKey("bad"));
    expect(await q.redis.hget(`${q.base}:corrupt:bad`, "a")).toBe("not-a-number");
    expect(await q.redis.exists(q.itemKey("bad"))).toBe(0);
    expect((await q.counts()).corrupt).toBe(1);
    // Owner events on a malformed item throw and change nothing.
    await q.enqueue("bad2");
    const [item] = (await q.claim("w", 1)).items;
    await q.redis.hset(q.itemKey("bad2"), "t", "x");
    await expect(q.ack("bad2", item!.token)).rejects.toBeInstanceOf(CorruptValueError);
    expect(await q.redis.hget(q.itemKey("bad2"), "t")).toBe("x");
  });

  it("ackManyAndClaim with a malformed acked item throws a CorruptValueError naming that item and applies nothing", async () => {
    const q = await open();
    for (const scope of ["ok", "bad", "next"]) await q.enqueue(scope);
    const [ok, bad] = (await q.claim("w", 2)).items;
    await q.redis.hset(q.itemKey("bad"), "a", "x");
    const before = await q.redis.hgetall(q.itemKey("ok"));
    const err = await q
      .ackManyAndClaim(
        [
          { scope: "ok", token: ok!.token },
          { scope: "bad", token: bad!.token },
        ],
        "w",
        1,
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptValueError);
    expect((err as CorruptValueError).key).toBe(q.itemKey("bad"));
    // Neither the first ack nor the claim happened.
    expect(await q.redis.hgetall(q.itemKey("ok"))).toEqual(before);
    expect(await q.counts()).toMatchObject({ ready: 1, claimed: 2 });
    await expect(q.ackManyAndClaim([], "w", 1)).rejects.toBeInstanceOf(RangeError);
  });

  it("counts items per state", async () => {
    const q = await open();
    for (const s of ["a", "b", "c", "d"]) await q.enqueue(s);
    const { items } = await q.claim("w", 3);
    await q.retry(items[0]!.scope, items[0]!.token, "later");
    await q.fail(items[1]!.scope, items[1]!.token, "never");
    expect(await q.counts()).toMatchObject({
      ready: 1,
      delayed: 1,
      claimed: 1,
      expired: 0,
      deadLettered: 1,
      corrupt: 0,
    });
  });

  it("refuses to act when the config was flushed, with a typed error", async () => {
    const q = await open();
    await q.redis.del(`${q.base}:config`);
    await expect(q.enqueue("s")).rejects.toBeInstanceOf(NotInitializedError);
    await expect(q.enqueue("s")).rejects.toBeInstanceOf(ClaimQueueNotInitializedError);
    await expect(q.enqueue("s")).rejects.toMatchObject({ machine: "claim queue" });
  });

  it("rejects a batchSize outside [1, claimBatchSizeMax]", async () => {
    const q = await open();
    await expect(q.claim("w", 0)).rejects.toBeInstanceOf(RangeError);
    await expect(q.claim("w", CONFIG.claimBatchSizeMax + 1)).rejects.toBeInstanceOf(RangeError);
  });
});
