// The submit CLI of the membership-orders example: submits membership orders to the keyed mailbox (any instance
// may run them), or a demo burst that exercises supersession, or prints every stack's cluster.
//
// Usage (all take [--redis redis://127.0.0.1:6379]):
//   tsx --conditions=source src/submit.ts order <stack> <ExistingStack|DeletedStack|EnabledStack|DisabledStack> [member ...]
//   tsx --conditions=source src/submit.ts demo [--stacks 3]   a burst of orders per stack; prints what each
//                                                              submit did (dispatched, cancelled, coalesced)
//   tsx --conditions=source src/submit.ts status              the mailbox (in flight, pending) and each cluster

import type { Mailbox } from "@interleave/core";
import { KeyedMailbox, RedisFencedResource } from "@interleave/runtime-redis";
import { Redis } from "ioredis";
import { type ClusterValue, CONFIG, KINDS, type Kind, LEASE_TTL_MS, parseArgs, redisUrl } from "./shared.js";

const { flags, rest } = parseArgs(process.argv.slice(2));
const redis = new Redis(redisUrl(flags));
const mailbox = await KeyedMailbox.open(redis, {
  name: "membership",
  config: CONFIG,
  leaseTtlMs: LEASE_TTL_MS,
});
let n = 0;
const newId = () => `o-${Date.now().toString(36)}-${(n++).toString(36)}`;

/** Submits one order and prints the mailbox's answer. */
async function submit(stack: string, kind: Kind, members?: readonly string[]): Promise<Mailbox.Result> {
  const order: Mailbox.Order = {
    id: newId(),
    key: stack,
    kind,
    payload: members === undefined ? {} : { members },
  };
  const { result } = await mailbox.submit(order);
  const what =
    result._tag === "Accepted"
      ? [
          result.dispatched ? "dispatched now" : "queued",
          result.cancelled === null ? "" : `cancels in-flight ${result.cancelled}`,
          result.superseded.length === 0 ? "" : `coalesces ${result.superseded.join(",")}`,
        ]
          .filter((s) => s !== "")
          .join("; ")
      : JSON.stringify(result);
  console.log(
    `${order.id} ${stack} ${kind}${members ? ` [${members.join(",")}]` : ""}: ${result._tag} — ${what}`,
  );
  return result;
}

async function status(): Promise<void> {
  const state = await mailbox.snapshot();
  console.log(`in flight: ${state.inFlightCount}`);
  for (const [stack, entry] of Object.entries(state.keys)) {
    const running =
      entry.inFlight === null
        ? "-"
        : `${entry.inFlight.order.id}${entry.inFlight.cancelled ? " (cancelled)" : ""}`;
    console.log(`  ${stack}: running ${running}, pending [${entry.pending.map((o) => o.id).join(", ")}]`);
  }
  const cluster = new RedisFencedResource(redis);
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(
      cursor,
      "MATCH",
      `${cluster.prefix}:{membership-cluster-*}:fenced`,
    );
    cursor = next;
    keys.push(...found);
  } while (cursor !== "0");
  for (const key of keys.sort()) {
    const resource = key.slice(key.indexOf("{") + 1, key.lastIndexOf("}"));
    const { value, highestToken } = await cluster.state(resource);
    if (value === null) continue;
    const c = JSON.parse(value) as ClusterValue;
    console.log(
      `cluster ${c.stack}: exists=${c.exists} enabled=${c.enabled} members=[${c.members.join(",")}] by ${c.order} (sub-syncs ${c.applied.join(",")}; token ${highestToken})`,
    );
  }
}

const command = rest[0];
if (command === "order") {
  const [, stack, kind, ...members] = rest;
  if (stack === undefined || !KINDS.includes(kind as Kind)) {
    console.error(`usage: submit.ts order <stack> <${KINDS.join("|")}> [member ...]`);
    process.exitCode = 2;
  } else await submit(stack, kind as Kind, kind === "ExistingStack" ? members : undefined);
} else if (command === "demo") {
  const stacks = Number(flags.get("stacks") ?? 3);
  for (let s = 0; s < stacks; s += 1) {
    const stack = `stack-${s}`;
    await submit(stack, "ExistingStack", ["alice"]);
    await submit(stack, "DisabledStack"); // queued behind the snapshot
    await submit(stack, "ExistingStack", ["alice", "bob"]); // coalesces nothing yet; queued
    await submit(stack, "ExistingStack", ["alice", "bob", "carol"]); // coalesces the previous snapshot
    if (s % 2 === 1)
      await submit(stack, "DeletedStack"); // cancels whatever runs, never cancelled itself
    else await submit(stack, "EnabledStack");
  }
} else if (command === "status") {
  await status();
} else {
  console.error("usage: submit.ts order <stack> <kind> [member ...] | demo [--stacks N] | status");
  process.exitCode = 2;
}
await redis.quit();
