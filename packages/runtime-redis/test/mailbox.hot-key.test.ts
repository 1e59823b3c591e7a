// The keyed mailbox on one hot key (issue 22): submitters that wait for room at the per-key bound
// (`submitWhenRoom`: capped exponential backoff with jitter), the dispatcher's finish that takes the key's next
// order in the same script (no poll tick or wake-up between two orders of a key), and the stored format:
// pending ids in a list per key, a format-1 entry (pending ids inside the entry) moved there on first touch;
// and mailbox-finish with a take against the core's Complete.

import { Mailbox as Core } from "@interleave/core";
import { afterAll, describe, expect, it } from "vitest";
import { KeyedMailbox, type KeyedMailboxOptions } from "../src/mailbox/mailbox.js";
import { decodeEffects, decodeResult } from "../src/mailbox/mailbox-codec.js";
import { CorruptValueError } from "../src/shared/errors.js";
import { FIFO, until } from "./support/mailbox-policy.js";
import { useRedis } from "./support/redis.js";

const ONE_PENDING: Core.Config = { ...FIFO, pendingPerKeyMax: 1 };

describe("KeyedMailbox on one hot key", () => {
  const redis = useRedis();
  let runs = 0;
  const opened: KeyedMailbox[] = [];
  afterAll(async () => {
    for (const mailbox of opened) await mailbox.stop({ abandon: true });
  });

  async function open(options: Omit<KeyedMailboxOptions, "name">): Promise<KeyedMailbox> {
    runs += 1;
    const mailbox = await KeyedMailbox.open(redis.client(), { name: `hot-${runs}`, ...options });
    opened.push(mailbox);
    return mailbox;
  }

  it("submitWhenRoom waits at pending-full and is accepted once the key has room, in FIFO order", async () => {
    const m = await open({ config: ONE_PENDING });
    await m.submit({ id: "o1", key: "k", kind: "Sync" });
    await m.submit({ id: "o2", key: "k", kind: "Sync" });
    const delays: number[] = [];
    const waiting = m.submitWhenRoom(
      { id: "o3", key: "k", kind: "Sync" },
      {
        initialDelayMs: 2,
        maxDelayMs: 8,
        random: () => {
          delays.push(0);
          return 0.5;
        },
      },
    );
    await until("o3 to be rejected twice", () => delays.length >= 2);
    expect((await m.snapshot()).keys.k?.pending.map((o) => o.id)).toEqual(["o2"]);
    await m.complete("k", "o1", "done");
    const step = await waiting;
    expect(step.result).toEqual({
      _tag: "Accepted",
      orderId: "o3",
      dispatched: false,
      superseded: [],
      cancelled: null,
    });
    expect(step.rejected).toBe(delays.length);
    const state = await m.snapshot();
    expect(state.keys.k?.inFlight?.order.id).toBe("o2");
    expect(state.keys.k?.pending.map((o) => o.id)).toEqual(["o3"]);
  });

  it("submitWhenRoom queues a process's submitters of a full key: only the head retries, they enter in call order", async () => {
    const m = await open({ config: ONE_PENDING });
    await m.submit({ id: "o1", key: "k", kind: "Sync" });
    await m.submit({ id: "o2", key: "k", kind: "Sync" });
    const retries = new Map<string, number>();
    const calls = ["o3", "o4", "o5"].map((id) =>
      m.submitWhenRoom(
        { id, key: "k", kind: "Sync" },
        {
          initialDelayMs: 1,
          maxDelayMs: 4,
          random: () => {
            retries.set(id, (retries.get(id) ?? 0) + 1);
            return 0.5;
          },
        },
      ),
    );
    await until("the head to retry three times", () => (retries.get("o3") ?? 0) >= 3);
    expect([retries.get("o4"), retries.get("o5")]).toEqual([undefined, undefined]);
    for (const [done, next] of [
      ["o1", "o3"],
      ["o2", "o4"],
      ["o3", "o5"],
    ] as const) {
      await m.complete("k", done, "done");
      await until(`${next} to be pending`, async () => (await m.snapshot()).keys.k?.pending[0]?.id === next);
    }
    const steps = await Promise.all(calls);
    expect(steps.map((s) => s.result._tag)).toEqual(["Accepted", "Accepted", "Accepted"]);
  });

  it("submitWhenRoom gives up after timeoutMs with the Rejected step, and stops when its signal aborts", async () => {
    const m = await open({ config: ONE_PENDING });
    await m.submit({ id: "o1", key: "k", kind: "Sync" });
    await m.submit({ id: "o2", key: "k", kind: "Sync" });
    const step = await m.submitWhenRoom({ id: "o3", key: "k", kind: "Sync" }, { timeoutMs: 0 });
    expect(step.result).toEqual({ _tag: "Rejected", orderId: "o3", reason: "pending-full" });
    expect(step.rejected).toBe(1);
    const controller = new AbortController();
    let tries = 0;
    const aborted = m.submitWhenRoom(
      { id: "o3", key: "k", kind: "Sync" },
      {
        random: () => {
          tries += 1;
          return 0.99;
        },
        maxDelayMs: 60_000,
        initialDelayMs: 60_000,
        signal: controller.signal,
      },
    );
    await until("the first rejection", () => tries === 1);
    controller.abort(new Error("caller gave up"));
    await expect(aborted).rejects.toThrow("caller gave up");
    expect((await m.snapshot()).keys.k?.pending.map((o) => o.id)).toEqual(["o2"]);
    await expect(m.submitWhenRoom({ id: "o4", key: "k", kind: "Sync" }, { maxDelayMs: 0 })).rejects.toThrow(
      RangeError,
    );
  });

  it("runs a hot key's orders back to back: each finish takes the next one, with no poll tick or wake-up", async () => {
    const m = await open({ config: FIFO, inFlightMax: 1 });
    for (const id of ["o1", "o2", "o3", "o4"]) await m.submit({ id, key: "k", kind: "Sync" });
    const ran: string[] = [];
    // No subscriber (no wake-ups) and a poll period far beyond the test's timeout: only the start's own tick
    // takes o1; o2..o4 can run only if each finish takes the next order.
    await m.start(
      async (order) => {
        ran.push(order.id);
      },
      { pollIntervalMs: 3_600_000 },
    );
    await until("the four orders to run", () => ran.length === 4);
    expect(ran).toEqual(["o1", "o2", "o3", "o4"]);
    await until("the mailbox to be empty", async () => (await m.snapshot()).inFlightCount === 0);
    await m.stop();
    expect((await m.snapshot()).keys).toEqual({});
  });

  it("mailbox-finish with a take: the core's Complete (result, effects, state), then the dispatched order leased to the finisher", async () => {
    const m = await open({ config: FIFO });
    let model = Core.initial(FIFO);
    for (const id of ["o1", "o2", "o3"]) {
      const order = { id, key: "k", kind: "Sync" };
      await m.submit(order);
      model = Core.transition(model, { _tag: "Submit", order }).state;
    }
    // The reaper form takes o1 (dispatched by its submit) for instance A.
    const first = await m.run("mailbox-finish-2", ["", "A", 0, "failed", 1, 10_000]);
    const [o1] = first[4] as unknown[][];
    expect(o1?.slice(0, 2)).toEqual(["o1", "k"]);
    const reply = await m.run("mailbox-finish-2", ["o1", "A", o1![3] as number, "done", 2, 10_000]);
    const core = Core.transition(model, { _tag: "Complete", key: "k", orderId: "o1", outcome: "done" });
    const where = `${m.base}:orders`;
    expect(decodeResult(where, reply[1], reply[2] as unknown[])).toEqual(core.result);
    expect(decodeEffects(where, reply[3])).toEqual(core.effects);
    expect(await m.snapshot()).toEqual(core.state);
    const taken = reply[4] as unknown[][];
    expect(taken.map((t) => t.slice(0, 2))).toEqual([["o2", "k"]]);
    expect(taken[0]![3]).toBe((o1![3] as number) + 1);
    expect(await redis.client().hget(`${m.base}:holder`, "o2")).toBe(`A|${taken[0]![3]}`);
    // A stale token finishes nothing and still takes into the freed slot (here: nothing dispatched).
    const stale = await m.run("mailbox-finish-2", ["o2", "A", o1![3] as number, "done", 1, 10_000]);
    expect(stale.slice(1)).toEqual(["Lost", [], [], []]);
    expect(await m.snapshot()).toEqual(core.state);
  });

  it("moves a format-1 entry's pending ids into the key's list on first touch; a format-1 entry beside a list is corrupt", async () => {
    const client = redis.client();
    const m = await open({ config: FIFO });
    await m.submit({ id: "o1", key: "k", kind: "Sync" });
    await m.submit({ id: "o2", key: "k", kind: "Sync" });
    await m.submit({ id: "o3", key: "k", kind: "Sync" });
    const before = await m.snapshot();
    // Rewrite the key as a runtime before issue 22 stored it: the pending ids inside the entry.
    const ids = await client.lrange(`${m.base}:pending:k`, 0, -1);
    expect(ids).toEqual(["o2", "o3"]);
    await client.del(`${m.base}:pending:k`);
    await client.hset(`${m.base}:entries`, "k", JSON.stringify({ f: "o1", c: 0, p: ids }));
    expect(await m.snapshot()).toEqual(before);
    const step = await m.complete("k", "o1", "done");
    expect(step.result).toMatchObject({ _tag: "Completed", dispatched: "o2" });
    expect(JSON.parse((await client.hget(`${m.base}:entries`, "k"))!)).toEqual({ f: "o2", c: 0 });
    expect(await client.lrange(`${m.base}:pending:k`, 0, -1)).toEqual(["o3"]);
    // Both a format-1 `p` and a list: refused, nothing overwritten.
    const both = JSON.stringify({ f: "o2", c: 0, p: ["o9"] });
    await client.hset(`${m.base}:entries`, "k", both);
    await expect(m.snapshot()).rejects.toThrow(/format-1 pending ids and a pending list/);
    await expect(m.submit({ id: "o4", key: "k", kind: "Sync" })).rejects.toThrow(CorruptValueError);
    expect(await client.hget(`${m.base}:entries`, "k")).toBe(both);
    expect(await client.lrange(`${m.base}:pending:k`, 0, -1)).toEqual(["o3"]);
  });
});
