// The Redis SyncCoordinator's Promise API (the serial coordinator, the only one the runtime offers): the seed-000
// wrapper `syncCodeOwners` hands out the reset scheduled during a sync after the sync, whether it succeeds or
// throws; a reset worker that starts during a sync is deferred and runs after it; no reset runs while a sync of
// the same MR runs (two clients racing, intervals stamped with the server's `TIME`); the racy modes are refused;
// bad input gets typed errors. Order leases: a reset run with a reclaimed token is Stale and does not run;
// reclaimExpired() hands out what expired leases released; a coordinator stored by the version without leases
// opens and recovers; malformed lease fields, fence counter or leaseTtlMs are CorruptValueErrors. The Effect API:
// a plain effect as the work still runs; a work function gets the lease's token and signal; a lease lost while
// the work effect runs (its heartbeat held until the lease was reclaimed) interrupts the effect and fails with
// SyncLeaseLostError, for a sync and for a reset.

import { SyncCoordinator as Core, InvalidConfigError } from "@interleave/core";
import { Cause, Effect, Exit, Layer } from "effect";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { SyncCoordinatorConfigMismatchError, SyncCoordinatorNotInitializedError } from "../src/index.js";
import { ConfigMismatchError, CorruptValueError, NotInitializedError } from "../src/shared/errors.js";
import { InvalidNameError } from "../src/shared/keys.js";
import {
  RedisSyncCoordinator,
  type ResetOrder,
  SyncLeaseLostError,
} from "../src/sync-coordinator/sync-coordinator.js";
import {
  runResetEffect,
  SyncCoordinatorService,
  syncCodeOwnersEffect,
} from "../src/sync-coordinator/sync-effect.js";
import { until } from "./support/mailbox-policy.js";
import { useRedis } from "./support/redis.js";
import { type Interval as HistoryInterval, overlaps } from "./support/sync-history.js";

const SERIAL: Core.Config = { legacyTtlMs: 15_000, mrCountMax: 100, pendingPerMrMax: 64 };

const redis = useRedis();
let names = 0;

/** A coordinator whose released resets are recorded in `released`. */
async function open(client: Redis, config: Core.Config, name = `sc-${++names}`) {
  const released: ResetOrder[] = [];
  const coordinator = await RedisSyncCoordinator.open(client, {
    name,
    config,
    enqueueReset: (reset) => {
      released.push(reset);
    },
  });
  return { coordinator, released };
}

/** The {@link ResetOrder} of `resetId` of `mr` as `enqueueReset` receives it, whatever its lease. */
function releasedOrder(mr: string, resetId: string) {
  const lease = { token: expect.any(Number), expiresAtMs: expect.any(Number) };
  return { mr, resetId, ...lease, delayMs: 0, via: "RunReset" };
}

