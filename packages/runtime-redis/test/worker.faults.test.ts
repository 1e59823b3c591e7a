// Faults with real processes (issue 7): worker processes (support/worker-process.ts) on a private Redis, faulted
// the way an operator or the OS would: a worker SIGKILLed mid-handler; a worker SIGSTOPped past its claim and
// SIGCONTed (aborted handler, rejected late ack, rejected fenced write); Redis restarted with the append-only
// file on (nothing lost) and off (documented data loss; the workers reconnect and resume); dropped connections
// (no duplicate effect); client clock skew (no effect: the scripts use the server's clock). Claims last 400 ms
// and are heartbeated every 100 ms, loose enough for a loaded machine; every wait is bounded by the test's
// timeout, never by a timed assertion. Every queue and fenced-resource call of every process is recorded around
// its Redis call, and each test's history is checked for linearizability against the core ClaimQueue (item by
// item) and FencedResource (support/lincheck.ts), besides support/history.ts's checker.

import type { ClaimQueue as Core } from "@interleave/core";
import { describe, expect, it } from "vitest";
import { type ClaimedItem, ClaimQueue } from "../src/claim-queue/claim-queue.js";
import { Worker, type WorkerRecord } from "../src/claim-queue/worker.js";
import { RedisFencedResource } from "../src/fenced/fenced.js";
import { NotInitializedError } from "../src/shared/errors.js";
import { type CallRecord, CLAIM_QUEUE_CALLS, callRecords, recordCalls, wallMs } from "./support/calls.js";
import { checkHistory, type HistoryEntry } from "./support/history.js";
import {
  assertLinearizable,
  claimQueueOps,
  claimQueueSpec,
  FENCED_SPEC,
  fencedOps,
  HISTORY_FILES,
} from "./support/lincheck.js";
import { queueConfig, sleep } from "./support/queue-config.js";
import { type TestRedis, useRedis } from "./support/redis.js";
import {
  type ChildRecord,
  type ChildSpec,
  killWorkerProcesses,
  startWorkerProcess,
  type WorkerProcess,
  workerRecords,
} from "./support/worker-process.js";

const CONFIG: Core.ResolvedConfig = queueConfig({
  heartbeatIntervalMs: 100,
  retryBackoffCapMs: 40,
  claimBatchSizeMax: 4,
  itemCountMax: 10_000,
});
const TEST_TIMEOUT_MS = 20_000;

