// The Worker over the Redis claim queue: concurrency, heartbeats that keep a long handler's claim, a stalled
// handler that loses its claim (signal aborted, late ack rejected, another worker completes the item),
// retry with the core's backoff and dead-lettering, graceful close, seed 002's owned-but-not-deleted hook,
// and a malformed item surfaced to a hook while the loop keeps running.

import type { ClaimQueue as Core } from "@interleave/core";
import { Effect } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { ClaimQueue } from "../src/claim-queue/claim-queue.js";
import { ClaimQueueService, runWorker } from "../src/claim-queue/claim-queue-effect.js";
import {
  type OwnedNotDeletedError,
  Worker,
  type WorkerOptions,
  type WorkerRecord,
} from "../src/claim-queue/worker.js";
import type { CorruptValueError } from "../src/shared/errors.js";
import { queueConfig, sleep } from "./support/queue-config.js";
import { useRedis } from "./support/redis.js";

const CONFIG: Core.Config = queueConfig();

/** Resolves when `check()` holds, polling every 5 ms (no deadline: the test timeout bounds it). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(5);
}
const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));

describe("Worker", () => {
  const redis = useRedis();
  let n = 0;
  const workers: Worker[] = [];
  const open = (config: Partial<Core.ResolvedConfig> = {}) =>
    ClaimQueue.open(redis.client(), { name: `w${++n}`, config: { ...CONFIG, ...config } });
  const track = (w: Worker) => {
    workers.push(w);
    return w;
  };
  /** A tracked worker "w" polling every 5 ms whose handler acks every item and records its scope in `done`. */
  const recordingWorker = (q: ClaimQueue, done: string[], options: Partial<WorkerOptions> = {}) =>
    track(
      new Worker(
        q,
        async (item) => {
          done.push(item.scope);
          return "ok";
        },
        { holder: "w", pollIntervalMs: 5, ...options },
      ),
    );
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close(0)));
  });

  it("accepts the deprecated option names heartbeatEveryMs and pollEveryMs, and names them in errors", async () => {
    const q = await open();
    const old = track(
      new Worker(q, async () => "ok", { holder: "old", heartbeatEveryMs: 7, pollEveryMs: 9 }),
    );
    expect([old.heartbeatIntervalMs, old.pollIntervalMs, old.heartbeatEveryMs, old.pollEveryMs]).toEqual([
      7, 9, 7, 9,
    ]);
    const none = track(new Worker(q, async () => "ok", { holder: "none", heartbeatIntervalMs: null }));
    expect(none.heartbeatIntervalMs).toBeNull();
    expect(() => new Worker(q, async () => "ok", { holder: "bad", pollEveryMs: 0 })).toThrow(/pollEveryMs/);
    expect(() => new Worker(q, async () => "ok", { holder: "bad", pollIntervalMs: 0 })).toThrow(
      /pollIntervalMs/,
    );
  });

  it("runs handlers up to its concurrency and acks every item", async () => {
    const q = await open();
    for (let i = 0; i < 20; i++) await q.enqueue(`s${i}`);
    let active = 0;
    let maxActive = 0;
    let fourRunning!: () => void;
    const gate = new Promise<void>((resolve) => {
      fourRunning = resolve;
    });
    const done: string[] = [];
    track(
      new Worker(
        q,
        async (item) => {
          active += 1;
          maxActive = Math.max(maxActive, active);
          if (active === 4) fourRunning();
          await gate;
          active -= 1;
          done.push(item.scope);
          return "ok";
        },
        { holder: "w", concurrency: 4, pollIntervalMs: 5 },
      ),
    );
    await until(() => done.length === 20);
    expect(maxActive).toBe(4);
    await until(async () => (await q.snapshot()).state.items.s19 === undefined);
    expect(await q.counts()).toMatchObject({ ready: 0, delayed: 0, claimed: 0, deadLettered: 0 });
  });

  it("heartbeats keep a handler's claim past leaseTtlMs: no one else claims it, its signal stays quiet", async () => {
    const q = await open({ leaseTtlMs: 150, heartbeatIntervalMs: 30 });
    await q.enqueue("long");
    const records: WorkerRecord[] = [];
    let signalAborted = false;
    track(
      new Worker(
        q,
        async (_item, signal) => {
          await sleep(700);
          signalAborted = signal.aborted;
          return "ok";
        },
        { holder: "a", pollIntervalMs: 5, onRecord: (r) => records.push(r) },
      ),
    );
    const other: WorkerRecord[] = [];
    track(
      new Worker(q, async () => "ok", { holder: "b", pollIntervalMs: 5, onRecord: (r) => other.push(r) }),
    );
    await until(() => records.some((r) => r.kind === "ack"));
    expect(signalAborted).toBe(false);
    expect(records.filter((r) => r.kind === "heartbeat").length).toBeGreaterThan(0);
    expect(records.find((r) => r.kind === "ack")?.result).toMatchObject({ owned: true, deleted: true });
    expect(other.filter((r) => r.kind === "claim")).toEqual([]);
  });

  it("a stalled handler loses its claim: its signal aborts, its late ack is rejected, another worker completes the item", async () => {
    const q = await open({ leaseTtlMs: 150, heartbeatIntervalMs: 30 });
    await q.enqueue("stuck");
    const records: WorkerRecord[] = [];
    let reasonSeen: unknown;
    const onRecord = (r: WorkerRecord) => records.push(r);
    track(
      new Worker(
        q,
        async (_item, signal) => {
          await aborted(signal); // stands for a handler stuck on a never-resolving call
          reasonSeen = signal.reason;
          await until(() => records.some((r) => r.holder === "b" && r.kind === "ack"));
          return "ok";
        },
        { holder: "a", heartbeatIntervalMs: null, pollIntervalMs: 5, onRecord },
      ),
    );
    await until(() => records.some((r) => r.kind === "claim"));
    track(new Worker(q, async () => "ok", { holder: "b", pollIntervalMs: 5, onRecord }));
    await until(() => records.some((r) => r.holder === "a" && r.kind === "ack"));
    expect(String(reasonSeen)).toMatch(/lost/);
    const claims = records.filter((r) => r.kind === "claim");
    expect(claims.map((r) => r.holder)).toEqual(["a", "b"]);
    expect(claims[1]!.token).toBeGreaterThan(claims[0]!.token);
    expect(records.find((r) => r.holder === "b" && r.kind === "ack")?.result).toMatchObject({ owned: true });
    expect(records.find((r) => r.holder === "a" && r.kind === "ack")?.result).toEqual({
      _tag: "Acked",
      owned: false,
      deleted: false,
      requeued: false,
    });
  });

  it("retries with the core's capped backoff, then dead-letters at attemptsMax; fail and throw are handled", async () => {
    const q = await open();
    await q.enqueue("flaky");
    await q.enqueue("doomed");
    await q.enqueue("throws");
    const records: WorkerRecord[] = [];
    track(
      new Worker(
        q,
        async (item) => {
          if (item.scope === "doomed") return { fail: "permanent" };
          if (item.scope === "throws") throw new Error("kaboom");
          return { retry: `attempt ${item.attemptCount}` };
        },
        { holder: "w", concurrency: 3, pollIntervalMs: 2, onRecord: (r) => records.push(r) },
      ),
    );
    await until(async () => (await q.counts()).deadLettered === 3);
    const flaky = records.filter((r) => r.scope === "flaky" && r.kind === "retry");
    expect(flaky.map((r) => r.result)).toEqual([
      { _tag: "Retried", scope: "flaky", attemptCount: 1, notBeforeMs: flaky[0]!.atMs + 10 },
      { _tag: "Retried", scope: "flaky", attemptCount: 2, notBeforeMs: flaky[1]!.atMs + 20 },
      { _tag: "DeadLettered", scope: "flaky", attemptCount: 3 },
    ]);
    const { state } = await q.snapshot();
    expect(state.deadLetters.doomed).toMatchObject({ attemptCount: 1, lastError: "permanent" });
    expect(state.deadLetters.throws).toMatchObject({ attemptCount: 3, lastError: "kaboom" });
    expect(state.deadLetters.flaky).toMatchObject({ attemptCount: 3, lastError: "attempt 2" });
  });

  it("close() waits for a handler that finishes, then gives back the claims still held", async () => {
    const q = await open();
    await q.enqueue("quick");
    await q.enqueue("slow");
    const records: WorkerRecord[] = [];
    let finishQuick!: () => void;
    const quickGate = new Promise<void>((resolve) => {
      finishQuick = resolve;
    });
    let slowSignal: AbortSignal | undefined;
    const w = new Worker(
      q,
      async (item, signal) => {
        if (item.scope === "quick") {
          await quickGate;
          return "ok";
        }
        slowSignal = signal;
        await new Promise(() => {}); // never resolves
        return "ok";
      },
      { holder: "w", concurrency: 2, pollIntervalMs: 5, onRecord: (r) => records.push(r) },
    );
    await until(() => w.activeCount === 2);
    const closing = w.close(300);
    await sleep(20);
    expect(slowSignal?.aborted).toBe(false); // still waiting, nothing aborted
    finishQuick();
    await closing;
    expect(records.find((r) => r.scope === "quick" && r.kind === "ack")?.result).toMatchObject({
      owned: true,
    });
    expect(records.find((r) => r.scope === "slow" && r.kind === "release")?.result).toEqual({
      _tag: "Released",
      scope: "slow",
    });
    expect(slowSignal?.aborted).toBe(true);
    const { state } = await q.snapshot();
    expect(state.items.slow).toMatchObject({ claim: null, attemptCount: 0 });
    expect(await q.counts()).toMatchObject({ ready: 1, claimed: 0 });
  });

  it("surfaces owned && !deleted as OwnedNotDeletedError to the hook and the logger, and keeps running", async () => {
    const q = await open();
    const realAck = q.ack.bind(q);
    let first = true;
    q.ack = async (scope, token) => {
      const timed = await realAck(scope, token);
      if (!first) return timed;
      first = false;
      return { atMs: timed.atMs, result: { _tag: "Acked", owned: true, deleted: false, requeued: false } };
    };
    await q.enqueue("x");
    await q.enqueue("y");
    const errors: OwnedNotDeletedError[] = [];
    const logged: string[] = [];
    const done: string[] = [];
    recordingWorker(q, done, {
      onOwnedNotDeleted: (e) => errors.push(e),
      logger: { error: (m) => logged.push(m), warn: (m) => logged.push(m) },
    });
    await until(() => done.length === 2 && errors.length === 1);
    expect(errors[0]?.name).toBe("OwnedNotDeletedError");
    expect(logged.some((m) => /owned=true, deleted=false/.test(m))).toBe(true);
  });

  it("seed 002 drain loop that ignored AckSuccess's result: no owned ack leaves its item behind, and a forged owned && !deleted is never silent on either ack path", async () => {
    // 1. The queue itself: an owned ack deletes, however often the holder's heartbeats bumped the item, and
    //    whether it is sent alone (ack) or with the next claim (ackAndClaim). Its result is never owned && !deleted.
    const q = await open();
    const acks: Core.Result[] = [];
    for (const [scope, path] of [
      ["alone", "ack"],
      ["with-claim", "ackAndClaim"],
    ] as const) {
      await q.enqueue(scope);
      const [item] = (await q.claim("drain", 1)).items;
      for (let i = 0; i < 3; i++) expect((await q.heartbeat(scope, item!.token)).result._tag).toBe("Renewed");
      const acked =
        path === "ack"
          ? (await q.ack(scope, item!.token)).result
          : (await q.ackAndClaim(scope, item!.token, "drain", 1)).ack.result;
      acks.push(acked);
    }
    expect(acks).toEqual([
      { _tag: "Acked", owned: true, deleted: true, requeued: false },
      { _tag: "Acked", owned: true, deleted: true, requeued: false },
    ]);
    expect(await q.counts()).toMatchObject({ ready: 0, claimed: 0 });

    // 2. The Worker (the drain loop done right): even if an ack did answer owned && !deleted, on the
    //    batched ack-and-claim path it uses by default, the item is reported to the hook and the logger (not
    //    passed over in silence), and the loop keeps draining.
    const forged = await open();
    const realAckManyAndClaim = forged.ackManyAndClaim.bind(forged);
    let first = true;
    forged.ackManyAndClaim = async (acks, holder, batchSize) => {
      const both = await realAckManyAndClaim(acks, holder, batchSize);
      if (!first) return both;
      first = false;
      const silent: Core.Result = { _tag: "Acked", owned: true, deleted: false, requeued: false };
      return {
        acks: [{ atMs: both.acks[0]!.atMs, result: silent }, ...both.acks.slice(1)],
        claim: both.claim,
      };
    };
    await forged.enqueue("x");
    await forged.enqueue("y");
    const errors: OwnedNotDeletedError[] = [];
    const logged: string[] = [];
    const done: string[] = [];
    recordingWorker(forged, done, {
      onOwnedNotDeleted: (e) => errors.push(e),
      logger: { error: (m) => logged.push(m), warn: (m) => logged.push(m) },
    });
    await until(() => done.length === 2 && errors.length === 1);
    expect(errors[0]).toMatchObject({ name: "OwnedNotDeletedError", scope: "x" });
    expect(logged.some((m) => /owned=true, deleted=false/.test(m))).toBe(true);
  });

  it("a malformed item found by claim reaches onCorrupt, is moved aside, and the loop keeps running", async () => {
    const q = await open();
    await q.enqueue("bad");
    await q.enqueue("good");
    await q.redis.hset(q.itemKey("bad"), "e", "{}");
    const corrupt: CorruptValueError[] = [];
    const done: string[] = [];
    recordingWorker(q, done, { onCorrupt: (e) => corrupt.push(e) });
    await until(() => done.includes("good") && corrupt.length === 1);
    expect(corrupt[0]?.key).toBe(q.itemKey("bad"));
    expect(await q.redis.exists(`${q.base}:corrupt:bad`)).toBe(1);
    await q.enqueue("later");
    await until(() => done.includes("later"));
  });

  it("Effect API: runWorker interrupts the handler's fiber when its claim is lost, and closes with its scope", async () => {
    const q = await open({ leaseTtlMs: 150, heartbeatIntervalMs: 30 });
    await q.enqueue("e");
    let interrupted = false;
    const records: WorkerRecord[] = [];
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          yield* runWorker(
            () =>
              Effect.never.pipe(
                Effect.onInterrupt(() =>
                  Effect.sync(() => {
                    interrupted = true;
                  }),
                ),
              ),
            { holder: "fx", heartbeatIntervalMs: null, pollIntervalMs: 5, onRecord: (r) => records.push(r) },
          );
          yield* Effect.promise(() => until(() => interrupted));
        }),
      ).pipe(Effect.provideService(ClaimQueueService, q)),
    );
    expect(interrupted).toBe(true);
    // Nobody took the expired claim over, so (as in the core) its token still owns the item: the retry counts.
    expect(records.find((r) => r.kind === "retry")?.result).toMatchObject({
      _tag: "Retried",
      attemptCount: 1,
    });
  });
});