describe("syncCodeOwners (the seed's sync_code_owners!)", () => {
  it("drains the resets scheduled during a sync when the sync succeeds", async () => {
    const { coordinator, released } = await open(redis.client(), SERIAL);
    let scheduled: Core.Result | undefined;
    const outcome = await coordinator.syncCodeOwners("!42", async () => {
      scheduled = (await coordinator.scheduleReset("!42", "push-2")).result;
      expect(released).toEqual([]);
    });
    expect(scheduled).toEqual({ _tag: "ResetQueued", running: false });
    expect(outcome.finished.result).toEqual({ _tag: "SyncFinished", route: "serial", drained: ["push-2"] });
    expect(released).toEqual([releasedOrder("!42", "push-2")]);
  });

  it("drains the resets scheduled during a sync when the sync throws, then rethrows", async () => {
    const { coordinator, released } = await open(redis.client(), SERIAL);
    const boom = new Error("rules sync failed");
    await expect(
      coordinator.syncCodeOwners("!7", async () => {
        await coordinator.scheduleReset("!7", "push-1");
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(released).toEqual([releasedOrder("!7", "push-1")]);
    const { state } = await coordinator.snapshot();
    // The failed sync is no longer in flight; the reset it drained is, and nothing waits behind it.
    expect(state.mailbox.keys["!7"]?.inFlight?.order.payload).toBe("push-1");
    expect(state.mailbox.keys["!7"]?.pending).toEqual([]);
    expect(state.mrs["!7"]?.scheduledResets).toEqual(["push-1"]);
  });

  it("a reset worker starting during a sync is deferred, handed out after the sync, and runs then", async () => {
    const { coordinator, released } = await open(redis.client(), SERIAL);
    const ran: string[] = [];
    await coordinator.syncCodeOwners("!9", async () => {
      expect((await coordinator.scheduleReset("!9", "push-3")).result).toEqual({
        _tag: "ResetQueued",
        running: false,
      });
      const run = await coordinator.runReset("!9", "push-3", () => {
        ran.push("reset during sync");
      });
      expect(run.ran).toBe(false);
      expect(run.begun.result).toEqual({ _tag: "Deferred" });
      expect(released).toHaveLength(0);
    });
    expect(ran).toEqual([]);
    expect(released).toHaveLength(1);
    expect(released[0]).toEqual(releasedOrder("!9", "push-3"));
    const run = await coordinator.runReset(released[0]!, ({ token }) => {
      expect(token).toBe(released[0]!.token);
      ran.push("reset after sync");
    });
    expect(run.ran).toBe(true);
    expect(run.finished?.result).toEqual({ _tag: "ResetFinished" });
    expect(ran).toEqual(["reset after sync"]);
  });

  it("runReset finishes the reset when its body throws, and rethrows", async () => {
    const { coordinator } = await open(redis.client(), SERIAL);
    await coordinator.scheduleReset("!5", "push-9");
    await expect(
      coordinator.runReset("!5", "push-9", () => {
        throw new Error("delete failed");
      }),
    ).rejects.toThrow("delete failed");
    expect((await coordinator.snapshot()).state.mrs["!5"]?.scheduledResets).toEqual([]);
  });
});

/** Server time in µs (Redis `TIME`), the clock of the history. */
async function serverMicros(client: Redis): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1_000_000 + Number(micros);
}

/** A sync's or reset's execution, with its id. */
interface Interval extends HistoryInterval {
  readonly id: string;
}

describe("the serial coordinator", () => {
  it("the overlap checker flags a reset running inside a sync of its MR (and only of its MR)", () => {
    const history: Interval[] = [
      { mr: "!1", kind: "sync", id: "s", startUs: 10, endUs: 20 },
      { mr: "!1", kind: "reset", id: "r", startUs: 19, endUs: 25 },
      { mr: "!2", kind: "reset", id: "r", startUs: 12, endUs: 14 },
      { mr: "!1", kind: "reset", id: "r2", startUs: 20, endUs: 30 },
    ];
    expect(overlaps(history).map(([, reset]) => `${reset.mr}/${reset.id}`)).toEqual(["!1/r"]);
  });

  it("two clients racing: no reset runs while a sync of its MR runs, and every reset runs once", async () => {
    names += 1;
    const name = `serial-race-${names}`;
    const history: Interval[] = [];
    const ranResets: string[] = [];
    const clients = [redis.client(), redis.client()];
    const clock = redis.client();
    const coordinators: RedisSyncCoordinator[] = [];
    const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
    for (const client of clients) {
      const coordinator: RedisSyncCoordinator = await RedisSyncCoordinator.open(client, {
        name,
        config: SERIAL,
        pollIntervalMs: 2,
        enqueueReset: async ({ mr, resetId, via }) => {
          expect(via).toBe("RunReset");
          await coordinator.runReset(mr, resetId, async () => {
            const startUs = await serverMicros(clock);
            await tick();
            history.push({ mr, kind: "reset", id: resetId, startUs, endUs: await serverMicros(clock) });
            ranResets.push(`${mr}/${resetId}`);
          });
        },
      });
      coordinators.push(coordinator);
    }
    const scheduled: string[] = [];
    const work = coordinators.map(async (coordinator, c) => {
      for (let i = 0; i < 24; i++) {
        const mr = `!${i % 2}`;
        if ((i + c) % 3 === 0) {
          const resetId = `r-${c}-${i}`;
          scheduled.push(`${mr}/${resetId}`);
          await coordinator.scheduleReset(mr, resetId);
        } else {
          await coordinator.syncCodeOwners(mr, async () => {
            const startUs = await serverMicros(clock);
            await tick();
            history.push({ mr, kind: "sync", id: `${c}-${i}`, startUs, endUs: await serverMicros(clock) });
          });
        }
      }
    });
    await Promise.all(work);
    expect(history.filter((i) => i.kind === "sync")).toHaveLength(32);
    expect(overlaps(history)).toEqual([]);
    expect([...ranResets].sort()).toEqual([...scheduled].sort());
    const { state } = await coordinators[0]!.snapshot();
    expect(state.mailbox.keys).toEqual({});
    expect(state.mailbox.inFlightCount).toBe(0);
  });
});

describe("Effect API", () => {
  it("syncCodeOwnersEffect drains on a failed execute and fails with its error; runResetEffect runs the reset", async () => {
    const { coordinator, released } = await open(redis.client(), SERIAL);
    const layer = Layer.succeed(SyncCoordinatorService)(coordinator);
    const failing = syncCodeOwnersEffect(
      "!3",
      Effect.gen(function* () {
        yield* Effect.promise(() => coordinator.scheduleReset("!3", "push-4"));
        return yield* Effect.fail("rules sync failed" as const);
      }),
    );
    const exit = await Effect.runPromiseExit(Effect.provide(failing, layer));
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause).includes("rules sync failed")).toBe(true);
    expect(released).toEqual([releasedOrder("!3", "push-4")]);
    let ran = 0;
    const run = await Effect.runPromise(
      Effect.provide(
        runResetEffect(
          "!3",
          "push-4",
          Effect.sync(() => {
            ran += 1;
          }),
          released[0]!.token,
        ),
        layer,
      ),
    );
    expect(run.ran).toBe(true);
    expect(ran).toBe(1);
    const ok = await Effect.runPromise(Effect.provide(syncCodeOwnersEffect("!3", Effect.void), layer));
    expect(ok.finished.result).toEqual({ _tag: "SyncFinished", route: "serial", drained: [] });
  });
});

