// The keyed mailbox on a three-master Redis Cluster (issue 19), as test/mailbox.test.ts runs it on one Redis:
// mailboxes whose `{name}` hash tags put them on three different masters, each with two instances (two
// `Cluster` clients): FIFO per key, one order in flight per key, the global bound; submit / complete /
// supersede / shutdown giving the core's results, effects and state; a supersession Cancel reaching the
// handler in the other instance through pub/sub (a `Cluster` subscriber, and a plain connection to a master
// that does not own the mailbox's slot: the scripts' `PUBLISH` is broadcast to every node) and through the
// heartbeat; a dead instance's lease expiring. Every script call is observed: its KEYS are in the mailbox's
// slot, and every mailbox script ran for three mailboxes.

import { Mailbox as Core } from "@interleave/core";
import type { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCancelsInFlight } from "../../../test/support/mailbox.js";
import { KeyedMailbox, type KeyedMailboxOptions } from "../src/mailbox/mailbox.js";
import { mailboxScripts } from "../src/mailbox/mailbox-scripts.js";
import {
  luaScripts,
  namesOnDistinctMasters,
  observeScripts,
  type ScriptCall,
  slotOf,
  startCluster,
  type TestCluster,
  tagsPerScript,
} from "./support/cluster.js";
import { FIFO, RICH, until } from "./support/mailbox-policy.js";
import { sleep } from "./support/queue-config.js";