/** Resolves when `check()` holds, polling every 10 ms (no deadline: the test timeout bounds it). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(10);
}
/** Server time in ms (Redis `TIME`). */
async function serverMs(redis: TestRedis): Promise<number> {
  const [seconds, micros] = await redis.client().time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
const ofKind = <K extends ChildRecord["kind"]>(records: readonly ChildRecord[], kind: K) =>
  records.filter((r): r is Extract<ChildRecord, { kind: K }> => r.kind === kind);
const ownedAcks = (records: readonly ChildRecord[]) =>
  workerRecords(records).filter((r) => r.kind === "ack" && r.result._tag === "Acked" && r.result.owned);

/** Starts worker processes on `redis` for queue `queue`, one per holder, sharing the other options. */
function startProcesses(
  redis: TestRedis,
  queue: string,
  holders: readonly string[],
  options: Partial<Omit<ChildSpec, "url" | "queue" | "holder" | "recordsPath">>,
): Promise<WorkerProcess[]> {
  return Promise.all(
    holders.map((holder) =>
      startWorkerProcess({
        url: redis.url,
        queue,
        config: CONFIG,
        holder,
        concurrency: 4,
        heartbeatIntervalMs: CONFIG.heartbeatIntervalMs,
        pollIntervalMs: 5,
        behaviour: {},
        ...options,
      }),
    ),
  );
}

/**
 * A producer that records each enqueue (scope and server time) for the history checker, and each of its
 * queue calls in `calls` (with `record`, any other in-process caller's calls too) for the linearizability check.
 */
async function producer(redis: TestRedis, name: string) {
  const calls: CallRecord[] = [];
  const record = (r: CallRecord) => calls.push(r);
  const queue = recordCalls(
    await ClaimQueue.open(redis.client(), { name, config: CONFIG }),
    CLAIM_QUEUE_CALLS,
    "producer",
    record,
  );
  const history: HistoryEntry[] = [];
  return {
    queue,
    history,
    calls,
    record,
    enqueue: async (scope: string) => {
      const { atMs, result } = await queue.enqueue(scope);
      expect(result._tag).toBe("Enqueued");
      history.push({ kind: "enqueue", scope, atMs });
    },
    empty: async () => {
      const c = await queue.counts();
      return c.ready + c.delayed + c.claimed === 0;
    },
  };
}

/** The calls of `p` and of `processes`, checked against the core ClaimQueue item by item. */
function assertQueueLinearizable(
  label: string,
  p: { readonly calls: readonly CallRecord[] },
  processes: readonly WorkerProcess[],
  epoch?: { readonly sinceMs?: number; readonly untilMs?: number },
): void {
  const calls = [...p.calls, ...processes.flatMap((w) => callRecords(w.records()))];
  assertLinearizable(
    label,
    claimQueueOps(calls, epoch),
    claimQueueSpec(CONFIG),
    HISTORY_FILES.claimQueue(CONFIG),
  );
}

describe("worker process faults", () => {
  const redis = useRedis({}, killWorkerProcesses);

  it(
    "a worker process SIGKILLed mid-handler: its claims expire, a worker in this process completes the items, nothing is lost",
    async () => {
      const p = await producer(redis, "sigkill");
      // The victim takes 3 items and never finishes them; its heartbeats keep the claims until it dies.
      const [victim] = await startProcesses(redis, "sigkill", ["victim"], {
        concurrency: 3,
        behaviour: { stall: "all" },
      });
      for (let i = 0; i < 6; i++) await p.enqueue(`kill-${i}`);
      await until(() => ofKind(victim!.records(), "start").length === 3);
      const held = ofKind(victim!.records(), "start");
      await until(() =>
        held.every((s) =>
          workerRecords(victim!.records()).some(
            (r) => r.kind === "heartbeat" && r.token === s.token && r.result._tag === "Renewed",
          ),
        ),
      );
      victim!.kill("SIGKILL");
      expect(await victim!.exited).toEqual({ code: null, signal: "SIGKILL" });

      const rescued: ClaimedItem[] = [];
      const records: WorkerRecord[] = [];
      const rescuer = new Worker(
        recordCalls(
          await ClaimQueue.open(redis.client(), { name: "sigkill", config: CONFIG }),
          CLAIM_QUEUE_CALLS,
          "rescuer",
          p.record,
        ),
        async (item) => {
          rescued.push(item);
          return "ok";
        },
        { holder: "rescuer", concurrency: 4, pollIntervalMs: 5, onRecord: (r) => records.push(r) },
      );
      await until(async () => rescued.length === 6 && (await p.empty()));
      await rescuer.close();

      expect(new Set(rescued.map((r) => r.scope)).size).toBe(6);
      for (const s of held) {
        // Taken over only after the victim's claim expired (reclaimed), with a newer fencing token.
        const taken = rescued.find((r) => r.scope === s.scope)!;
        expect(taken.reclaimed).toBe(true);
        expect(taken.token).toBeGreaterThan(s.token);
      }
      expect(
        ownedAcks(records)
          .map((r) => r.scope)
          .sort(),
      ).toEqual(["kill-0", "kill-1", "kill-2", "kill-3", "kill-4", "kill-5"]);
      expect(checkHistory([...p.history, ...workerRecords(victim!.records()), ...records])).toEqual([]);
      assertQueueLinearizable("worker.faults SIGKILL", p, [victim!]);
      expect((await p.queue.snapshot()).state.items).toEqual({});
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "a worker process SIGSTOPped past its claim, then SIGCONTed: its handler is aborted, its fenced write and its late ack are rejected",
    async () => {
      const p = await producer(redis, "sigstop");
      const [paused] = await startProcesses(redis, "sigstop", ["paused"], {
        concurrency: 1,
        behaviour: { stall: "all", fenced: true },
      });
      const scope = "stop-0";
      await p.enqueue(scope);
      // The handler wrote with its claim token as the fencing token, then waits on its signal.
      await until(() => ofKind(paused!.records(), "fenced").length === 1);
      const [first] = ofKind(paused!.records(), "fenced");
      expect(first!.result).toEqual({ _tag: "Accepted", token: first!.token });
      paused!.kill("SIGSTOP");

      // While it is stopped (no heartbeats), its claim expires and another holder takes the item over.
      const other = recordCalls(
        await ClaimQueue.open(redis.client(), { name: "sigstop", config: CONFIG }),
        CLAIM_QUEUE_CALLS,
        "taker",
        p.record,
      );
      let taken: ClaimedItem | undefined;
      await until(async () => {
        taken = (await other.claim("taker", 1)).items[0];
        return taken !== undefined;
      });
      expect(taken).toMatchObject({ scope, reclaimed: true });
      expect(taken!.token).toBeGreaterThan(first!.token);
      const store = recordCalls(new RedisFencedResource(redis.client()), ["fencedWrite"], "taker", p.record);
      expect(await store.fencedWrite(scope, taken!.token, "taker")).toEqual({
        _tag: "Accepted",
        token: taken!.token,
      });

      paused!.kill("SIGCONT");
      await until(() => workerRecords(paused!.records()).some((r) => r.kind === "ack"));
      const after = paused!.records();
      expect(ofKind(after, "aborted").map((r) => r.token)).toEqual([first!.token]);
      expect(ofKind(after, "fenced")[1]!.result).toEqual({
        _tag: "StaleToken",
        token: first!.token,
        highestToken: taken!.token,
      });
      expect(workerRecords(after).find((r) => r.kind === "ack")!.result).toEqual({
        _tag: "Acked",
        owned: false,
        deleted: false,
        requeued: false,
      });
      expect(await store.state(scope)).toEqual({ highestToken: taken!.token, value: "taker", writeCount: 2 });
      // The new holder still owns the item and finishes it; the resumed process keeps running.
      expect((await other.ack(scope, taken!.token)).result).toMatchObject({ owned: true, deleted: true });
      expect(paused!.alive).toBe(true);
      await paused!.close();
      assertQueueLinearizable("worker.faults SIGSTOP", p, [paused!]);
      const fencedCalls = [...p.calls, ...callRecords(paused!.records())];
      assertLinearizable(
        "worker.faults SIGSTOP fenced",
        fencedOps(fencedCalls),
        FENCED_SPEC,
        HISTORY_FILES.fenced,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "dropped connections (CLIENT KILL TYPE normal, repeatedly): the workers reconnect, no item is completed twice, all items finish",
    async () => {
      const name = "dropped";
      const p = await producer(redis, name);
      const admin = redis.client(); // CLIENT KILL skips the connection that sends it
      const processes = await startProcesses(redis, name, ["d1", "d2"], { behaviour: { sleepMs: 20 } });
      const scopes = Array.from({ length: 80 }, (_, i) => `drop-${i}`);
      for (const scope of scopes) await p.enqueue(scope);
      let kills = 0;
      for (let round = 0; round < 15; round++) {
        kills += Number(await admin.call("CLIENT", "KILL", "TYPE", "normal"));
        await sleep(50);
      }
      await until(p.empty);
      await Promise.all(processes.map((w) => w.close()));

      expect(kills).toBeGreaterThan(15);
      const all = processes.flatMap((w) => w.records());
      for (const w of processes) expect(ofKind(w.records(), "reconnect").length).toBeGreaterThan(0);
      // No duplicate effect: one effective ack per scope (each was enqueued once), at most one handler
      // completion per claim token. A reply lost with its connection is resent by ioredis on reconnect: a
      // resent ack finds the item gone (owned=false), a resent claim's grants expire and are reclaimed.
      const acksPerScope = new Map<string, number>();
      for (const a of ownedAcks(all)) acksPerScope.set(a.scope, (acksPerScope.get(a.scope) ?? 0) + 1);
      expect([...acksPerScope.values()].every((n) => n === 1)).toBe(true);
      const donePerToken = new Map<number, number>();
      for (const d of ofKind(all, "done")) donePerToken.set(d.token, (donePerToken.get(d.token) ?? 0) + 1);
      expect([...donePerToken.values()].every((n) => n === 1)).toBe(true);
      const { state } = await p.queue.snapshot();
      expect(state.items).toEqual({});
      expect(state.deadLetters).toEqual({});
      // The checker's other properties hold; "never acked" may be a lost reply of an ack that took effect
      // (the final state above shows nothing was lost).
      const violations = checkHistory([...p.history, ...workerRecords(all)]);
      expect(violations.filter((v) => !v.includes("never acked or dead-lettered"))).toEqual([]);
      // The linearizability check needs no such exception: a lost reply is a pending call.
      assertQueueLinearizable("worker.faults dropped connections", p, processes);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "client clock skew (an hour ahead running fast, an hour behind running backwards): no effect, every time is the server's",
    async () => {
      const name = "skew";
      const p = await producer(redis, name);
      const startMs = await serverMs(redis);
      const ahead = startWorkerProcess({
        url: redis.url,
        queue: name,
        config: CONFIG,
        holder: "ahead",
        concurrency: 2,
        heartbeatIntervalMs: CONFIG.heartbeatIntervalMs,
        pollIntervalMs: 5,
        // Handlers outlive leaseTtlMs: only heartbeats keep their claims, so skew there would show.
        behaviour: { sleepMs: CONFIG.leaseTtlMs + 200 },
        clockSkew: { offsetMs: 3_600_000, driftPerCallMs: 1_000 },
      });
      const behind = startWorkerProcess({
        url: redis.url,
        queue: name,
        config: CONFIG,
        holder: "behind",
        concurrency: 2,
        heartbeatIntervalMs: CONFIG.heartbeatIntervalMs,
        pollIntervalMs: 5,
        behaviour: { sleepMs: CONFIG.leaseTtlMs + 200 },
        clockSkew: { offsetMs: -3_600_000, driftPerCallMs: -1_000 },
      });
      const processes = await Promise.all([ahead, behind]);
      for (let i = 0; i < 8; i++) await p.enqueue(`skew-${i}`);
      await until(p.empty);
      await Promise.all(processes.map((w) => w.close()));
      const endMs = await serverMs(redis);

      const all = processes.flatMap((w) => w.records());
      const records = workerRecords(all);
      for (const r of records) {
        expect(r.atMs).toBeGreaterThanOrEqual(startMs);
        expect(r.atMs).toBeLessThanOrEqual(endMs);
      }
      for (const w of processes) expect(ofKind(w.records(), "done").length).toBeGreaterThan(0);
      // No handler was aborted, running or finished (a heartbeat reply arriving after its handler returned
      // once re-armed the validity timer and aborted a settled claim; the Worker now ignores it).
      expect(ofKind(all, "aborted")).toEqual([]);
      expect(records.filter((r) => r.kind === "claim").length).toBe(8); // each item claimed once
      expect(ownedAcks(all).length).toBe(8);
      expect(records.some((r) => r.kind === "heartbeat" && r.result._tag === "Renewed")).toBe(true);
      expect(records.filter((r) => r.kind === "heartbeat" && r.result._tag !== "Renewed")).toEqual([]);
      expect(checkHistory([...p.history, ...records])).toEqual([]);
      assertQueueLinearizable("worker.faults clock skew", p, processes);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("worker process faults: Redis restarted with the append-only file on", () => {
  const redis = useRedis({ appendonly: true }, killWorkerProcesses);

  it(
    "enqueued and claimed items survive the restart; the workers reconnect and finish everything",
    async () => {
      if (!redis.owned) return; // REDIS_URL: cannot restart a server we do not own
      const name = "aof";
      const p = await producer(redis, name);
      const processes = await startProcesses(redis, name, ["a1", "a2"], {
        concurrency: 3,
        behaviour: { sleepMs: 150 },
      });
      const scopes = Array.from({ length: 30 }, (_, i) => `aof-${i}`);
      for (const scope of scopes) await p.enqueue(scope);
      await until(async () => {
        const acked = processes.flatMap((w) => ownedAcks(w.records())).length;
        return acked >= 6 && (await p.queue.counts()).claimed > 0;
      });
      // Freeze the workers so the state read before the restart is the state Redis holds when killed.
      for (const w of processes) w.kill("SIGSTOP");
      await sleep(50); // commands already sent are applied
      const before = await p.queue.snapshot();
      expect(Object.values(before.state.items).some((item) => item.claim !== null)).toBe(true);
      expect(Object.values(before.state.items).some((item) => item.claim === null)).toBe(true);
      await redis.restart();
      const reopened = await ClaimQueue.open(redis.client(), { name, config: CONFIG });
      expect(await reopened.snapshot()).toEqual(before);
      for (const w of processes) w.kill("SIGCONT");

      await until(async () => {
        const acked = new Set(processes.flatMap((w) => ownedAcks(w.records())).map((r) => r.scope));
        return acked.size === scopes.length && (await reopened.counts()).claimed === 0;
      });
      await Promise.all(processes.map((w) => w.close()));
      for (const w of processes) expect(ofKind(w.records(), "reconnect").length).toBeGreaterThan(0);
      const records = processes.flatMap((w) => workerRecords(w.records()));
      expect(checkHistory([...p.history, ...records])).toEqual([]);
      assertQueueLinearizable("worker.faults Redis restart (AOF)", p, processes); // one history: nothing lost
      const after = await reopened.snapshot();
      expect(after.state.items).toEqual({});
      expect(after.state.nextToken).toBeGreaterThan(before.state.nextToken);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("worker process faults: Redis restarted without persistence", () => {
  const redis = useRedis({}, killWorkerProcesses);

  // Documented behaviour: with the append-only file off, a restart loses the queue: its config, items, claims,
  // dead letters and token counter. The workers do not crash: they reconnect and report
  // NotInitializedError through onError until a client opens the queue again, then process what is
  // enqueued after the restart. The items enqueued before it and not acked are lost, and fencing tokens start
  // again at 1 (a fenced resource that saw higher tokens refuses them).
  it(
    "loses the queue (documented); the workers reconnect, report the missing queue, and process what is enqueued after it is opened again",
    async () => {
      if (!redis.owned) return;
      const name = "volatile";
      const p = await producer(redis, name);
      const processes = await startProcesses(redis, name, ["v1", "v2"], {
        concurrency: 2,
        behaviour: { sleepMs: 100 },
      });
      for (let i = 0; i < 20; i++) await p.enqueue(`lost-${i}`);
      await until(() => processes.flatMap((w) => ownedAcks(w.records())).length >= 4);
      for (const w of processes) w.kill("SIGSTOP");
      await sleep(50);
      const before = await p.queue.snapshot();
      expect(Object.keys(before.state.items).length).toBeGreaterThan(0);
      const ackedBefore = new Set(processes.flatMap((w) => ownedAcks(w.records())).map((r) => r.scope));
      const restartMs = wallMs();
      await redis.restart();
      const fresh = redis.client();
      expect(await fresh.dbsize()).toBe(0);
      const marks = processes.map((w) => w.records().length);
      for (const w of processes) w.kill("SIGCONT");
      // The workers reach the restarted server and find the queue gone; their handlers settle.
      await until(async () => {
        for (const [k, w] of processes.entries()) {
          const errors = ofKind(w.records().slice(marks[k]), "error");
          if (!errors.some((e) => e.message.startsWith(NotInitializedError.name))) return false;
          if ((await w.activeCount()) > 0) return false;
        }
        return true;
      });
      for (const w of processes) expect(w.alive).toBe(true);

      const reopenMs = wallMs();
      const q = await producer(redis, name); // opens the queue again: stores its config
      const restartMarks = processes.map((w) => w.records().length);
      const scopes = Array.from({ length: 20 }, (_, i) => `after-${i}`);
      for (const scope of scopes) await q.enqueue(scope);
      await until(q.empty);
      await Promise.all(processes.map((w) => w.close()));
      const records = processes.flatMap((w, k) => workerRecords(w.records().slice(restartMarks[k])));
      const acked = new Set(ownedAcks(records).map((r) => r.scope));
      expect([...acked].sort()).toEqual([...scopes].sort());
      expect(records.filter((r) => r.kind === "claim").map((r) => r.token)).toContain(1); // tokens restarted
      expect(checkHistory([...q.history, ...records])).toEqual([]);
      // The restart lost the queue: the calls before it and those after the queue was opened again are two
      // histories, each from an empty queue (a call cut by the restart is pending in the first).
      assertQueueLinearizable("worker.faults Redis restart (no AOF), before", p, processes, {
        untilMs: restartMs,
      });
      assertQueueLinearizable("worker.faults Redis restart (no AOF), after", q, processes, {
        sinceMs: reopenMs,
      });
      const after = await q.queue.snapshot();
      expect(after.state.items).toEqual({});
      // What was not acked before the restart is gone.
      expect(ackedBefore.size).toBeLessThan(20);
    },
    TEST_TIMEOUT_MS,
  );
});