describe("Effect API: the order's lease", () => {
  const LEASED: Core.Config = { ...SERIAL, leaseTtlMs: 100 };

  it("the work effect gets the lease's token and signal, as the Promise API's work does", async () => {
    const { coordinator, released } = await open(redis.client(), LEASED);
    const layer = Layer.succeed(SyncCoordinatorService)(coordinator);
    let syncLease: { token: number; aborted: boolean; stored: number | undefined } | undefined;
    const sync = syncCodeOwnersEffect("!6", ({ token, signal }) =>
      Effect.gen(function* () {
        const { state } = yield* Effect.promise(() => coordinator.snapshot());
        syncLease = { token, aborted: signal.aborted, stored: state.mrs["!6"]?.lease?.token };
        yield* Effect.promise(() => coordinator.scheduleReset("!6", "push-1"));
      }),
    );
    const outcome = await Effect.runPromise(Effect.provide(sync, layer));
    expect(outcome.finished.result).toEqual({ _tag: "SyncFinished", route: "serial", drained: ["push-1"] });
    expect(syncLease).toEqual({ token: expect.any(Number), aborted: false, stored: syncLease?.token });
    expect(syncLease!.token).toBeGreaterThan(0);
    const [order] = released;
    expect(order).toEqual(releasedOrder("!6", "push-1"));
    let resetLease: { token: number; aborted: boolean } | undefined;
    const run = await Effect.runPromise(
      Effect.provide(
        runResetEffect(
          order!.mr,
          order!.resetId,
          ({ token, signal }) => Effect.sync(() => (resetLease = { token, aborted: signal.aborted })),
          order!.token,
        ),
        layer,
      ),
    );
    expect(run.ran).toBe(true);
    expect(resetLease).toEqual({ token: order!.token, aborted: false });
    expect(order!.token).toBeGreaterThan(syncLease!.token);
  });

  /**
   * `coordinator` with its heartbeats held at a gate: the first heartbeat waits until `open()`, so the lease
   * expires meanwhile; the work reclaims it (`reclaim`), opens the gate, and the held heartbeat answers Stale.
   */
  function holdHeartbeats(coordinator: RedisSyncCoordinator) {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const heartbeat = coordinator.heartbeat.bind(coordinator);
    const answers: string[] = [];
    coordinator.heartbeat = async (mr, token) => {
      await gate;
      const step = await heartbeat(mr, token);
      answers.push(step.result._tag);
      return step;
    };
    /** The work: records its lease, waits for its lease to be reclaimed, opens the gate, then runs until interrupted. */
    const work =
      (mr: string, reclaimed: () => Promise<boolean>, seen: { token?: number; interrupted?: boolean }) =>
      ({ token }: { token: number }) =>
        Effect.gen(function* () {
          seen.token = token;
          yield* Effect.promise(() => until(`the lease of ${mr} to be reclaimed`, reclaimed));
          open();
          yield* Effect.never;
        }).pipe(Effect.onInterrupt(() => Effect.sync(() => (seen.interrupted = true))));
    return { answers, work };
  }

  it("a sync whose lease is lost while its effect runs: the effect is interrupted, the sync fails with SyncLeaseLostError", async () => {
    const { coordinator, released } = await open(redis.client(), LEASED);
    const layer = Layer.succeed(SyncCoordinatorService)(coordinator);
    const { answers, work } = holdHeartbeats(coordinator);
    const seen: { token?: number; interrupted?: boolean } = {};
    const reclaimed = async () => {
      const step = await coordinator.expire("!8");
      return step.result._tag === "Expired" && step.result.reclaimed !== null;
    };
    const sync = syncCodeOwnersEffect("!8", (lease) =>
      Effect.gen(function* () {
        yield* Effect.promise(() => coordinator.scheduleReset("!8", "push-2"));
        yield* work("!8", reclaimed, seen)(lease);
      }),
    );
    const exit = await Effect.runPromiseExit(Effect.provide(sync, layer));
    expect(seen.interrupted).toBe(true);
    expect(answers).toEqual(["Stale"]);
    expect(Exit.isFailure(exit)).toBe(true);
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined;
    expect(error).toBeInstanceOf(SyncLeaseLostError);
    expect(error).toMatchObject({ mr: "!8", kind: "Sync", token: seen.token });
    // The reclaim completed the sync as failed and handed out the reset scheduled during it, once.
    expect(released).toEqual([releasedOrder("!8", "push-2")]);
    expect(released[0]!.token).toBeGreaterThan(seen.token!);
  });

  it("a reset whose lease is lost while its effect runs: the effect is interrupted, the run fails with SyncLeaseLostError", async () => {
    const { coordinator, released } = await open(redis.client(), LEASED);
    const layer = Layer.succeed(SyncCoordinatorService)(coordinator);
    await coordinator.scheduleReset("!9", "push-3");
    const [order] = released;
    const { answers, work } = holdHeartbeats(coordinator);
    const seen: { token?: number; interrupted?: boolean } = {};
    const reclaimed = async () => (await coordinator.reclaimExpired()).length > 0;
    const run = runResetEffect(order!.mr, order!.resetId, work("!9", reclaimed, seen), order!.token);
    const exit = await Effect.runPromiseExit(Effect.provide(run, layer));
    expect(seen).toEqual({ token: order!.token, interrupted: true });
    expect(answers).toEqual(["Stale"]);
    const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined;
    expect(error).toBeInstanceOf(SyncLeaseLostError);
    expect(error).toMatchObject({ mr: "!9", kind: "Reset", id: "push-3", token: order!.token });
    // Handed out again under a new token.
    expect(released).toHaveLength(2);
    expect(released[1]).toMatchObject({ mr: "!9", resetId: "push-3" });
    expect(released[1]!.token).toBeGreaterThan(order!.token);
  });
});

