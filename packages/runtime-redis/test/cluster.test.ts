// The runtime on a three-master Redis Cluster (issue 7): leases (acquire / renew / release / withLease) and the
// claim queue (enqueue / claim / ack through a Worker) on queues whose hash tags put them in different slots
// owned by different masters. Every script of one lease or one queue touches only keys of one slot (the
// `{name}` hash tag), including the item keys the claim scripts derive from the queue's base key. Every script
// call is observed (issue 19): its KEYS hash to one slot under one tag, the server's `CLUSTER KEYSLOT` agrees,
// a call whose KEYS span two instances is refused by the cluster and flagged, and every script of `src/lua/`
// belongs to a machine whose cluster test observes it (this file, mailbox.cluster.test.ts,
// sync-coordinator.cluster.test.ts).

import type { ClaimQueue as Core } from "@interleave/core";
import type { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClaimQueue } from "../src/claim-queue/claim-queue.js";
import { claimQueueScripts } from "../src/claim-queue/claim-queue-scripts.js";
import { Worker, type WorkerRecord } from "../src/claim-queue/worker.js";
import { RedisFencedResource } from "../src/fenced/fenced.js";
import { LeaseManager } from "../src/lease/lease.js";
import { mailboxScripts } from "../src/mailbox/mailbox-scripts.js";
import { syncScripts } from "../src/sync-coordinator/sync-scripts.js";
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
import { queueConfig, sleep } from "./support/queue-config.js";

const CONFIG: Core.Config = queueConfig({ leaseTtlMs: 2_000, heartbeatIntervalMs: 200 });

