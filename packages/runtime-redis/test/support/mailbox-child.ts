// The entry of a mailbox service-instance process (run by support/mailbox-history.ts as
// `node --import tsx --conditions=source mailbox-child.ts <spec JSON>`): one KeyedMailbox dispatcher loop
// (the fixture policy of support/mailbox-policy.ts) whose handler applies an order's desired state to its
// stack's "cluster", a RedisFencedResource written with the order's lease fencing token, over `steps` steps of `stepMs` each,
// checking its AbortSignal between steps. An order with `payload.stall` writes once, then waits for its signal
// (lease lost or cancelled) and writes again (a late write the fence must reject). Every take / write / abort
// / end is appended synchronously as a JSON line (a SIGKILL loses none that were made), with the Redis server
// time where the checker needs it.

import { appendFileSync } from "node:fs";
import type { Mailbox as Core } from "@interleave/core";
import { Redis } from "ioredis";
import { RedisFencedResource } from "../../src/fenced/fenced.js";
import { KeyedMailbox } from "../../src/mailbox/mailbox.js";
import { type CallRecord, recordCalls, recordReconnects } from "./calls.js";
import {
  type ClusterValue,
  clusterResource,
  desiredState,
  MAILBOX_CONFIG,
  type MailboxChildSpec,
  type MailboxRecord,
  type OrderPayload,
} from "./mailbox-history.js";

const spec = JSON.parse(process.argv[2] ?? "") as MailboxChildSpec;
const { instance } = spec;
const record = (r: MailboxRecord | CallRecord) => appendFileSync(spec.recordsPath, `${JSON.stringify(r)}\n`);
const message = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** Sleeps `ms`, or less when `signal` fires first. */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

// Commands wait for a reconnect instead of failing (a Redis restart must not fail a handler).
const options = { retryStrategy: (times: number) => Math.min(times * 20, 200), maxRetriesPerRequest: null };
const redis = new Redis(spec.url, options);
const subscriber = new Redis(spec.url, options);
redis.on("error", () => {});
subscriber.on("error", () => {});

/** Redis server time, ms. */
async function serverMs(): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

const mailbox = await KeyedMailbox.open(redis, {
  name: spec.name,
  config: MAILBOX_CONFIG,
  instance,
  inFlightMax: spec.inFlightMax,
  leaseTtlMs: spec.leaseTtlMs,
  heartbeatIntervalMs: spec.heartbeatIntervalMs,
});
// Every fenced write, recorded around its Redis call for the linearizability check (support/lincheck.ts).
const fenced = recordCalls(new RedisFencedResource(redis), ["fencedWrite"], instance, record);
recordReconnects(redis, instance, record);

async function handle(order: Core.Order, signal: AbortSignal): Promise<void> {
  const id = order.id;
  const key = order.key ?? "";
  // The lease's fencing token, as the dispatcher recorded it (`<base>:holder`: "<instance>|<token>").
  let held: string;
  try {
    held = (await redis.hget(`${mailbox.base}:holder`, id)) ?? "";
  } catch (error) {
    record({ kind: "error", instance, message: `order ${id}: reading its lease: ${message(error)}` });
    throw error;
  }
  const bar = held.lastIndexOf("|");
  if (held.slice(0, bar) !== instance) {
    const error = new Error(`order ${id} is not held by ${instance} (holder: ${held || "none"})`);
    record({ kind: "error", instance, message: error.message });
    throw error;
  }
  const token = Number(held.slice(bar + 1));
  let atMs: number;
  try {
    atMs = await serverMs();
  } catch (error) {
    record({ kind: "error", instance, message: `order ${id}: reading the server time: ${message(error)}` });
    throw error;
  }
  record({ kind: "take", instance, id, key, token, atMs });
  signal.addEventListener(
    "abort",
    () => record({ kind: "abort", instance, id, token, reason: message(signal.reason) }),
    {
      once: true,
    },
  );
  const end = async (outcome: "done" | "cancelled" | "lost" | "failed") =>
    record({ kind: "end", instance, id, key, token, outcome, atMs: await serverMs() });
  const write = async (step: number, state: string) => {
    const value: ClusterValue = { order: id, state, step };
    const late = signal.aborted;
    const result = await fenced.fencedWrite(clusterResource(spec.name, key), token, JSON.stringify(value));
    record({ kind: "write", instance, id, key, token, step, late, result });
    return result;
  };
  try {
    if ((order.payload as OrderPayload | undefined)?.stall === true) {
      await write(0, "applying");
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      await write(1, "applying");
      throw new Error(`order ${id} stalled`);
    }
    for (let step = 1; step <= spec.steps; step += 1) {
      await sleep(spec.stepMs, signal);
      if (signal.aborted) throw new Error(`order ${id} aborted before step ${step}`);
      const result = await write(step, step === spec.steps ? desiredState(order) : "applying");
      if (result._tag === "StaleToken") throw new Error(`order ${id}: stale token ${token}`);
    }
  } catch (error) {
    const reason = signal.aborted ? message(signal.reason) : "";
    await end(/lease lost/.test(reason) ? "lost" : signal.aborted ? "cancelled" : "failed");
    throw error;
  }
  await end("done");
}

await mailbox.start(handle, {
  subscriber,
  pollIntervalMs: 10,
  onError: (error) => record({ kind: "error", instance, message: message(error) }),
});

process.on("message", (msg: { readonly type?: string }) => {
  if (msg.type === "close") {
    void mailbox
      .stop()
      .then(() => Promise.all([redis.quit(), subscriber.quit()]))
      .finally(() => process.exit(0));
  }
});
record({ kind: "ready", instance });
process.send?.({ type: "ready" });