describe("order leases", () => {
  const LEASED: Core.Config = { ...SERIAL, leaseTtlMs: 100 };

  it("a reset whose lease expired is handed out again with a new token; the old token's run is Stale and does not run", async () => {
    const { coordinator, released } = await open(redis.client(), LEASED);
    await coordinator.scheduleReset("!1", "r1");
    const [first] = released;
    expect(first).toEqual(releasedOrder("!1", "r1"));
    // Nobody ran it: once its lease expired, reclaimExpired hands it out again under a new token.
    await until(
      "the reset's lease to be reclaimed",
      async () => (await coordinator.reclaimExpired()).length > 0,
    );
    expect(released).toHaveLength(2);
    const second = released[1]!;
    expect(second.resetId).toBe("r1");
    expect(second.token).toBeGreaterThan(first!.token);
    let ran = 0;
    const stale = await coordinator.runReset(first!, () => {
      ran += 1;
    });
    expect(stale).toMatchObject({ ran: false, begun: { result: { _tag: "Stale" } } });
    const run = await coordinator.runReset(second, ({ token, signal }) => {
      expect(token).toBe(second.token);
      expect(signal.aborted).toBe(false);
      ran += 1;
    });
    expect(run.finished?.result).toEqual({ _tag: "ResetFinished" });
    expect(ran).toBe(1);
    const { state } = await coordinator.snapshot();
    expect(state.mailbox.keys).toEqual({});
    expect(state.mrs["!1"]).toMatchObject({ scheduledResets: [], runningResets: [], lease: null });
  });

  it("a sync whose holder stopped heartbeating is completed as failed; its late FinishSync is Stale", async () => {
    const { coordinator, released } = await open(redis.client(), LEASED);
    const started = await coordinator.startSync("!2", "s1");
    const run = started.effects[0];
    expect(run).toMatchObject({ _tag: "RunSync", syncId: "s1" });
    await coordinator.scheduleReset("!2", "r1");
    await until("the sync's lease to be reclaimed", async () => {
      const step = await coordinator.expire("!2");
      return step.result._tag === "Expired" && step.result.reclaimed !== null;
    });
    expect(released).toEqual([releasedOrder("!2", "r1")]);
    const late = await coordinator.finishSync("!2", "s1", "ok", run?.token);
    expect(late.result).toEqual({ _tag: "Stale" });
    expect((await coordinator.heartbeat("!2", run!.token)).result).toEqual({ _tag: "Stale" });
    const renewed = await coordinator.heartbeat("!2", released[0]!.token);
    expect(renewed.result).toMatchObject({ _tag: "Renewed", expiresAtMs: renewed.atMs + 100 });
  });

  it("reclaimIntervalMs runs reclaimExpired until close()", async () => {
    const client = redis.client();
    const released: ResetOrder[] = [];
    const coordinator = await RedisSyncCoordinator.open(client, {
      name: `sc-${++names}`,
      config: LEASED,
      reclaimIntervalMs: 10,
      enqueueReset: (reset) => {
        released.push(reset);
      },
    });
    await coordinator.scheduleReset("!3", "r1");
    await until("the reset to be handed out again", () => released.length >= 2);
    coordinator.close();
    expect(new Set(released.map((r) => r.resetId))).toEqual(new Set(["r1"]));
  });

  it("upgrade: a coordinator stored by the version without leases opens, gets leaseTtlMs, and its dead order is reclaimed", async () => {
    const client = redis.client();
    const name = `sc-${++names}`;
    const base = `interleave:{${name}}:sc`;
    // What the previous version stored: no leaseTtlMs, no fence counter, an order in flight without a lease.
    await client.hset(`${base}:config`, {
      featureFlag: "1",
      mode: "serial",
      legacyTtlMs: "15000",
      mrCountMax: "100",
      pendingPerMrMax: "64",
    });
    await client.hset(
      `${base}:mrs`,
      "!4",
      '{"d":["r1"],"r":[],"u":"0","f":["Sync","old"],"q":[["Reset","r1"]]}',
    );
    const { coordinator, released } = await open(client, LEASED, name);
    expect(await client.hget(`${base}:config`, "leaseTtlMs")).toBe("100");
    // Every later open must give the same leaseTtlMs.
    await expect(open(client, { ...LEASED, leaseTtlMs: 200 }, name)).rejects.toMatchObject({
      field: "leaseTtlMs",
    });
    // Read back, the old order has no lease yet; the MR's next event (here Expire) grants it one, no effect.
    expect((await coordinator.snapshot()).state.mrs["!4"]?.lease).toBeNull();
    const granted = await coordinator.expire("!4");
    expect(granted).toMatchObject({ result: { _tag: "Expired", reclaimed: null }, effects: [] });
    expect((await coordinator.snapshot()).state.mrs["!4"]?.lease).toMatchObject({ token: 1 });
    // Nobody heartbeats it (the old holder died): it is reclaimed, and the reset behind it runs.
    await until("the old sync to be reclaimed", async () => (await coordinator.reclaimExpired()).length > 0);
    expect(released).toEqual([releasedOrder("!4", "r1")]);
    expect(released[0]!.token).toBe(2);
    await coordinator.runReset(released[0]!, () => {});
    const { state } = await coordinator.snapshot();
    expect(state).toEqual({ ...Core.initial(LEASED), lastToken: 2 });
  });
});

