// The keyed mailbox on Redis with real dispatcher loops: two instances (two clients each, one for pub/sub)
// on one Redis. FIFO per key, at most one order in flight per key across instances, the global bound,
// supersession cancelling a handler in the other instance (pub/sub, and the heartbeat as polling fallback),
// a dead instance's lease expiring so the next order proceeds, the bounds, and bad input.

import { AssertionError, type Mailbox as Core, InvalidConfigError } from "@interleave/core";
import { Effect, Exit, Scope } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { expectCancelsInFlight } from "../../../test/support/mailbox.js";
import { MailboxConfigMismatchError } from "../src/index.js";
import { KeyedMailbox, type KeyedMailboxOptions } from "../src/mailbox/mailbox.js";
import { keyedMailboxLayer, runMailbox } from "../src/mailbox/mailbox-effect.js";
import { ConfigMismatchError, CorruptValueError } from "../src/shared/errors.js";
import { InvalidNameError } from "../src/shared/keys.js";
import { FIFO, RICH, until } from "./support/mailbox-policy.js";
import { sleep } from "./support/queue-config.js";
import { useRedis } from "./support/redis.js";

describe("KeyedMailbox on Redis", () => {
  const redis = useRedis();
  let runs = 0;
  const opened: KeyedMailbox[] = [];
  afterAll(async () => {
    for (const mailbox of opened) await mailbox.stop({ abandon: true });
  });

  async function open(options: Omit<KeyedMailboxOptions, "name">, name: string): Promise<KeyedMailbox> {
    const mailbox = await KeyedMailbox.open(redis.client(), { name, ...options });
    opened.push(mailbox);
    return mailbox;
  }

  it("runs orders FIFO per key, one in flight per key across two instances, within the global bound", async () => {
    runs += 1;
    const name = `fifo-${runs}`;
    const a = await open({ config: FIFO, instance: "A", inFlightMax: 2, leaseTtlMs: 2000 }, name);
    const b = await open({ config: FIFO, instance: "B", inFlightMax: 2, leaseTtlMs: 2000 }, name);
    const started = new Map<string, string[]>();
    const active = new Map<string, number>();
    let running = 0;
    let maxRunning = 0;
    let maxPerKey = 0;
    let done = 0;
    const ranOn = new Set<string>();
    const handler = (instance: string) => async (order: Core.Order) => {
      const key = order.key ?? "";
      ranOn.add(instance);
      started.set(key, [...(started.get(key) ?? []), order.id]);
      active.set(key, (active.get(key) ?? 0) + 1);
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      maxPerKey = Math.max(maxPerKey, active.get(key)!);
      await sleep(3);
      active.set(key, active.get(key)! - 1);
      running -= 1;
      done += 1;
    };
    await a.start(handler("A"), { subscriber: redis.client() });
    await b.start(handler("B"), { subscriber: redis.client() });
    const submitted = new Map<string, string[]>();
    for (let i = 0; i < 30; i += 1) {
      const key = `k${i % 4}`;
      const id = `o${i}`;
      const step = await (i % 2 === 0 ? a : b).submit({ id, key, kind: "Sync", payload: { i } });
      expect(step.result._tag).toBe("Accepted");
      submitted.set(key, [...(submitted.get(key) ?? []), id]);
    }
    await until("every order done", () => done === 30);
    await until("the mailbox to be empty", async () => (await a.snapshot()).inFlightCount === 0);
    expect(started).toEqual(submitted);
    expect(maxPerKey).toBe(1);
    expect(maxRunning).toBeLessThanOrEqual(FIFO.inFlightMax);
    expect((await b.snapshot()).keys).toEqual({});
    await a.stop();
    await b.stop();
  });

  it.each([
    ["pub/sub", true],
    ["the heartbeat (polling fallback)", false],
  ])("delivers a supersession Cancel to the handler in the other instance through %s", async (_, pubsub) => {
    runs += 1;
    const name = `cancel-${runs}`;
    const options = { config: RICH, leaseTtlMs: 3000, heartbeatIntervalMs: 50 };
    const submitter = await open({ ...options, instance: "submitter" }, name);
    const runner = await open({ ...options, instance: "runner" }, name);
    const outcomes: string[] = [];
    await runner.start(
      async (order, signal) => {
        if (order.id === "o1") {
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
          outcomes.push(`${order.id}:aborted`);
          return;
        }
        outcomes.push(`${order.id}:ran`);
      },
      pubsub ? { subscriber: redis.client() } : {},
    );
    await submitter.submit({ id: "o1", key: "stack", kind: "Replace" });
    await until(
      "o1 to be taken",
      async () => (await runner.snapshot()).keys.stack?.inFlight?.order.id === "o1",
    );
    await sleep(20);
    const step = await submitter.submit({ id: "o2", key: "stack", kind: "Replace" });
    expectCancelsInFlight(step, "stack", "o1", "o2");
    await until("o2 to run", () => outcomes.length === 2);
    expect(outcomes).toEqual(["o1:aborted", "o2:ran"]);
    await runner.stop();
  });

  it("completes a dead instance's order when its lease expires, so the next order of the key proceeds", async () => {
    runs += 1;
    const name = `dead-${runs}`;
    const options = { config: FIFO, leaseTtlMs: 300, heartbeatIntervalMs: 50 };
    const dead = await open({ ...options, instance: "dead" }, name);
    const live = await open({ ...options, instance: "live" }, name);
    let deadStarted = false;
    await dead.start(async () => {
      deadStarted = true;
      await new Promise(() => {}); // never returns: the instance hangs, then "dies"
    });
    await dead.submit({ id: "o1", key: "k", kind: "Sync" });
    await until("the dead instance to take o1", () => deadStarted);
    await dead.stop({ abandon: true });
    await live.submit({ id: "o2", key: "k", kind: "Sync" });
    const ran: string[] = [];
    await live.start(async (order) => {
      ran.push(order.id);
    });
    await until("o2 to run on the live instance", () => ran.length === 1);
    expect(ran).toEqual(["o2"]);
    await until("the mailbox to be empty", async () => (await live.snapshot()).inFlightCount === 0);
    expect((await live.snapshot()).keys).toEqual({});
    await live.stop();
  });

  it("applies the bounds with the core's results", async () => {
    runs += 1;
    const config: Core.Config = {
      ...FIFO,
      inFlightMax: 1,
      pendingPerKeyMax: 1,
      keyCountMax: 2,
      keylessPendingMax: 1,
    };
    const m = await open({ config }, `bounds-${runs}`);
    const tags = [];
    for (const order of [
      { id: "a1", key: "a", kind: "Sync" },
      { id: "a2", key: "a", kind: "Sync" },
      { id: "a3", key: "a", kind: "Sync" },
      { id: "b1", key: "b", kind: "Sync" },
      { id: "c1", key: "c", kind: "Sync" },
      { id: "n1", key: null, kind: "Sync" },
      { id: "n2", key: null, kind: "Sync" },
      { id: "a1", key: "a", kind: "Sync" },
    ]) {
      tags.push((await m.submit(order)).result);
    }
    expect(tags).toEqual([
      { _tag: "Accepted", orderId: "a1", dispatched: true, superseded: [], cancelled: null },
      { _tag: "Accepted", orderId: "a2", dispatched: false, superseded: [], cancelled: null },
      { _tag: "Rejected", orderId: "a3", reason: "pending-full" },
      { _tag: "Accepted", orderId: "b1", dispatched: false, superseded: [], cancelled: null },
      { _tag: "Rejected", orderId: "c1", reason: "key-limit" },
      { _tag: "Accepted", orderId: "n1", dispatched: false, superseded: [], cancelled: null },
      { _tag: "Rejected", orderId: "n2", reason: "pending-full" },
      { _tag: "Duplicate", orderId: "a1" },
    ]);
    const shut = await m.shutdown();
    expect(shut.result).toEqual({
      _tag: "ShutDown",
      cancelled: ["a1"],
      pending: [
        { id: "a2", key: "a", kind: "Sync" },
        { id: "b1", key: "b", kind: "Sync" },
        { id: "n1", key: null, kind: "Sync" },
      ],
    });
    expect((await m.submit({ id: "z", key: "z", kind: "Sync" })).result).toEqual({
      _tag: "Rejected",
      orderId: "z",
      reason: "shutting-down",
    });
  });

  it("rejects bad config, bad names and malformed orders with typed errors", async () => {
    const client = redis.client();
    await expect(
      KeyedMailbox.open(client, { name: "x", config: { ...FIFO, inFlightMax: 0 } }),
    ).rejects.toThrow(InvalidConfigError);
    await expect(
      KeyedMailbox.open(client, { name: "x", config: FIFO, leaseTtlMs: 100, heartbeatIntervalMs: 100 }),
    ).rejects.toThrow(/heartbeatIntervalMs \(100\) must be below leaseTtlMs \(100\)/);
    await expect(KeyedMailbox.open(client, { name: "a{b}", config: FIFO })).rejects.toThrow(InvalidNameError);
    runs += 1;
    const m = await KeyedMailbox.open(client, { name: `bad-${runs}`, config: FIFO });
    const mismatch = KeyedMailbox.open(client, {
      name: `bad-${runs}`,
      config: { ...FIFO, pendingPerKeyMax: 7 },
    });
    await expect(mismatch).rejects.toThrow(ConfigMismatchError);
    await expect(mismatch).rejects.toThrow(MailboxConfigMismatchError); // the deprecated name still matches
    await expect(mismatch).rejects.toMatchObject({ machine: "keyed mailbox", field: "pendingPerKeyMax" });
    await expect(m.submit({ id: "", key: "k", kind: "Sync" })).rejects.toThrow(AssertionError);
    await expect(m.submit({ id: "o", key: "", kind: "Sync" })).rejects.toThrow(AssertionError);
    await expect(m.complete("k", "o", "bogus" as "done")).rejects.toThrow(AssertionError);
  });

  it("reports corrupt values found in Redis as CorruptValueError and overwrites nothing", async () => {
    runs += 1;
    const client = redis.client();
    const m = await KeyedMailbox.open(client, { name: `corrupt-${runs}`, config: FIFO });
    await m.submit({ id: "o1", key: "k", kind: "Sync" });
    await client.hset(`${m.base}:entries`, "k", "not json");
    await expect(m.submit({ id: "o2", key: "k", kind: "Sync" })).rejects.toThrow(CorruptValueError);
    await expect(m.snapshot()).rejects.toThrow(CorruptValueError);
    expect(await client.hget(`${m.base}:entries`, "k")).toBe("not json");
    await client.hset(`${m.base}:state`, "n", "abc");
    await expect(m.complete("k", "o1", "done")).rejects.toThrow(/field n is not an integer/);
    expect(await client.hget(`${m.base}:state`, "n")).toBe("abc");
    await client.hset(`${m.base}:config`, "policy", "{");
    await expect(m.shutdown()).rejects.toThrow(/policy is not a policy JSON object/);
  });

  it("keeps the loop running past a corrupt stored order: reported, its lease expires, the key proceeds", async () => {
    runs += 1;
    const client = redis.client();
    const m = await open({ config: FIFO, leaseTtlMs: 200, heartbeatIntervalMs: 50 }, `loop-corrupt-${runs}`);
    await m.submit({ id: "o1", key: "k", kind: "Sync" });
    await m.submit({ id: "o2", key: "k", kind: "Sync" });
    await client.hset(`${m.base}:orders`, "o1", "junk");
    const errors: unknown[] = [];
    const ran: string[] = [];
    await m.start(
      async (order) => {
        ran.push(order.id);
      },
      { onError: (error) => errors.push(error) },
    );
    await until("o2 to run", () => ran.length === 1);
    expect(ran).toEqual(["o2"]);
    expect(errors[0]).toBeInstanceOf(CorruptValueError);
    await m.stop();
  });

  it("Effect API: interrupts the handler fiber when its order is superseded from another instance", async () => {
    runs += 1;
    const name = `effect-${runs}`;
    const submitter = await open({ config: RICH }, name);
    const events: string[] = [];
    const scope = Effect.runSync(Scope.make());
    const program = runMailbox(
      (order) =>
        order.id === "o1"
          ? Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => events.push("o1:interrupted"))))
          : Effect.sync(() => {
              events.push(`${order.id}:ran`);
            }),
      { subscriber: redis.client() },
    ).pipe(
      Effect.provide(keyedMailboxLayer(redis.client(), { name, config: RICH, instance: "effect" })),
      Scope.provide(scope),
    );
    await Effect.runPromise(program);
    await submitter.submit({ id: "o1", key: "s", kind: "Replace" });
    await until("o1 to be taken under a lease", async () => {
      const raw = await redis.client().hget(`${submitter.base}:holder`, "o1");
      return raw !== null;
    });
    await submitter.submit({ id: "o2", key: "s", kind: "Replace" });
    await until("o2 to run", () => events.length === 2);
    expect(events).toEqual(["o1:interrupted", "o2:ran"]);
    await Effect.runPromise(Scope.close(scope, Exit.void));
  });
});
