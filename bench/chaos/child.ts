// One worker process of the chaos run (`node --import tsx --conditions=source bench/chaos/child.ts`, its spec
// sent over IPC by bench/chaos/processes.ts): one ioredis client through the chaos proxy and, in the claim-queue
// mode, M `Worker`s (concurrency 1 each) on one `ClaimQueue`, and a fenced side-effect store (the runtime's `RedisFencedResource`, one resource
// per scope) that every handler writes with its claim's fencing token, once when it starts and once when it ends.
// Every queue and fenced call is recorded around its Redis call (the runtime tests' support/calls.ts: call,
// return/threw, reconnecting; host wall clock) and appended synchronously as one JSON line, so a SIGKILL loses
// no record that was made. With `clockSkewMs`, `Date.now` is skewed after the recorder captured the real clock:
// the runtime reads only the server's time, which the check shows. In the lease mode (`machine: "lease"`) the
// process runs bench/chaos/child-lease.ts's loops instead of the Workers; in the mailbox mode, the dispatcher of
// bench/chaos/child-mailbox.ts.

import { appendFileSync } from "node:fs";
import { ClaimQueue, RedisFencedResource, Worker } from "@interleave/runtime-redis";
import { substituteScript } from "@interleave/runtime-redis/testing";
import { Redis } from "ioredis";
import {
  type CallRecord,
  CLAIM_QUEUE_CALLS,
  recordCalls,
  recordReconnects,
} from "../../packages/runtime-redis/test/support/calls.js";
import { startLeaseWorkers } from "./child-lease.js";
import { startMailboxWorkers } from "./child-mailbox.js";
import { buggyScripts } from "./inject.js";
import type { ChildSpec } from "./spec.js";

// A spare process loads its modules first, then waits for its spec (so a restart after SIGKILL does not wait for
// Node and tsx to load the runtime: bench/chaos/processes.ts keeps one spare ready).
// The run's process is gone (it crashed or was killed): do not outlive it.
process.on("disconnect", () => process.exit(0));

const spec = await new Promise<ChildSpec>((resolve) => {
  process.once("message", (msg: { readonly type?: string; readonly spec?: ChildSpec }) => {
    if (msg.type === "start" && msg.spec !== undefined) resolve(msg.spec);
  });
  process.send?.({ type: "spare" });
});

if (spec.clockSkewMs !== 0) {
  // A wrong client clock: off by `clockSkewMs` and drifting 1 ms per 100 reads (support/calls.ts captured
  // the real `Date.now` at import, so the recorded times stay on the host clock the server shares).
  const realNow = Date.now.bind(Date);
  let reads = 0;
  Date.now = () => realNow() + spec.clockSkewMs + Math.floor(reads++ / 100);
}

const record = (r: CallRecord | { readonly kind: string; readonly process?: string }) =>
  appendFileSync(spec.recordsPath, `${JSON.stringify(r)}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

const redis = new Redis(spec.url, {
  // the default connect timeout (10 s) would hold a restarted process's first commands long after Redis is back
  connectTimeout: 1_000,
  retryStrategy: (times) => Math.min(times * 20, 200),
  maxRetriesPerRequest: null,
});
redis.on("error", () => {}); // failures reach the commands (recorded as `threw`)
redis.setMaxListeners(0); // one `reconnecting` listener per worker
for (const [file, lua] of buggyScripts(spec.inject)) substituteScript(redis, file, lua);

/** Starts the claim-queue mode: M Workers on one queue; returns how to close them (they give back their claims). */
async function startClaimQueueWorkers(): Promise<() => Promise<unknown>> {
  /** Opens the queue (again after a Redis restart that lost its config: `open` stores it when it is missing). */
  const openQueue = () => ClaimQueue.open(redis, { name: spec.queue, config: spec.config });
  /** Opens the queue, retrying while Redis is unreachable (a restart or a dropped connection at start-up). */
  const openQueueRetrying = async (): Promise<ClaimQueue> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await openQueue();
      } catch (error) {
        if (attempt >= 50) throw error;
        await sleep(200);
      }
    }
  };
  let reopening = false;
  const reopen = () => {
    if (reopening) return;
    reopening = true;
    openQueue()
      .catch(() => {})
      .finally(() => {
        reopening = false;
      });
  };

  const workers: Worker[] = [];
  // One queue instance per worker (each records its calls as its holder), opened together: a restart under latency
  // or during a Redis restart must not wait for sixteen opens in a row.
  const queues = await Promise.all(Array.from({ length: spec.workers }, () => openQueueRetrying()));
  for (let w = 0; w < spec.workers; w++) {
    const holder = `${spec.name}-w${w}`;
    recordReconnects(redis, holder, record);
    const queue = recordCalls(queues[w]!, CLAIM_QUEUE_CALLS, holder, record);
    const fenced = recordCalls(new RedisFencedResource(redis), ["fencedWrite"], holder, record);
    const worker = new Worker(
      queue,
      async (item) => {
        const value = `${holder}:${item.token}`;
        await fenced.fencedWrite(`effect:${item.scope}`, item.token, value);
        const i = Number(/(\d+)$/.exec(item.scope)?.[1] ?? "0");
        const [lo, hi] = i % spec.longEvery === 3 ? spec.longHandlerMs : spec.handlerMs;
        await sleep(lo + ((i * 7919 + item.token) % (hi - lo + 1)));
        await fenced.fencedWrite(`effect:${item.scope}`, item.token, value);
        if (i % spec.failEvery === 0) return { fail: "permanent" };
        if (i % spec.retryOnceEvery === 0 && item.attemptCount === 0) return { retry: "transient" };
        return "ok";
      },
      {
        holder,
        concurrency: 1,
        pollIntervalMs: spec.pollIntervalMs,
        closeTimeoutMs: 2_000,
        onError: (error) => {
          if (message(error).startsWith("NotInitializedError")) reopen();
        },
      },
    );
    workers.push(worker);
  }
  return () => Promise.all(workers.map((w) => w.close()));
}

const close =
  spec.machine === "lease"
    ? startLeaseWorkers(spec, redis, record)
    : spec.machine === "mailbox"
      ? await startMailboxWorkers(spec, redis, record)
      : await startClaimQueueWorkers();

process.on("message", (msg: { readonly type?: string }) => {
  if (msg.type === "close") {
    void close()
      .then(() => redis.quit())
      .finally(() => process.exit(0));
  }
});
record({ kind: "ready", process: spec.name });
process.send?.({ type: "ready" });