describe("bad input", () => {
  const enqueueReset = () => {};

  it("rejects an invalid config, name, callback or poll interval with typed errors naming the problem", async () => {
    const client = redis.client();
    await expect(
      RedisSyncCoordinator.open(client, {
        name: "x",
        config: { ...SERIAL, legacyTtlMs: 0 },
        enqueueReset,
      }),
    ).rejects.toThrow(InvalidConfigError);
    await expect(
      RedisSyncCoordinator.open(client, {
        name: "x",
        config: { ...SERIAL, mode: "parallel" as "serial" },
        enqueueReset,
      }),
    ).rejects.toThrow(/mode/);
    await expect(
      RedisSyncCoordinator.open(client, { name: "a{b}", config: SERIAL, enqueueReset }),
    ).rejects.toThrow(InvalidNameError);
    await expect(
      RedisSyncCoordinator.open(client, {
        name: "x",
        config: SERIAL,
        enqueueReset: undefined as unknown as () => void,
      }),
    ).rejects.toThrow(/enqueueReset/);
    await expect(
      RedisSyncCoordinator.open(client, { name: "x", config: SERIAL, enqueueReset, pollIntervalMs: 0 }),
    ).rejects.toThrow(/pollIntervalMs/);
    const leased = { ...SERIAL, leaseTtlMs: 90 };
    await expect(
      RedisSyncCoordinator.open(client, { name: "x", config: leased, enqueueReset, heartbeatIntervalMs: 90 }),
    ).rejects.toThrow(/heartbeatIntervalMs \(90\) must be below the config's leaseTtlMs \(90\)/);
    await expect(
      RedisSyncCoordinator.open(client, { name: "x", config: SERIAL, enqueueReset, reclaimIntervalMs: 0 }),
    ).rejects.toThrow(/reclaimIntervalMs/);
    await expect(
      RedisSyncCoordinator.open(client, { name: "x", config: { ...SERIAL, leaseTtlMs: 0 }, enqueueReset }),
    ).rejects.toThrow(InvalidConfigError);
  });

  it("offers only the serial coordinator: the racy modes are refused, the deprecated serial ones accepted", async () => {
    const client = redis.client();
    const racy = [
      { ...SERIAL, mode: "entry-check" },
      { ...SERIAL, featureFlag: false },
    ] as unknown as Core.Config[];
    for (const config of racy) {
      const opened = RedisSyncCoordinator.open(client, { name: "racy", config, enqueueReset });
      await expect(opened).rejects.toThrow(InvalidConfigError);
      await expect(opened).rejects.toThrow(/racy route/);
    }
    const deprecated = { ...SERIAL, featureFlag: true, mode: "serial", legacyResetDelayMs: 10 } as const;
    const { coordinator } = await open(client, deprecated);
    expect((await coordinator.snapshot()).state).toEqual(Core.initial(SERIAL));
    await coordinator.scheduleReset("!1", "r1");
    expect((await coordinator.snapshot()).state.mrs["!1"]?.scheduledResets).toEqual(["r1"]);
  });

  it("rejects bad event arguments before touching Redis", async () => {
    const { coordinator } = await open(redis.client(), SERIAL);
    await expect(coordinator.startSync("", "s1")).rejects.toThrow(InvalidNameError);
    await expect(coordinator.scheduleReset("!1", "")).rejects.toThrow(/resetId/);
    await expect(coordinator.finishSync("!1", "s1", "maybe" as "ok")).rejects.toThrow(/outcome/);
    await expect(
      coordinator.apply({ _tag: "Explode", mr: "!1" } as unknown as Parameters<typeof coordinator.apply>[0]),
    ).rejects.toThrow(TypeError);
    expect((await coordinator.snapshot()).state.mrs).toEqual({});
  });

  it("refuses a config different from the stored one", async () => {
    const client = redis.client();
    await RedisSyncCoordinator.open(client, { name: "mismatch", config: SERIAL, enqueueReset });
    const other = { ...SERIAL, pendingPerMrMax: 8 };
    const mismatch = RedisSyncCoordinator.open(client, { name: "mismatch", config: other, enqueueReset });
    await expect(mismatch).rejects.toThrow(ConfigMismatchError);
    await expect(mismatch).rejects.toThrow(SyncCoordinatorConfigMismatchError); // the deprecated name
    await expect(mismatch).rejects.toMatchObject({ machine: "sync coordinator", field: "pendingPerMrMax" });
    // A coordinator an earlier client stored in the entry-check mode is refused, not run serially.
    await client.hset("interleave:{racy-before}:sc:config", "featureFlag", "1", "mode", "entry-check");
    const racy = RedisSyncCoordinator.open(client, { name: "racy-before", config: SERIAL, enqueueReset });
    await expect(racy).rejects.toMatchObject({
      machine: "sync coordinator",
      field: "mode",
      stored: "entry-check",
    });
  });

  it("a malformed MR entry is a CorruptValueError and is never overwritten", async () => {
    const client = redis.client();
    const { coordinator } = await open(client, SERIAL);
    const key = `${coordinator.base}:mrs`;
    for (const [garbage, problem] of [
      ["not json", /not (a JSON object|JSON)/],
      ['{"s":[1],"p":[],"d":[],"r":[],"u":"0"}', /field s/],
      ['{"s":[],"p":[],"d":[],"r":[]}', /field u/],
      ['{"d":[],"r":[],"u":"0","f":["Sync","s0"],"t":"abc","x":"5"}', /field t \(lease token\)/],
      ['{"d":[],"r":[],"u":"0","f":["Sync","s0"],"t":"1"}', /field x \(lease expiry\)/],
      ['{"d":[],"r":[],"u":"0","t":"1","x":"5"}', /a lease \(fields t, x\) with no order in flight/],
      [
        '{"d":[],"r":[],"u":"0","f":["Sync","s0"],"t":"7","x":"5"}',
        /lease token 7 above the fence counter 0/,
      ],
    ] as const) {
      await client.hset(key, "!1", garbage);
      await expect(coordinator.startSync("!1", "s1")).rejects.toThrow(CorruptValueError);
      await expect(coordinator.scheduleReset("!1", "r1")).rejects.toThrow(problem);
      await expect(coordinator.expire("!1")).rejects.toThrow(CorruptValueError);
      await expect(coordinator.snapshot()).rejects.toThrow(problem);
      expect(await client.hget(key, "!1")).toBe(garbage);
    }
  });

  it("a malformed fence counter or leaseTtlMs is a CorruptValueError naming its key", async () => {
    const client = redis.client();
    const { coordinator } = await open(client, SERIAL);
    await client.set(`${coordinator.base}:fence`, "lots");
    const fence = coordinator.scheduleReset("!1", "r1");
    await expect(fence).rejects.toThrow(CorruptValueError);
    await expect(fence).rejects.toMatchObject({ key: `${coordinator.base}:fence` });
    await expect(coordinator.snapshot()).rejects.toThrow(/fence counter/);
    await client.set(`${coordinator.base}:fence`, "3");
    await client.hdel(`${coordinator.base}:config`, "leaseTtlMs");
    const config = coordinator.scheduleReset("!1", "r1");
    await expect(config).rejects.toThrow(/leaseTtlMs is absent/);
    await expect(config).rejects.toMatchObject({ key: `${coordinator.base}:config` });
    expect(await client.hlen(`${coordinator.base}:mrs`)).toBe(0);
  });

  it("a missing config (flushed data) is a typed error, not a silent default", async () => {
    const client = redis.client();
    const { coordinator } = await open(client, SERIAL);
    await client.del(`${coordinator.base}:config`);
    await expect(coordinator.startSync("!1", "s1")).rejects.toThrow(NotInitializedError);
    await expect(coordinator.startSync("!1", "s1")).rejects.toThrow(SyncCoordinatorNotInitializedError);
    await expect(coordinator.startSync("!1", "s1")).rejects.toMatchObject({ machine: "sync coordinator" });
  });
});
