// LeaseManager on a private Redis: withLease (happy path, busy, abort on a lost lease, holder-aware release),
// invalid config, bad names and tokens, and values in Redis the runtime did not write.

import { AssertionError, InvalidConfigError } from "@interleave/core";
import { Effect, Exit } from "effect";
import { beforeAll, describe, expect, it } from "vitest";
import { LeaseBusyError, LeaseLostError, LeaseManager } from "../src/lease/lease.js";
import { layer, withLeaseEffect } from "../src/lease/lease-effect.js";
import { CorruptValueError } from "../src/shared/errors.js";
import { InvalidNameError } from "../src/shared/keys.js";
import { useRedis } from "./support/redis.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    signal.addEventListener("abort", () => resolve(signal.reason), { once: true });
  });

describe("LeaseManager", () => {
  const redis = useRedis();
  let leases: LeaseManager;
  beforeAll(async () => {
    leases = new LeaseManager(redis.client(), { leaseTtlMs: 300, heartbeatIntervalMs: 50 });
  });

  it("withLease runs the handler with the grant, renews past the TTL and releases at the end", async () => {
    const other = redis.client();
    const value = await leases.withLease("happy", "worker-a", async (signal, grant) => {
      expect(grant).toMatchObject({ name: "happy", holder: "worker-a", token: 1 });
      const firstExpiry = grant.expiresAtMs;
      await sleep(700); // more than two TTLs: only the renewals keep the lease
      expect(signal.aborted).toBe(false);
      expect(grant.expiresAtMs).toBeGreaterThan(firstExpiry);
      expect(await other.hget(leases.key("happy"), "holder")).toBe("worker-a");
      return 42;
    });
    expect(value).toBe(42);
    const state = await leases.state("happy");
    expect(state.holder).toBeNull();
    expect(state.token).toBe(1);
    // The next grant gets the next token.
    expect(await leases.acquire("happy", "worker-b")).toMatchObject({ _tag: "Granted", token: 2 });
  });

  it("withLease throws LeaseBusyError without running the handler when another holder has the lease", async () => {
    const held = await leases.acquire("busy", "worker-a");
    expect(held._tag).toBe("Granted");
    let ran = false;
    const error = await leases
      .withLease("busy", "worker-b", async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseBusyError);
    expect(error).toMatchObject({ lease: "busy", holder: "worker-a" });
    expect(ran).toBe(false);
    expect((await leases.state("busy")).holder).toBe("worker-a");
  });

  it("aborts the signal when a renew answers NotOwner (hash overwritten by another client) and does not release", async () => {
    const other = redis.client();
    const error = await leases
      .withLease("overwritten", "worker-a", async (signal) => {
        await other.hset(leases.key("overwritten"), "holder", "intruder", "token", "99");
        const reason = await aborted(signal);
        expect(reason).toBeInstanceOf(LeaseLostError);
        expect((reason as LeaseLostError).result).toEqual({
          _tag: "NotOwner",
          holder: "intruder",
          token: 99,
        });
        return "finished anyway";
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    // The lost lease was not released: the intruder keeps it.
    expect(await other.hgetall(leases.key("overwritten"))).toMatchObject({ holder: "intruder", token: "99" });
  });

  it("aborts the signal when the lease hash is deleted by another client", async () => {
    const other = redis.client();
    const error = await leases
      .withLease("deleted", "worker-a", async (signal) => {
        await other.del(leases.key("deleted"));
        const reason = await aborted(signal);
        expect((reason as LeaseLostError).result).toEqual({ _tag: "NotOwner", holder: null, token: 0 });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect(await other.exists(leases.key("deleted"))).toBe(0);
  });

  it("aborts the signal when the event loop is blocked past the expiry, and leaves the lapsed grant alone", async () => {
    const error = await leases
      .withLease("paused", "worker-a", async (signal) => {
        const until = performance.now() + 450; // block the event loop: no renew can run for > TTL
        while (performance.now() < until) {
          // busy wait
        }
        expect(await aborted(signal)).toBeInstanceOf(LeaseLostError);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    // Not released (it was lost), so the state still names worker-a with an expiry in the past.
    const state = await leases.state("paused");
    expect(state.holder).toBe("worker-a");
    expect(await leases.acquire("paused", "worker-b")).toMatchObject({
      _tag: "Granted",
      token: 2,
      reclaimed: true,
    });
  });

  it("releases when the handler throws, and rethrows the handler's error", async () => {
    const boom = new Error("boom");
    await expect(
      leases.withLease("throws", "worker-a", async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect((await leases.state("throws")).holder).toBeNull();
  });

  it("release and renew are holder-aware: a wrong holder or stale token changes nothing", async () => {
    const g = await leases.acquire("aware", "worker-a");
    if (g._tag !== "Granted") throw new Error("expected Granted");
    const before = await leases.state("aware");
    expect(await leases.release("aware", "worker-b", g.token)).toEqual({
      _tag: "NotOwner",
      holder: "worker-a",
      token: g.token,
    });
    expect(await leases.release("aware", "worker-a", g.token - 1)).toMatchObject({ _tag: "NotOwner" });
    expect(await leases.renew("aware", "worker-b", g.token)).toMatchObject({ _tag: "NotOwner" });
    expect(await leases.state("aware")).toEqual(before);
    expect(await leases.release("aware", "worker-a", g.token)).toEqual({ _tag: "Released" });
  });

  it("rejects invalid config with InvalidConfigError naming the field", () => {
    const client = redis.client();
    const field = (config: unknown) => {
      try {
        new LeaseManager(client, config as never);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidConfigError);
        return { field: (e as InvalidConfigError).field, message: (e as Error).message };
      }
      throw new Error(`accepted ${JSON.stringify(config)}`);
    };
    expect(field({ leaseTtlMs: 0 }).field).toBe("leaseTtlMs");
    expect(field({ leaseTtlMs: 1.5 }).field).toBe("leaseTtlMs");
    expect(field({})).toMatchObject({ field: "leaseTtlMs" });
    expect(field({ leaseTtlMs: 1000, heartbeatIntervalMs: 1000 })).toEqual({
      field: "heartbeatIntervalMs",
      message:
        "LeaseManager config: heartbeatIntervalMs (1000) must be a positive integer below leaseTtlMs (1000)",
    });
    expect(field({ leaseTtlMs: 1000, heartbeatIntervalMs: 0 }).field).toBe("heartbeatIntervalMs");
    expect(field({ leaseTtlMs: 1000, heartbeatIntervalMs: 10.5 }).field).toBe("heartbeatIntervalMs");
    expect(field({ leaseTtlMs: 1000, heartbeatIntervalMs: 500, safetyMarginMs: 500 }).field).toBe(
      "safetyMarginMs",
    );
    // The deprecated name `renewEveryMs` is still accepted, and an error about it names it.
    expect(field({ leaseTtlMs: 1000, renewEveryMs: 1000 })).toEqual({
      field: "renewEveryMs",
      message: "LeaseManager config: renewEveryMs (1000) must be a positive integer below leaseTtlMs (1000)",
    });
    expect(field({ leaseTtlMs: 1000, renewEveryMs: 0 }).field).toBe("renewEveryMs");
    expect(field({ leaseTtlMs: 1000, renewEveryMs: 10.5 }).field).toBe("renewEveryMs");
    expect(field({ leaseTtlMs: 1000, renewEveryMs: 500, safetyMarginMs: 500 }).field).toBe("safetyMarginMs");
    const old = new LeaseManager(client, { leaseTtlMs: 1000, renewEveryMs: 100 });
    expect([old.heartbeatIntervalMs, old.renewEveryMs]).toEqual([100, 100]);
    expect(field({ leaseTtlMs: 1000, safetyMarginMs: -1 }).field).toBe("safetyMarginMs");
    expect(field({ leaseTtlMs: 1000, prefix: "a{b}" }).field).toBe("prefix");
    expect(field({ leaseTtlMs: 1000, prefix: "" }).field).toBe("prefix");
    expect(field({ leaseTtlMs: 1 }).field).toBe("heartbeatIntervalMs"); // no interval fits below a 1 ms TTL
  });

  it("rejects bad names and tokens with typed errors before touching Redis", async () => {
    await expect(leases.acquire("", "worker-a")).rejects.toBeInstanceOf(InvalidNameError);
    await expect(leases.acquire("a}b", "worker-a")).rejects.toThrow(/lease name must not contain/);
    await expect(leases.acquire("x".repeat(2000), "worker-a")).rejects.toThrow(
      /lease name must be a non-empty string/,
    );
    await expect(leases.acquire("ok", "")).rejects.toMatchObject({
      name: "InvalidNameError",
      what: "holder",
    });
    await expect(leases.renew("ok", "worker-a", 1.5)).rejects.toBeInstanceOf(AssertionError);
    await expect(leases.release("ok", "worker-a", Number.NaN)).rejects.toBeInstanceOf(AssertionError);
    expect(await redis.client().exists(leases.key("ok"))).toBe(0);
  });

  it("answers CorruptValueError for a value it did not write, and overwrites nothing", async () => {
    const other = redis.client();
    const key = leases.key("corrupt");
    await other.hset(key, "holder", "worker-a", "token", "abc", "expiresAtMs", "1");
    for (const attempt of [
      () => leases.acquire("corrupt", "worker-b"),
      () => leases.renew("corrupt", "worker-a", 1),
      () => leases.release("corrupt", "worker-a", 1),
      () => leases.state("corrupt"),
      () => leases.withLease("corrupt", "worker-b", async () => "ran"),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptValueError);
      expect((error as CorruptValueError).key).toBe(key);
      expect((error as CorruptValueError).problem).toMatch(/^token is not an integer: "?abc"?$/);
    }
    expect(await other.hgetall(key)).toEqual({ holder: "worker-a", token: "abc", expiresAtMs: "1" });

    const missing = leases.key("missing-expiry");
    await other.hset(missing, "holder", "worker-a", "token", "3");
    await expect(leases.acquire("missing-expiry", "worker-b")).rejects.toThrow(
      /expiresAtMs is not an integer/,
    );
    expect(await other.hgetall(missing)).toEqual({ holder: "worker-a", token: "3" });

    const wrongType = leases.key("wrong-type");
    await other.set(wrongType, "not a hash");
    await expect(leases.acquire("wrong-type", "worker-b")).rejects.toThrow(/holds a string, expected a hash/);
    await expect(leases.state("wrong-type")).rejects.toBeInstanceOf(CorruptValueError);
    expect(await other.get(wrongType)).toBe("not a hash");
  });

  it("keeps tenants apart by prefix", async () => {
    const tenantB = new LeaseManager(redis.client(), { prefix: "tenant-b", leaseTtlMs: 300 });
    expect(await leases.acquire("shared-name", "worker-a")).toMatchObject({ _tag: "Granted", token: 1 });
    expect(await tenantB.acquire("shared-name", "worker-b")).toMatchObject({ _tag: "Granted", token: 1 });
    expect(tenantB.key("shared-name")).toBe("tenant-b:{shared-name}:lease");
  });

  describe("Effect API", () => {
    const run = <A, E>(
      effect: Effect.Effect<A, E, import("../src/lease/lease-effect.js").LeaseManagerService>,
    ) =>
      Effect.runPromiseExit(
        Effect.provide(effect, layer(redis.client(), { leaseTtlMs: 300, heartbeatIntervalMs: 50 })),
      );

    it("withLeaseEffect runs the handler with the grant and releases the lease", async () => {
      const exit = await run(
        withLeaseEffect("fx-happy", "worker-a", (grant) => Effect.succeed(grant.token * 10)),
      );
      expect(exit).toEqual(Exit.succeed(10));
      expect((await leases.state("fx-happy")).holder).toBeNull();
    });

    it("withLeaseEffect fails with LeaseBusyError when another holder has the lease", async () => {
      await leases.acquire("fx-busy", "worker-a");
      const exit = await run(withLeaseEffect("fx-busy", "worker-b", () => Effect.succeed("ran")));
      expect(Exit.isFailure(exit)).toBe(true);
      expect(JSON.stringify(exit)).toContain("LeaseBusyError");
    });

    it("interrupts the handler fiber when the lease is lost, and fails with LeaseLostError", async () => {
      const other = redis.client();
      let interrupted = false;
      const exit = await run(
        withLeaseEffect("fx-lost", "worker-a", () =>
          Effect.promise(() => other.hset(leases.key("fx-lost"), "holder", "intruder", "token", "7")).pipe(
            Effect.andThen(Effect.never),
            Effect.onInterrupt(() =>
              Effect.sync(() => {
                interrupted = true;
              }),
            ),
          ),
        ),
      );
      expect(interrupted).toBe(true);
      if (!Exit.isFailure(exit)) throw new Error("expected a failure");
      const error = exit.cause.reasons.find((r) => r._tag === "Fail");
      expect(error && "error" in error ? error.error : undefined).toBeInstanceOf(LeaseLostError);
      expect(await other.hget(leases.key("fx-lost"), "holder")).toBe("intruder");
    });

    it("passes the handler's own failure through and releases the lease", async () => {
      const exit = await run(
        withLeaseEffect("fx-fails", "worker-a", () => Effect.fail("handler failed" as const)),
      );
      if (!Exit.isFailure(exit)) throw new Error("expected a failure");
      expect(JSON.stringify(exit.cause)).toContain("handler failed");
      expect((await leases.state("fx-fails")).holder).toBeNull();
    });
  });
});