describe("KeyedMailbox on a three-master Redis Cluster", () => {
  let cluster: TestCluster;
  let clients: [Cluster, Cluster];
  let node: Redis;
  let calls: ScriptCall[];
  let crossings: () => ScriptCall[];
  const opened: KeyedMailbox[] = [];
  /** The mailbox key of `name` (the default prefix), for `CLUSTER KEYSLOT`. */
  const keyOf = (name: string) => `interleave:{${name}}:mb:config`;

  beforeAll(async () => {
    cluster = await startCluster();
    clients = [cluster.client(), cluster.client()];
    node = cluster.nodeClient(cluster.nodes[0]!);
    ({ calls, crossings } = observeScripts(clients));
  });
  afterAll(async () => {
    for (const mailbox of opened) await mailbox.stop({ abandon: true });
    await cluster?.stop();
  });

  async function open(client: Cluster, name: string, options: Omit<KeyedMailboxOptions, "name">) {
    const mailbox = await KeyedMailbox.open(client, { name, ...options });
    opened.push(mailbox);
    return mailbox;
  }

  it("three mailboxes on three masters: FIFO per key, one in flight per key across two instances, within the global bound", async () => {
    const picked = await namesOnDistinctMasters(node, "fifo-", 3, keyOf);
    expect(new Set(picked.map((p) => p.master)).size).toBe(3);
    await Promise.all(
      picked.map(async ({ name, slot }) => {
        const options = { config: FIFO, inFlightMax: 2, leaseTtlMs: 2000, heartbeatIntervalMs: 10 };
        const a = await open(clients[0], name, { ...options, instance: "A" });
        const b = await open(clients[1], name, { ...options, instance: "B" });
        expect(slotOf(`${a.base}:state`)).toBe(slot);
        const started = new Map<string, string[]>();
        const active = new Map<string, number>();
        let running = 0;
        let maxRunning = 0;
        let maxPerKey = 0;
        let done = 0;
        const handler = async (order: Core.Order) => {
          const key = order.key ?? "";
          started.set(key, [...(started.get(key) ?? []), order.id]);
          active.set(key, (active.get(key) ?? 0) + 1);
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          maxPerKey = Math.max(maxPerKey, active.get(key)!);
          await sleep(order.id === "o0" ? 60 : 3); // o0 outlives a few heartbeats
          active.set(key, active.get(key)! - 1);
          running -= 1;
          done += 1;
        };
        await a.start(handler, { subscriber: cluster.client() });
        await b.start(handler, { subscriber: cluster.client() });
        const submitted = new Map<string, string[]>();
        for (let i = 0; i < 16; i += 1) {
          const key = `k${i % 4}`;
          const id = `o${i}`;
          const step = await (i % 2 === 0 ? a : b).submit({ id, key, kind: "Sync", payload: { i } });
          expect(step.result._tag).toBe("Accepted");
          submitted.set(key, [...(submitted.get(key) ?? []), id]);
        }
        await until("every order done", () => done === 16);
        await until("the mailbox to be empty", async () => (await a.snapshot()).inFlightCount === 0);
        expect(started).toEqual(submitted);
        expect(maxPerKey).toBe(1);
        expect(maxRunning).toBeLessThanOrEqual(FIFO.inFlightMax);
        expect((await b.snapshot()).keys).toEqual({});
        await a.stop();
        await b.stop();
      }),
    );
  });

  it("submit, complete, supersede and shutdown on three masters give the core's results, effects and state", async () => {
    const picked = await namesOnDistinctMasters(node, "lockstep-", 3, keyOf);
    for (const { name } of picked) {
      const mailbox = await open(clients[0], name, { config: RICH });
      let model = Core.initial(RICH);
      expect(await mailbox.snapshot()).toEqual(model);
      /** Complete of the order in flight on `key` in the model (the core's state before the event). */
      const completeInFlight =
        (key: string, outcome: "done" | "cancelled") =>
        (state: Core.State): Core.Event => ({
          _tag: "Complete",
          key,
          orderId: state.keys[key]?.inFlight?.order.id ?? "none",
          outcome,
        });
      const events: (Core.Event | ((state: Core.State) => Core.Event))[] = [
        { _tag: "Submit", order: { id: "o1", key: "stack", kind: "Replace" } },
        { _tag: "Submit", order: { id: "o2", key: "stack", kind: "Patch" } },
        { _tag: "Submit", order: { id: "o3", key: "stack", kind: "Replace" } }, // supersedes o1
        completeInFlight("stack", "cancelled"),
        { _tag: "Submit", order: { id: "o4", key: "other", kind: "Pause" } },
        { _tag: "Submit", order: { id: "o5", key: "other", kind: "Resume" } }, // cancels the running Pause
        { _tag: "Submit", order: { id: "o6", key: null, kind: "Remove" } },
        completeInFlight("stack", "done"),
        { _tag: "Submit", order: { id: "o7", key: "stack", kind: "Remove" } },
        { _tag: "Submit", order: { id: "o8", key: "stack", kind: "Patch" } },
        { _tag: "Shutdown" },
        { _tag: "Submit", order: { id: "o9", key: "late", kind: "Pause" } },
        { _tag: "Shutdown" },
      ];
      const tags: string[] = [];
      for (const next of events) {
        const event = typeof next === "function" ? next(model) : next;
        const got =
          event._tag === "Submit"
            ? await mailbox.submit(event.order)
            : event._tag === "Complete"
              ? await mailbox.complete(event.key, event.orderId, event.outcome)
              : await mailbox.shutdown();
        const step = Core.transition(model, event);
        expect(got.result).toEqual(step.result);
        expect(got.effects).toEqual(step.effects);
        model = step.state;
        expect(await mailbox.snapshot()).toEqual(model);
        tags.push(got.result._tag);
      }
      expect(tags).toEqual([
        "Accepted",
        "Accepted",
        "Accepted",
        "Completed",
        "Accepted",
        "Accepted",
        "Accepted",
        "Completed",
        "Accepted",
        "Accepted",
        "ShutDown",
        "Rejected",
        "AlreadyShutDown",
      ]);
    }
  });

  it.each([
    ["pub/sub, a Cluster subscriber", "cluster", 0],
    ["pub/sub, a plain connection to a master that does not own the mailbox's slot", "node", 1],
    ["the heartbeat (polling fallback)", "none", 2],
  ] as const)(
    "delivers a supersession Cancel to the handler in the other instance through %s",
    async (_, via, index) => {
      const picked = await namesOnDistinctMasters(node, `cancel-${via}-`, 3, keyOf);
      const { name, master } = picked[index]!;
      // Through pub/sub the heartbeat is too slow to be what aborts the handler within the test's bound.
      const heartbeatIntervalMs = via === "none" ? 50 : 5_000;
      const options = { config: RICH, leaseTtlMs: 10_000, heartbeatIntervalMs };
      const submitter = await open(clients[0], name, { ...options, instance: "submitter" });
      const runner = await open(clients[1], name, { ...options, instance: "runner" });
      const other = cluster.nodes.find((n) => n.port !== master)!;
      const subscriber =
        via === "cluster" ? cluster.client() : via === "node" ? cluster.nodeClient(other) : undefined;
      const outcomes: string[] = [];
      let abortedAtMs = 0;
      await runner.start(
        async (order, signal) => {
          if (order.id === "o1") {
            await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
            abortedAtMs = Date.now();
            outcomes.push(`${order.id}:aborted`);
            return;
          }
          outcomes.push(`${order.id}:ran`);
        },
        subscriber === undefined ? {} : { subscriber },
      );
      await submitter.submit({ id: "o1", key: "stack", kind: "Replace" });
      await until(
        "o1 to be taken",
        async () => (await runner.snapshot()).keys.stack?.inFlight?.order.id === "o1",
      );
      await sleep(20);
      const submittedAtMs = Date.now();
      const step = await submitter.submit({ id: "o2", key: "stack", kind: "Replace" });
      expectCancelsInFlight(step, "stack", "o1", "o2");
      await until("o2 to run", () => outcomes.length === 2);
      expect(outcomes).toEqual(["o1:aborted", "o2:ran"]);
      if (via !== "none") expect(abortedAtMs - submittedAtMs).toBeLessThan(heartbeatIntervalMs);
      await runner.stop();
    },
  );

  it("completes a dead instance's order when its lease expires, so the next order of the key proceeds", async () => {
    const { name } = (await namesOnDistinctMasters(node, "dead-", 1, keyOf))[0]!;
    const options = { config: FIFO, leaseTtlMs: 300, heartbeatIntervalMs: 50 };
    const dead = await open(clients[0], name, { ...options, instance: "dead" });
    const live = await open(clients[1], name, { ...options, instance: "live" });
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

  it("every mailbox script ran for three mailboxes on three masters, each call's KEYS in its mailbox's slot", () => {
    const scripts = luaScripts().filter((s) => s.startsWith("mailbox-"));
    expect([...mailboxScripts.files].sort()).toEqual(scripts);
    expect(crossings()).toEqual([]);
    const tags = tagsPerScript(calls, [...scripts, "config-init-2"]);
    for (const [script, seen] of Object.entries(tags)) {
      expect({ script, count: seen.length >= 3 }).toEqual({ script, count: true });
    }
    // The lockstep test's three mailboxes, on three masters, ran submit, complete and shutdown.
    for (const script of ["mailbox-submit-2", "mailbox-complete-2", "mailbox-shutdown-2"]) {
      expect(tags[script]?.filter((t) => t?.startsWith("lockstep-"))).toHaveLength(3);
    }
  });
});
