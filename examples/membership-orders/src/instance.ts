// One instance of the membership-orders service (seed 003): it embeds a KeyedMailbox on Redis, keyed by stack,
// with the core membership policy — one order in flight per stack across ALL instances, FIFO per stack, a newer
// ExistingStack snapshot cancels and coalesces an older one, a DeletedStack cancels any non-delete in flight, a
// delete is never cancelled. The handler applies an order to the stack's "cluster" (kept in Redis) in four
// sub-syncs with delays, each a fenced write carrying the order's lease fencing token, and checks its
// AbortSignal between sub-syncs: a superseded order stops, and an instance that lost its lease (paused, cut
// off) cannot overwrite the newer order's work.
//
// Usage: tsx --conditions=source src/instance.ts --instance A [--redis redis://127.0.0.1:6379]
//        [--step-ms 400]

import type { Mailbox } from "@interleave/core";
import { KeyedMailbox, RedisFencedResource } from "@interleave/runtime-redis";
import { Redis } from "ioredis";
import {
  type ClusterValue,
  CONFIG,
  clusterResource,
  LEASE_TTL_MS,
  type OrderPayload,
  parseArgs,
  redisUrl,
} from "./shared.js";

const SUB_SYNCS = ["namespace", "role-binding", "quota", "modules"] as const;

const { flags } = parseArgs(process.argv.slice(2));
const instance = flags.get("instance") ?? `instance-${process.pid}`;
const stepMs = Number(flags.get("step-ms") ?? 400);
const leaseTtlMs = LEASE_TTL_MS;
const log = (line: string) => console.log(`[${instance}] ${line}`);

const options = { maxRetriesPerRequest: null };
const redis = new Redis(redisUrl(flags), options);
const subscriber = new Redis(redisUrl(flags), options);
const mailbox = await KeyedMailbox.open(redis, {
  name: "membership",
  config: CONFIG,
  instance,
  inFlightMax: 4,
  leaseTtlMs,
});
const cluster = new RedisFencedResource(redis);

/** Sleeps `ms`; rejects as soon as `signal` fires. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * The fencing token of the lease this instance holds on order `id`. (The dispatcher keeps it in
 * `<base>:holder` as "<instance>|<token>"; a future `MailboxHandler` may pass it directly.)
 */
async function leaseToken(id: string): Promise<number> {
  const held = (await redis.hget(`${mailbox.base}:holder`, id)) ?? "";
  const bar = held.lastIndexOf("|");
  if (held.slice(0, bar) !== instance) throw new Error(`order ${id} is no longer held by ${instance}`);
  return Number(held.slice(bar + 1));
}

/** Applies `order` to its stack's cluster: four fenced sub-syncs, stopping when the signal fires. */
async function handle(order: Mailbox.Order, signal: AbortSignal): Promise<void> {
  const stack = order.key ?? "";
  const token = await leaseToken(order.id);
  log(`take   ${order.id} ${stack} ${order.kind} (fencing token ${token})`);
  const before = await cluster.state(clusterResource(stack));
  const current: ClusterValue =
    before.value === null
      ? { stack, exists: false, enabled: true, members: [], order: "", applied: [] }
      : (JSON.parse(before.value) as ClusterValue);
  const members = (order.payload as OrderPayload | undefined)?.members ?? current.members;
  const target: Omit<ClusterValue, "applied"> =
    order.kind === "DeletedStack"
      ? { stack, exists: false, enabled: current.enabled, members: [], order: order.id }
      : order.kind === "EnabledStack"
        ? { ...current, enabled: true, order: order.id }
        : order.kind === "DisabledStack"
          ? { ...current, enabled: false, order: order.id }
          : { stack, exists: true, enabled: current.enabled, members, order: order.id };
  // A delete tears the sub-syncs down modules first.
  const steps = order.kind === "DeletedStack" ? [...SUB_SYNCS].reverse() : [...SUB_SYNCS];
  try {
    for (let i = 0; i < steps.length; i += 1) {
      await delay(stepMs, signal);
      const value: ClusterValue = { ...target, applied: steps.slice(0, i + 1) };
      const result = await cluster.fencedWrite(clusterResource(stack), token, JSON.stringify(value));
      if (result._tag === "StaleToken") {
        log(
          `stale  ${order.id}: token ${token} < ${result.highestToken}, a newer order owns ${stack}; stopping`,
        );
        throw new Error("stale fencing token");
      }
    }
  } catch (error) {
    if (signal.aborted)
      log(`cancel ${order.id} ${stack}: ${String((signal.reason as Error)?.message ?? signal.reason)}`);
    throw error;
  }
  log(
    `done   ${order.id} ${stack} → exists=${target.exists} enabled=${target.enabled} members=[${target.members.join(",")}]`,
  );
}

await mailbox.start(handle, {
  subscriber,
  onError: (error) => log(`error  ${error instanceof Error ? error.message : String(error)}`),
});
log(`ready: mailbox ${mailbox.base}, lease ${leaseTtlMs} ms, sub-sync ${stepMs} ms`);

const stop = async () => {
  log("stopping: finishing running orders");
  await mailbox.stop();
  await Promise.all([redis.quit(), subscriber.quit()]);
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
