/**
 * heartbeat-vs-ack-real — seed 002 (../shared/seeds/002_402edf55850632f4.txt) with the runtime's real code: two
 * `@interleave/runtime-redis` `Worker`s over a real `ClaimQueue`, its Lua scripts running on the simulated
 * Redis, their heartbeat and validity timers on the world's clock, and the user's handler writing to the
 * reconcile target (a downstream store reached with `ctx.call`). A worker may stall (a GC pause) for longer than
 * its claim's lease: the other worker then claims the item and works on it too.
 *
 * The seed's lesson is that the claim is the only ownership there is, and that a worker can lose it while it is
 * still working. The buggy variant is a user handler that keeps writing to an unfenced store after its claim
 * is lost (it never looks at its `AbortSignal` and sends no token); the fixed one stops when its signal aborts
 * and writes with the claim's fencing token, which the store checks.
 */
import { ClaimQueue, RedisUnreachableError, Worker } from "@interleave/runtime-redis";
import { constant, defineScenario } from "@interleave/sim";
import { simRedis } from "@interleave/sim/redis";
import type { Redis } from "ioredis";

/** The downstream store the handler reconciles (seed 002's deployment target), with the fencing it may do. */
export interface TargetState {
  /** The highest claim token a write carried so far. */
  readonly highestToken: number;
  readonly writes: number;
  /** Writes accepted although a write with a newer claim token had already landed. */
  readonly staleWrites: number;
  readonly last: { readonly holder: string; readonly token: number; readonly step: number } | null;
}

export type TargetEvent = {
  readonly _tag: "Write";
  readonly holder: string;
  readonly token: number;
  readonly step: number;
  /** A fenced write is refused when a newer token was seen; an unfenced one always lands. */
  readonly fenced: boolean;
};

export type TargetResult =
  | { readonly _tag: "Written" }
  | { readonly _tag: "Stale"; readonly highestToken: number };

export const target = {
  transition(
    s: TargetState,
    e: TargetEvent,
  ): { state: TargetState; result: TargetResult; effects: readonly never[] } {
    if (e.fenced && e.token < s.highestToken) {
      const result: TargetResult = { _tag: "Stale", highestToken: s.highestToken };
      return { state: s, result, effects: [] as never[] };
    }
    const state: TargetState = {
      highestToken: Math.max(s.highestToken, e.token),
      writes: s.writes + 1,
      staleWrites: s.staleWrites + (e.token < s.highestToken ? 1 : 0),
      last: { holder: e.holder, token: e.token, step: e.step },
    };
    const result: TargetResult = { _tag: "Written" };
    return { state, result, effects: [] as never[] };
  },
};

export interface Options {
  /** The fix: the handler stops when its signal aborts and its writes carry the claim token. */
  readonly fenced: boolean;
}

export const params = {
  queue: { leaseTtlMs: 3_000, heartbeatIntervalMs: 1_000, claimBatchSizeMax: 1, attemptsMax: 4 },
  pollIntervalMs: 500,
  /** The handler's work: `steps` writes, `stepMs` apart. */
  steps: 3,
  stepMs: 1_000,
  /** Each worker runs this long, then closes. */
  runForMs: 20_000,
  /** A stall longer than the lease, at most once per worker. */
  pause: { probability: 0.02, durationMs: constant(6_000), countMax: 1 },
  livenessWithinMs: 40_000,
  horizonMs: 45_000,
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Close a client; as with ioredis, QUIT rejects when the connection drops first (a restart): nothing to do then. */
const quit = (client: unknown) => (client as { quit(): Promise<unknown> }).quit().catch(() => undefined);

export default defineScenario<typeof params, Options>({
  name: "heartbeat-vs-ack-real",
  source: "shared/seeds/002_402edf55850632f4.txt",
  description:
    "Two real runtime Workers claim one scope from a ClaimQueue on the simulated Redis; the handler writes three steps to the target; a worker may stall past its lease.",
  params,
  runs: 300,
  variants: {
    "unfenced-handler": {
      expect: "violation",
      why: "the handler ignores its AbortSignal and writes without the claim's token: a stalled worker's late write lands after the new holder's",
      options: { fenced: false },
    },
    "fenced-handler": {
      expect: "pass",
      why: "the handler stops when its signal aborts and writes with the claim token, which the target checks",
      options: { fenced: true },
    },
  },
  build(world, p, options) {
    const redis = simRedis(world, { persistence: "aof" });
    const store = world.store("target", target, { highestToken: 0, writes: 0, staleWrites: 0, last: null });
    // A stall right after start can outlast the runtime's 1.5 s connect wait (RedisUnreachableError): like a
    // service that retries its start-up, try again.
    const open = async (): Promise<ClaimQueue> => {
      for (;;) {
        try {
          return await ClaimQueue.open(redis.client() as unknown as Redis, {
            name: "reconcile",
            config: p.queue,
          });
        } catch (error) {
          if (!(error instanceof RedisUnreachableError)) throw error;
          await sleep(p.pollIntervalMs);
        }
      }
    };
    world.task("producer", async () => {
      const queue = await open();
      await queue.enqueue("deployment-42", { reason: "push" });
      await quit(queue.redis);
    });
    for (const name of ["worker-1", "worker-2"]) {
      world.task(
        name,
        async (ctx) => {
          const queue = await open();
          const worker = new Worker(
            queue,
            async (item, signal) => {
              for (let step = 1; step <= p.steps; step++) {
                await sleep(p.stepMs);
                if (options.fenced && signal.aborted) return { retry: "claim lost" };
                const r = await ctx.call(store, {
                  _tag: "Write",
                  holder: ctx.name,
                  token: item.token,
                  step,
                  fenced: options.fenced,
                });
                if (r._tag === "Stale") return { retry: "a newer claim wrote first" };
              }
              return "ok";
            },
            { holder: name, pollIntervalMs: p.pollIntervalMs },
          );
          await sleep(p.runForMs);
          await worker.close(0);
          await quit(queue.redis);
        },
        { faults: true },
      );
    }
    world.faults({ pause: p.pause });
    world.always(
      "the target never accepts a write from a claim older than one whose write it already took",
      (view) => view.get(store).staleWrites === 0,
    );
    world.eventually(
      "the target gets the handler's last step",
      (view) => view.get(store).last?.step === p.steps,
      {
        withinMs: p.livenessWithinMs,
      },
    );
    world.horizon(p.horizonMs);
    world.finishWhen((view) => view.finished("worker-1") && view.finished("worker-2"));
  },
});
