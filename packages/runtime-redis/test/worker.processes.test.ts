// History check with real processes (issue 7, "History check"): three worker processes × concurrency 4 on one
// Redis claim queue, 150 scopes enqueued by this process with re-enqueues while they run (some of claimed items); handlers sleep a few
// ms, retry once (every 7th scope), fail (every 31st), and one process sends no heartbeats and stalls on every
// 5th scope until its claim is lost, then acks late. Every claim, heartbeat, ack, retry, fail and release each
// process made is recorded with the Redis server time; the merged history must satisfy the checker
// (support/history.ts): no two live claims of one item overlap; no ack or retry by a non-holder took effect;
// every enqueued scope was acked or dead-lettered; fencing tokens strictly increase per item. The same calls,
// recorded around their Redis calls, are checked for linearizability against the core ClaimQueue, item by
// item (support/lincheck.ts).

import type { ClaimQueue as Core } from "@interleave/core";
import { describe, expect, it } from "vitest";
import { ClaimQueue } from "../src/claim-queue/claim-queue.js";
import { type CallRecord, CLAIM_QUEUE_CALLS, callRecords, recordCalls } from "./support/calls.js";
import { checkHistory, type HistoryEntry } from "./support/history.js";
import { assertLinearizable, claimQueueOps, claimQueueSpec, HISTORY_FILES } from "./support/lincheck.js";
import { queueConfig, sleep } from "./support/queue-config.js";
import { useRedis } from "./support/redis.js";
import { killWorkerProcesses, startWorkerProcess, workerRecords } from "./support/worker-process.js";

const CONFIG: Core.ResolvedConfig = queueConfig({
  leaseTtlMs: 300,
  heartbeatIntervalMs: 100,
  retryBackoffCapMs: 40,
  claimBatchSizeMax: 4,
  itemCountMax: 10_000,
});

describe("several processes × several workers on one Redis", () => {
  const redis = useRedis({}, killWorkerProcesses);

  it("3 worker processes × concurrency 4, 150 scopes with re-enqueues: the merged history keeps every property", async () => {
    const name = "processes";
    const calls: CallRecord[] = [];
    const producer = recordCalls(
      await ClaimQueue.open(redis.client(), { name, config: CONFIG }),
      CLAIM_QUEUE_CALLS,
      "producer",
      (r) => calls.push(r),
    );
    const processes = await Promise.all(
      ["p1", "p2", "p3"].map((holder) =>
        startWorkerProcess({
          url: redis.url,
          queue: name,
          config: CONFIG,
          holder,
          concurrency: 4,
          pollIntervalMs: 5,
          heartbeatIntervalMs: holder === "p3" ? null : CONFIG.heartbeatIntervalMs,
          behaviour: {
            jitter: true,
            failEvery: 31,
            retryOnceEvery: 7,
            ...(holder === "p3" ? { stall: { every: 5 } } : {}),
          },
        }),
      ),
    );
    const history: HistoryEntry[] = [];
    const enqueue = async (scope: string) => {
      const { atMs, result } = await producer.enqueue(scope);
      expect(result._tag).toBe("Enqueued");
      history.push({ kind: "enqueue", scope, atMs });
    };
    for (let i = 0; i < 150; i++) {
      await enqueue(`s${i}`);
      if (i % 3 === 0 && i >= 10) await enqueue(`s${i - 10}`); // re-enqueue, sometimes while claimed
      if (i % 25 === 24) {
        // Re-enqueue the items claimed right now (read from the queue's claimed index; p3's stalled ones stay
        // claimed for a lease): the Ack of their claim must requeue them.
        const claimed = await producer.redis.zrange(`${producer.base}:claimed`, "0", "-1");
        for (const scope of claimed) await enqueue(scope);
      }
    }
    for (;;) {
      const counts = await producer.counts();
      if (counts.ready + counts.delayed + counts.claimed === 0) break;
      await sleep(20);
    }
    await Promise.all(processes.map((p) => p.close()));
    for (const p of processes) expect(await p.exited).toEqual({ code: 0, signal: null });

    const records = processes.flatMap((p) => workerRecords(p.records()));
    history.push(...records);
    const claims = records.filter((r) => r.kind === "claim");
    expect(claims.length).toBeGreaterThanOrEqual(150);
    for (const holder of ["p1", "p2", "p3"]) expect(claims.some((c) => c.holder === holder)).toBe(true);
    // The faults the checker must see through happened: a stalled claim was taken over by another process
    // (its late ack rejected), an enqueue arrived while its item was claimed, an item was dead-lettered.
    const holdersOf = new Map<string, Set<string>>();
    for (const c of claims) holdersOf.set(c.scope, (holdersOf.get(c.scope) ?? new Set()).add(c.holder));
    expect([...holdersOf.values()].some((h) => h.size > 1)).toBe(true);
    expect(records.some((r) => r.result._tag === "Acked" && !r.result.owned)).toBe(true);
    expect(records.some((r) => r.result._tag === "Acked" && r.result.requeued)).toBe(true);
    expect(records.some((r) => r.result._tag === "DeadLettered")).toBe(true);
    expect(checkHistory(history)).toEqual([]);
    calls.push(...processes.flatMap((p) => callRecords(p.records())));
    assertLinearizable(
      "worker.processes",
      claimQueueOps(calls),
      claimQueueSpec(CONFIG),
      HISTORY_FILES.claimQueue(CONFIG),
    );
    const { state } = await producer.snapshot();
    expect(state.items).toEqual({});
    expect(Object.keys(state.deadLetters).sort()).toEqual(["s0", "s124", "s31", "s62", "s93"]);
  });
});
