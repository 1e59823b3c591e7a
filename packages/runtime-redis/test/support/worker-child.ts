// The entry of a worker process for fault and history tests (run by support/worker-process.ts as
// `node --import tsx --conditions=source worker-child.ts`): one ioredis client, one ClaimQueue, one Worker
// whose handler follows the `behaviour` of its spec, and a JSON-lines file receiving every record the Worker
// makes (`onRecord`: claim, heartbeat, ack, retry, fail, release with server `atMs` and result) plus the
// handler's own events (start, done, aborted, fenced) and failures (error, reconnect). Records are appended
// synchronously, so a SIGKILL loses none that were made. The spec arrives as JSON in argv[2].

import { appendFileSync } from "node:fs";
import { Redis } from "ioredis";
import { ClaimQueue } from "../../src/claim-queue/claim-queue.js";
import { type HandlerOutcome, Worker } from "../../src/claim-queue/worker.js";
import { RedisFencedResource } from "../../src/fenced/fenced.js";
import { CLAIM_QUEUE_CALLS, recordCalls, recordReconnects } from "./calls.js";
import type { ChildRecord, ChildSpec } from "./worker-process.js";

const spec = JSON.parse(process.argv[2] ?? "") as ChildSpec;
const { behaviour, holder } = spec;

if (spec.clockSkew !== undefined) {
  // A wrong client clock: off by `offsetMs` and running fast by `driftPerCallMs` at every read.
  const realNow = Date.now.bind(Date);
  const { offsetMs, driftPerCallMs } = spec.clockSkew;
  let calls = 0;
  Date.now = () => realNow() + offsetMs + driftPerCallMs * calls++;
}

const record = (r: ChildRecord) => appendFileSync(spec.recordsPath, `${JSON.stringify(r)}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

const redis = new Redis(spec.url, {
  retryStrategy: (times) => Math.min(times * 20, 200),
  maxRetriesPerRequest: 2,
});
redis.on("error", () => {}); // failures reach the commands (recorded through onError)
redis.on("reconnecting", () => record({ kind: "reconnect", holder }));
recordReconnects(redis, holder, record);

// Every queue and fenced-resource call, recorded around its Redis call for the linearizability check.
const queue = recordCalls(
  await ClaimQueue.open(redis, { name: spec.queue, config: spec.config }),
  CLAIM_QUEUE_CALLS,
  holder,
  record,
);
const fenced = recordCalls(new RedisFencedResource(redis), ["fencedWrite"], holder, record);
const stalled = new Set<string>();

const worker = new Worker(
  queue,
  async (item, signal) => {
    const { scope, token } = item;
    record({
      kind: "start",
      holder,
      scope,
      token,
      attemptCount: item.attemptCount,
      reclaimed: item.reclaimed,
    });
    let finished = false; // the handler returned (a later abort reaches no running handler)
    signal.addEventListener(
      "abort",
      () => record({ kind: "aborted", holder, scope, token, reason: message(signal.reason), finished }),
      { once: true },
    );
    const done = <O extends HandlerOutcome>(outcome: O): O => {
      finished = true;
      record({
        kind: "done",
        holder,
        scope,
        token,
        outcome: outcome === "ok" ? "ok" : Object.keys(outcome)[0]!,
      });
      return outcome;
    };
    const i = Number(/(\d+)$/.exec(scope)?.[1] ?? "0");
    const stall =
      behaviour.stall === "all" ||
      (typeof behaviour.stall === "object" && i % behaviour.stall.every === 0 && !stalled.has(scope));
    if (stall) {
      stalled.add(scope);
      // With `fenced`, a write before the wait and a (late) one after it, both recorded.
      const write = async () => {
        if (behaviour.fenced !== true) return;
        record({
          kind: "fenced",
          holder,
          scope,
          token,
          result: await fenced.fencedWrite(scope, token, holder),
        });
      };
      await write();
      // Outlives its claim: only the signal ends the wait (or the OS, for SIGKILL).
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      await write();
      await sleep(30);
      return done("ok");
    }
    await sleep((behaviour.sleepMs ?? 0) + (behaviour.jitter === true ? i % 4 : 0));
    return done(
      behaviour.failEvery !== undefined && i % behaviour.failEvery === 0
        ? { fail: "permanent" }
        : behaviour.retryOnceEvery !== undefined &&
            i % behaviour.retryOnceEvery === 0 &&
            item.attemptCount === 0
          ? { retry: "transient" }
          : ("ok" as const),
    );
  },
  {
    holder,
    concurrency: spec.concurrency,
    heartbeatIntervalMs: spec.heartbeatIntervalMs,
    pollIntervalMs: spec.pollIntervalMs,
    closeTimeoutMs: 0,
    onRecord: (r) => record(r),
    onError: (error) => record({ kind: "error", holder, message: message(error) }),
  },
);

process.on("message", (msg: { readonly type?: string }) => {
  if (msg.type === "active") {
    process.send?.({ type: "active", count: worker.activeCount });
  } else if (msg.type === "close") {
    void worker
      .close(0)
      .then(() => redis.quit())
      .finally(() => process.exit(0));
  }
});
record({ kind: "ready", holder });
process.send?.({ type: "ready" });
