/**
 * membership-orders-real — seed 003 (../shared/seeds/003_feaed94036040d1c.txt) with the runtime's real
 * `KeyedMailbox` dispatcher and the seed's cancellation matrix (./policy.ts), its Lua scripts on the simulated
 * Redis, under reply delays and a Redis restart (AOF on). A producer submits two `ExistingStack` snapshots of one
 * stack in close succession; the listener's handler syncs a snapshot to the cluster (the Kubernetes API, reached
 * with `ctx.call`: each PATCH its own request) in two sub-syncs.
 *
 * The seed's bug was the slower handler's PATCH overwriting the newer snapshot. The mailbox serialises the
 * stack's orders, so that can only come back through the handler: the buggy variant fires its PATCHes without
 * awaiting them (a classic slip in async glue code), so the order "finishes" while its writes are still in
 * flight and the next snapshot's writes can land first; the fixed one awaits each PATCH and checks its signal
 * between sub-syncs, as the seed's fix checks `ctx.Err()`.
 */
import type { Mailbox } from "@interleave/core";
import { KeyedMailbox } from "@interleave/runtime-redis";
import { constant, defineScenario } from "@interleave/sim";
import { simRedis } from "@interleave/sim/redis";
import type { Redis } from "ioredis";
import { membershipPolicy } from "./policy.js";

/** The cluster's view of one stack: the snapshot version applied last, and how often it went backwards. */
export interface ClusterState {
  readonly version: number;
  readonly patches: number;
  readonly regressions: number;
}

export type ClusterEvent = { readonly _tag: "Patch"; readonly version: number; readonly part: number };

export const cluster = {
  transition(s: ClusterState, e: ClusterEvent) {
    const state: ClusterState = {
      version: e.version,
      patches: s.patches + 1,
      regressions: s.regressions + (e.version < s.version ? 1 : 0),
    };
    return { state, result: { _tag: "Patched" as const, version: e.version }, effects: [] as never[] };
  },
};

export interface Options {
  /** The fix: each PATCH is awaited, and the signal checked between sub-syncs. */
  readonly awaitPatches: boolean;
}

export const params = {
  mailbox: {
    policy: membershipPolicy,
    inFlightMax: 2,
    pendingPerKeyMax: 4,
    keylessPendingMax: 4,
    keyCountMax: 16,
  } satisfies Mailbox.Config as Mailbox.Config,
  leaseTtlMs: 3_000,
  pollIntervalMs: 1_000,
  /** Each sub-sync waits this long (reading the cluster, rendering manifests) before its PATCH. */
  subSyncMs: 300,
  subSyncs: 2,
  /** Gap between the two snapshots. */
  gapMs: 100,
  runForMs: 5_000,
  faults: {
    network: {
      probability: 0.05,
      delayMs: constant(700),
      countMax: 4,
      kinds: ["delay", "delay-request"] as const,
    },
    restart: { probability: 0.01, downMs: constant(500), countMax: 1 },
  },
  livenessWithinMs: 8_000,
  horizonMs: 10_000,
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Close a client; as with ioredis, QUIT rejects when the connection drops first (a restart): nothing to do then. */
const quit = (client: unknown) => (client as { quit(): Promise<unknown> }).quit().catch(() => undefined);

export default defineScenario<typeof params, Options>({
  name: "membership-orders-real",
  source: "shared/seeds/003_feaed94036040d1c.txt",
  description:
    "The real KeyedMailbox dispatcher runs two close ExistingStack snapshots of one stack on the simulated Redis, under reply delays and a Redis restart; the handler PATCHes the cluster in two sub-syncs.",
  params,
  runs: 300,
  variants: {
    "unawaited-patch": {
      expect: "violation",
      why: "the handler fires its PATCHes without awaiting them: the order completes with its writes in flight, and the older snapshot's PATCH lands after the newer one's",
      options: { awaitPatches: false },
    },
    "awaited-patch": {
      expect: "pass",
      why: "the handler awaits each PATCH and checks its signal between sub-syncs (the seed's ctx.Err() checks)",
      options: { awaitPatches: true },
    },
  },
  build(world, p, options) {
    const redis = simRedis(world, { persistence: "aof" });
    const stack = world.store("cluster", cluster, { version: 0, patches: 0, regressions: 0 });
    const open = (instance: string) =>
      KeyedMailbox.open(redis.client() as unknown as Redis, {
        name: "stacks",
        config: p.mailbox,
        leaseTtlMs: p.leaseTtlMs,
        instance,
      });
    world.task(
      "listener",
      async (ctx) => {
        const mailbox = await open("listener");
        const subscriber = redis.client();
        await mailbox.start(
          async (order, signal) => {
            const version = (order.payload as { version: number }).version;
            for (let part = 1; part <= p.subSyncs; part++) {
              await sleep(p.subSyncMs);
              if (!options.awaitPatches) {
                void ctx.call(stack, { _tag: "Patch", version, part });
                continue;
              }
              if (signal.aborted) return;
              await ctx.call(stack, { _tag: "Patch", version, part });
            }
          },
          { subscriber: subscriber as unknown as Redis, pollIntervalMs: p.pollIntervalMs },
        );
        await sleep(p.runForMs);
        await mailbox.stop();
        await quit(subscriber);
        await quit(mailbox.redis);
      },
      { faults: true },
    );
    world.task(
      "producer",
      async () => {
        const mailbox = await open("producer");
        await mailbox.submit({ id: "o1", key: "stack-a", kind: "ExistingStack", payload: { version: 1 } });
        await sleep(p.gapMs);
        await mailbox.submit({ id: "o2", key: "stack-a", kind: "ExistingStack", payload: { version: 2 } });
        await quit(mailbox.redis);
      },
      { faults: true },
    );
    world.faults(p.faults);
    world.always(
      "the cluster never goes back to an older snapshot of the stack",
      (view) => view.get(stack).regressions === 0,
    );
    world.eventually("the cluster reaches the newest snapshot", (view) => view.get(stack).version === 2, {
      withinMs: p.livenessWithinMs,
    });
    world.horizon(p.horizonMs);
    world.finishWhen((view) => view.finished("listener") && view.finished("producer"));
  },
});
