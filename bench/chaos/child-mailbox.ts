// The mailbox mode of a chaos worker process (bench/chaos/child.ts with `machine: "mailbox"`): one `KeyedMailbox`
// dispatcher loop (instance `<process>`, `inFlightMax` = the process's `--workers`) on the run's mailbox, whose
// handler applies an order to its key's fenced resource `mb:<key>` (the runtime's `RedisFencedResource`) with the
// order's lease fencing token: a first write ("applying"), 2–40 ms, the final write (the order's kind and
// version), checking its AbortSignal in between. The token is the one the dispatcher leased the order with (the
// mailbox's `<base>:holder` hash, as the runtime's mailbox process tests read it). Recorded (support/calls.ts):
// every script call of the dispatcher (`run`: `mailbox-finish-2` — completes an order and takes the next ones,
// its reply lists the orders taken with their tokens —, `mailbox-heartbeat-2`, `mailbox-held-2`) and every
// fenced write.

import { KeyedMailbox, RedisFencedResource } from "@interleave/runtime-redis";
import { Redis } from "ioredis";
import {
  type CallRecord,
  recordCalls,
  recordReconnects,
} from "../../packages/runtime-redis/test/support/calls.js";
import { CHAOS_MAILBOX_CONFIG, type ChildSpec, MAILBOX_NAME } from "./spec.js";

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** Opens the mailbox, retrying while Redis is unreachable (a restart or a dropped connection at start-up). */
async function openRetrying(redis: Redis, instance: string, workers: number, spec: ChildSpec) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await KeyedMailbox.open(redis, {
        name: MAILBOX_NAME,
        config: CHAOS_MAILBOX_CONFIG,
        instance,
        inFlightMax: workers,
        leaseTtlMs: spec.lease.leaseTtlMs,
        heartbeatIntervalMs: spec.lease.heartbeatIntervalMs,
      });
    } catch (error) {
      if (attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Starts the dispatcher; returns how to stop it (it waits for the running handlers and completes them). */
export async function startMailboxWorkers(
  spec: ChildSpec,
  redis: Redis,
  record: (r: CallRecord) => void,
): Promise<() => Promise<unknown>> {
  const instance = spec.name;
  const subscriber = new Redis(spec.url, {
    connectTimeout: 1_000,
    retryStrategy: (times) => Math.min(times * 20, 200),
    maxRetriesPerRequest: null,
  });
  subscriber.on("error", () => {});
  const mailbox = await openRetrying(redis, instance, spec.workers, spec);
  recordCalls(mailbox, ["run" as keyof KeyedMailbox & string], instance, record);
  recordReconnects(redis, instance, record);
  const fenced = recordCalls(new RedisFencedResource(redis), ["fencedWrite"], instance, record);
  await mailbox.start(
    async (order, signal) => {
      const held = (await redis.hget(`${mailbox.base}:holder`, order.id)) ?? "";
      const bar = held.lastIndexOf("|");
      if (held.slice(0, bar) !== instance) throw new Error(`order ${order.id} is not held by ${instance}`);
      const token = Number(held.slice(bar + 1));
      const resource = `mb:${order.key ?? ""}`;
      const first = await fenced.fencedWrite(resource, token, `${order.id}:applying`);
      if (first._tag !== "Accepted") throw new Error(`order ${order.id}: stale token ${token}`);
      const i = Number(/(\d+)$/.exec(order.id)?.[1] ?? "0");
      await sleep(spec.handlerMs[0] + (i % (spec.handlerMs[1] - spec.handlerMs[0] + 1)), signal);
      if (signal.aborted) throw new Error(`order ${order.id} aborted`);
      const version = (order.payload as { version?: number } | undefined)?.version ?? 0;
      await fenced.fencedWrite(resource, token, `${order.id}:${order.kind}@${version}`);
    },
    { subscriber, pollIntervalMs: spec.pollIntervalMs },
  );
  return () => mailbox.stop().then(() => subscriber.quit());
}