describe("the runtime on a three-master Redis Cluster", () => {
  let cluster: TestCluster;
  let client: Cluster;
  let node: Redis;
  let calls: ScriptCall[];
  let crossings: () => ScriptCall[];
  beforeAll(async () => {
    cluster = await startCluster();
    client = cluster.client();
    node = cluster.nodeClient(cluster.nodes[0]!);
    ({ calls, crossings } = observeScripts([client]));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("the cluster has three masters sharing the 16384 slots", async () => {
    const ranges = await node.cluster("SLOTS");
    const masters = new Set(ranges.map((r) => r[2]?.[1]));
    expect(masters).toEqual(new Set(cluster.nodes.map((n) => n.port)));
    expect(ranges.reduce((sum, [from, to]) => sum + (to - from + 1), 0)).toBe(16384);
  });

  it("leases on three masters: acquire, renew, release, busy, fencing tokens, withLease", async () => {
    const leases = new LeaseManager(client, { leaseTtlMs: 500, heartbeatIntervalMs: 100 });
    const names = await namesOnDistinctMasters(node, "lease-", 3, (n) => leases.key(n));
    expect(new Set(names.map((n) => n.slot)).size).toBe(3);
    expect(new Set(names.map((n) => n.master)).size).toBe(3);
    for (const { name, slot } of names) {
      expect(Number(await node.cluster("KEYSLOT", leases.key(name)))).toBe(slot);
      const granted = await leases.acquire(name, "a");
      expect(granted).toMatchObject({ _tag: "Granted", token: 1, reclaimed: false });
      if (granted._tag !== "Granted") throw new Error("unreachable");
      expect(await leases.acquire(name, "b")).toMatchObject({ _tag: "Busy", holder: "a" });
      expect(await leases.renew(name, "a", granted.token)).toMatchObject({ _tag: "Renewed" });
      expect(await leases.release(name, "b", granted.token)).toMatchObject({ _tag: "NotOwner" });
      expect(await leases.release(name, "a", granted.token)).toEqual({ _tag: "Released" });
      expect(await leases.acquire(name, "b")).toMatchObject({ _tag: "Granted", token: 2 });
      expect(await leases.state(name)).toMatchObject({ holder: "b", token: 2 });
      expect(await leases.release(name, "b", 2)).toEqual({ _tag: "Released" });
    }
    // withLease on each master at once, past several TTLs (only the renewals keep the leases).
    const fenced = new RedisFencedResource(client);
    const tokens = await Promise.all(
      names.map(({ name }) =>
        leases.withLease(name, "c", async (signal, grant) => {
          await sleep(1_200);
          expect(signal.aborted).toBe(false);
          expect(await fenced.fencedWrite(name, grant.token, "done")).toMatchObject({ _tag: "Accepted" });
          expect(await fenced.fencedWrite(name, grant.token - 1, "late")).toMatchObject({
            _tag: "StaleToken",
          });
          return grant.token;
        }),
      ),
    );
    expect(tokens).toEqual([3, 3, 3]);
    for (const { name } of names) {
      expect(await leases.state(name)).toMatchObject({ holder: null, token: 3 });
      expect(await fenced.state(name)).toMatchObject({ highestToken: 3, value: "done", writeCount: 1 });
    }
  });

  it("claim queues on three masters: enqueue, claim and ack through a Worker, nothing lost", async () => {
    const picked = await namesOnDistinctMasters(node, "queue-", 3, (n) => `interleave:{${n}}:config`);
    const queues = await Promise.all(
      picked.map(({ name }) => ClaimQueue.open(client, { name, config: CONFIG })),
    );
    // Every key of a queue is in its slot; the three queues' slots differ and belong to different masters.
    for (const [i, q] of queues.entries()) {
      for (const key of [`${q.base}:config`, `${q.base}:ready`, q.itemKey("s0")]) {
        expect(Number(await node.cluster("KEYSLOT", key))).toBe(picked[i]!.slot);
      }
    }
    expect(new Set(picked.map((p) => p.slot)).size).toBe(3);
    expect(new Set(picked.map((p) => p.master)).size).toBe(3);

    const scopes = Array.from({ length: 40 }, (_, i) => `s${i}`);
    for (const q of queues) {
      for (const scope of scopes) {
        expect((await q.enqueue(scope, JSON.stringify({ scope }))).result).toMatchObject({
          _tag: "Enqueued",
          merged: false,
        });
      }
      // Upsert-merge on the cluster too.
      expect((await q.enqueue("s0")).result).toMatchObject({ _tag: "Enqueued", merged: true });
    }
    const handled = queues.map(() => new Set<string>());
    const records: WorkerRecord[] = [];
    const workers = queues.map(
      (q, i) =>
        new Worker(
          q,
          async (item) => {
            expect(JSON.parse(String(item.payload ?? "null"))).toEqual({ scope: item.scope });
            handled[i]!.add(item.scope);
            return "ok";
          },
          { holder: `worker-${i}`, concurrency: 4, pollIntervalMs: 5, onRecord: (r) => records.push(r) },
        ),
    );
    try {
      for (const q of queues) {
        for (;;) {
          const counts = await q.counts();
          if (counts.ready + counts.claimed + counts.delayed === 0) break;
          await sleep(10);
        }
      }
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
    for (const [i, q] of queues.entries()) {
      expect(handled[i]).toEqual(new Set(scopes));
      const { state } = await q.snapshot();
      expect(state.items).toEqual({});
      expect(state.deadLetters).toEqual({});
      expect(await q.counts()).toMatchObject({
        ready: 0,
        delayed: 0,
        claimed: 0,
        deadLettered: 0,
        corrupt: 0,
      });
    }
    // The owner events one by one on each master: heartbeat, then ack, of a claimed item.
    for (const q of queues) {
      await q.enqueue("owned");
      const [item] = (await q.claim("op", 1)).items;
      expect(item?.scope).toBe("owned");
      expect((await q.heartbeat("owned", item!.token)).result).toMatchObject({ _tag: "Renewed" });
      expect((await q.ack("owned", item!.token)).result).toMatchObject({ _tag: "Acked", owned: true });
    }
    const acks = records.filter((r) => r.kind === "ack");
    expect(acks.length).toBe(3 * scopes.length);
    for (const ack of acks) expect(ack.result).toMatchObject({ _tag: "Acked", owned: true, deleted: true });
  });

  it("a malformed item is moved aside on the cluster (keys derived inside the script stay in the slot)", async () => {
    const q = await ClaimQueue.open(client, { name: "corrupt-on-cluster", config: CONFIG });
    await q.enqueue("good");
    await q.enqueue("bad");
    await client.hset(q.itemKey("bad"), "a", "not-a-number");
    const outcome = await q.claim("a", 8);
    expect(outcome.items.map((i) => i.scope)).toEqual(["good"]);
    expect(outcome.corrupt.map((e) => e.key)).toEqual([q.itemKey("bad")]);
    expect(await client.hget(`${q.base}:corrupt:bad`, "a")).toBe("not-a-number");
    expect(await client.sismember(`${q.base}:corrupt`, "bad")).toBe(1);
    expect((await q.ack("good", outcome.items[0]!.token)).result).toMatchObject({
      owned: true,
      deleted: true,
    });
  });

  it("every lease, fenced and claim-queue script ran for three instances on three masters, each call's KEYS in the instance's slot", async () => {
    const scripts = luaScripts().filter((s) => /^(lease|fenced|claimQueue)-/.test(s));
    expect(scripts.filter((s) => s.startsWith("claimQueue-"))).toEqual([...claimQueueScripts.files].sort());
    expect(crossings()).toEqual([]);
    const tags = tagsPerScript(calls, [...scripts, "config-init-2"]);
    for (const [script, seen] of Object.entries(tags)) {
      expect({ script, count: seen.length >= 3 }).toEqual({ script, count: true });
    }
    // The slots computed for the observed keys (cluster-key-slot, as ioredis routes) are the server's.
    const keys = [...new Set(calls.flatMap((c) => c.keys))];
    expect(keys.length).toBeGreaterThan(100);
    for (const key of keys) expect(Number(await node.cluster("KEYSLOT", key))).toBe(slotOf(key));
  });

  it("a script called with the KEYS of two instances is refused by the cluster (CROSSSLOT) and flagged", async () => {
    const [a, b] = await namesOnDistinctMasters(node, "cross-", 2, (n) => `interleave:{${n}}:mb:config`);
    const keys = [`interleave:{${a!.name}}:mb:config`, `interleave:{${b!.name}}:mb:state`];
    mailboxScripts.define(client);
    const before = calls.length;
    await expect(
      mailboxScripts.run(client, "mailbox-snapshot-2", keys, [`interleave:{${a!.name}}:mb`]),
    ).rejects.toThrow(/CROSSSLOT/);
    expect(calls.slice(before).map((c) => c.script)).toEqual(["mailbox-snapshot-2"]);
    expect(crossings().map((c) => c.keys)).toEqual([keys]);
    calls.splice(before); // leave the other tests' record clean
  });

  it("every script of src/lua belongs to a machine whose cluster test observes it", () => {
    const observedHere = /^(lease|fenced|claimQueue|config)-/;
    const elsewhere = [...mailboxScripts.files, ...syncScripts.files] as string[];
    expect(luaScripts().filter((s) => !observedHere.test(s) && !elsewhere.includes(s))).toEqual([]);
  });
});
