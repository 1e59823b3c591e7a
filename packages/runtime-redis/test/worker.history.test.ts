// History check of the Redis claim queue under concurrency: one queue, three Worker instances in this process
// (each on its own ioredis client) × concurrency 4, 200 scopes with re-enqueues while they run, some handlers
// retrying, failing, or stalling past their claim on a worker without heartbeats. Every enqueue, claim,
// heartbeat, ack, retry, fail and release is recorded with the server time the script used; a checker then
// verifies: no two live claims of one item overlap; no ack/retry/fail/release by a non-holder took effect;
// every enqueue is covered by a later claim that was acked or dead-lettered; fencing tokens strictly increase
// per item (the checker is test/support/history.ts; worker.processes.test.ts runs it over worker processes).
// The same calls, recorded around their Redis calls, are checked for linearizability against the core
// ClaimQueue, item by item (support/lincheck.ts).

import type { ClaimQueue as Core } from "@interleave/core";
import { describe, expect, it } from "vitest";
import { ClaimQueue } from "../src/claim-queue/claim-queue.js";
import { Worker, type WorkerRecord } from "../src/claim-queue/worker.js";
import { type CallRecord, CLAIM_QUEUE_CALLS, recordCalls } from "./support/calls.js";
import { checkHistory, type HistoryEntry } from "./support/history.js";
import { assertLinearizable, claimQueueOps, claimQueueSpec, HISTORY_FILES } from "./support/lincheck.js";
import { queueConfig, sleep } from "./support/queue-config.js";
import { useRedis } from "./support/redis.js";

const CONFIG: Core.ResolvedConfig = queueConfig({
  leaseTtlMs: 100,
  heartbeatIntervalMs: 25,
  retryBackoffBaseMs: 5,
  claimBatchSizeMax: 4,
  itemCountMax: 10_000,
});

describe("history of 3 workers × concurrency 4 on one queue", () => {
  const redis = useRedis();

  it("the checker finds overlapping claims, non-holder acks and lost enqueues", () => {
    const claimed = (holder: string, token: number, atMs: number): WorkerRecord => ({
      holder,
      kind: "claim",
      scope: "s",
      token,
      atMs,
      result: {
        _tag: "Claimed",
        claims: [
          {
            scope: "s",
            token,
            expiresAtMs: atMs + 100,
            attemptCount: 0,
            updatedAtMs: atMs,
            reclaimed: false,
          },
        ],
      },
    });
    const bad: HistoryEntry[] = [
      { kind: "enqueue", scope: "s", atMs: 0 },
      claimed("a", 1, 1),
      claimed("b", 2, 50),
      {
        holder: "a",
        kind: "ack",
        scope: "s",
        token: 2,
        atMs: 60,
        result: { _tag: "Acked", owned: true, deleted: true, requeued: false },
      },
    ];
    const violations = checkHistory(bad);
    expect(violations.some((v) => v.includes("overlaps"))).toBe(true);
    expect(violations.some((v) => v.includes("without its claim"))).toBe(true);
    expect(violations.some((v) => v.includes("never acked"))).toBe(true);
  });

  it("keeps every property", async () => {
    const name = "history";
    const calls: CallRecord[] = [];
    const queues = await Promise.all(
      ["producer", "a", "b", "c"].map(async (caller) =>
        recordCalls(
          await ClaimQueue.open(redis.client(), { name, config: CONFIG }),
          CLAIM_QUEUE_CALLS,
          caller,
          (r) => calls.push(r),
        ),
      ),
    );
    const [producer, ...workerQueues] = queues as [ClaimQueue, ...ClaimQueue[]];
    const history: HistoryEntry[] = [];
    const onRecord = (r: WorkerRecord) => history.push(r);
    const stalled = new Set<string>();
    const attempts = new Map<string, number>();
    // The probe makes one re-enqueue-while-claimed certain, whatever the machine's speed: its handler waits
    // until the test has enqueued it again, so its ack must report `requeued`.
    let probeClaimed: () => void = () => {};
    const probeRunning = new Promise<void>((resolve) => {
      probeClaimed = resolve;
    });
    let releaseProbe: () => void = () => {};
    const probeReleased = new Promise<void>((resolve) => {
      releaseProbe = resolve;
    });
    const handler = (holder: string) => async (item: { scope: string }, signal: AbortSignal) => {
      if (item.scope === "probe") {
        // only a heartbeating worker holds the probe while the test re-enqueues it
        if (holder !== "c" && !stalled.has("probe")) {
          stalled.add("probe");
          probeClaimed();
          await probeReleased;
        }
        return "ok" as const;
      }
      const i = Number(item.scope.slice(1));
      const seen = (attempts.get(item.scope) ?? 0) + 1;
      attempts.set(item.scope, seen);
      if (holder === "c" && i % 10 === 0 && !stalled.has(item.scope)) {
        stalled.add(item.scope); // outlives its claim: this worker sends no heartbeats
        await new Promise<void>((resolve) =>
          signal.addEventListener("abort", () => resolve(), { once: true }),
        );
        await sleep(30);
        return "ok" as const;
      }
      await sleep(i % 4);
      if (i % 31 === 0) return { fail: "permanent" };
      if (i % 7 === 0 && seen === 1) return { retry: "transient" };
      return "ok" as const;
    };
    const workers = ["a", "b", "c"].map(
      (holder, k) =>
        new Worker(workerQueues[k]!, handler(holder), {
          holder,
          concurrency: 4,
          pollIntervalMs: 2,
          heartbeatIntervalMs: holder === "c" ? null : CONFIG.heartbeatIntervalMs,
          onRecord,
        }),
    );
    const enqueue = async (scope: string) => {
      const { atMs, result } = await producer.enqueue(scope);
      expect(result._tag).toBe("Enqueued");
      history.push({ kind: "enqueue", scope, atMs });
    };
    await enqueue("probe");
    for (let i = 0; i < 200; i++) {
      await enqueue(`s${i}`);
      if (i % 3 === 0 && i >= 10) await enqueue(`s${i - 10}`); // re-enqueue, often while claimed
    }
    let probeHeld = false;
    void probeRunning.then(() => {
      probeHeld = true;
    });
    while (!probeHeld) {
      await sleep(20);
      if (!probeHeld) await enqueue("probe"); // worker c took it without holding it: offer it again
    }
    await enqueue("probe");
    releaseProbe();
    for (;;) {
      const counts = await producer.counts();
      if (counts.ready + counts.delayed + counts.claimed === 0) break;
      await sleep(10);
    }
    await Promise.all(workers.map((w) => w.close()));
    await sleep(50); // late acks of aborted handlers settle before the check
    expect(history.filter((e) => e.kind === "claim").length).toBeGreaterThanOrEqual(200);
    expect(history.some((e) => e.kind === "ack" && e.result._tag === "Acked" && !e.result.owned)).toBe(true);
    expect(history.some((e) => e.kind === "ack" && e.result._tag === "Acked" && e.result.requeued)).toBe(
      true,
    );
    expect(checkHistory(history)).toEqual([]);
    assertLinearizable(
      "worker.history",
      claimQueueOps(calls),
      claimQueueSpec(CONFIG),
      HISTORY_FILES.claimQueue(CONFIG),
    );
    const { state } = await producer.snapshot();
    expect(state.items).toEqual({});
  });
});
