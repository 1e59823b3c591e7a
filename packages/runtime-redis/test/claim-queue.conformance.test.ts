// Conformance of the Redis claim queue to the core machine (DESIGN.md "Redis runtime"): fast-check generates
// command sequences (Enqueue, Claim, Heartbeat, Ack, Retry, Fail, Release, the Worker's combined AckAndClaim —
// the core's Ack of one to three (scope, token) pairs in order, a scope possibly twice, then Claim, at one time —
// and real sleeps so claims expire and backoffs pass) over small scope and holder alphabets with current, stale and unknown tokens; each command
// runs on Redis, its reply's `atMs` (the script's `TIME`) is fed to the core's `transition`, and the results
// and the full state read back from Redis must be deep-equal to the core's after every command.

import { ClaimQueue as Core } from "@interleave/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClaimQueue } from "../src/claim-queue/claim-queue.js";
import { queueConfig, sleep } from "./support/queue-config.js";
import { useRedis } from "./support/redis.js";

const CONFIG: Core.ResolvedConfig = queueConfig({
  leaseTtlMs: 8,
  heartbeatIntervalMs: 2,
  retryBackoffBaseMs: 2,
  retryBackoffCapMs: 5,
  claimBatchSizeMax: 3,
  itemCountMax: 3,
});

const scope = fc.constantFrom("a", "b", "c", "d:x");
const holder = fc.constantFrom("w1", "w2");
/** "current": the token of the scope's current claim in the model (when claimed); a number: that token. */
const token = fc.oneof(fc.constant("current" as const), fc.integer({ min: 0, max: 8 }));
const error = fc.constantFrom("e1", "boom: with colons: 2");
/** A batched ack's token: mostly the scope's current one, so that several acks of a batch own their items. */
const batchToken = fc.oneof(
  { weight: 4, arbitrary: fc.constant("current" as const) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 8 }) },
);

type Command =
  | { readonly _tag: "Enqueue"; readonly scope: string }
  | { readonly _tag: "Claim"; readonly holder: string; readonly batchSize: number }
  | {
      readonly _tag: "Heartbeat" | "Ack" | "Release";
      readonly scope: string;
      readonly token: "current" | number;
    }
  | {
      readonly _tag: "Retry" | "Fail";
      readonly scope: string;
      readonly token: "current" | number;
      readonly error: string;
    }
  | {
      readonly _tag: "AckAndClaim";
      readonly acks: readonly { readonly scope: string; readonly token: "current" | number }[];
      readonly holder: string;
      readonly batchSize: number;
    }
  | { readonly _tag: "Sleep"; readonly ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("Enqueue" as const), scope }) },
  {
    weight: 3,
    arbitrary: fc.record({
      _tag: fc.constant("Claim" as const),
      holder,
      batchSize: fc.integer({ min: 1, max: CONFIG.claimBatchSizeMax }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      _tag: fc.constantFrom("Heartbeat" as const, "Ack" as const, "Release" as const),
      scope,
      token,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ _tag: fc.constantFrom("Retry" as const, "Fail" as const), scope, token, error }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      _tag: fc.constant("AckAndClaim" as const),
      acks: fc.array(fc.record({ scope, token: batchToken }), { minLength: 1, maxLength: 3 }),
      holder,
      batchSize: fc.integer({ min: 1, max: CONFIG.claimBatchSizeMax }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ _tag: fc.constant("Sleep" as const), ms: fc.integer({ min: 0, max: 12 }) }),
  },
);

describe("ClaimQueue on Redis conforms to the core ClaimQueue (property)", () => {
  const redis = useRedis();
  let runs = 0;
  /** Batches of acks (ackManyAndClaim) in which two or more acks owned their item. */
  let ownedBatches = 0;

  it("gives every command the core's result and leaves the core's state, after every command", async () => {
    const client = redis.client();
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 30 }), async (commands) => {
        runs += 1;
        const queue = await ClaimQueue.open(client, { name: `conf-${runs}`, config: CONFIG });
        let model = Core.initial(CONFIG);
        expect((await queue.snapshot()).state).toEqual(model);
        let lastAtMs = 0;
        for (const cmd of commands) {
          if (cmd._tag === "Sleep") {
            await sleep(cmd.ms); // so claims expire and backoffs pass
            continue;
          }
          if (cmd._tag === "AckAndClaim") {
            // "current" is the scope's claim token before the call (a second ack of a scope then finds it gone).
            const acks = cmd.acks.map(({ scope, token: t }) => ({
              scope,
              token: t === "current" ? (model.items[scope]?.claim?.token ?? model.nextToken) : t,
            }));
            // One ack goes through ackAndClaim, more through ackManyAndClaim (the same script).
            const { acks: acked, claim } =
              acks.length === 1
                ? await queue
                    .ackAndClaim(acks[0]!.scope, acks[0]!.token, cmd.holder, cmd.batchSize)
                    .then(({ ack, claim }) => ({ acks: [ack], claim }))
                : await queue.ackManyAndClaim(acks, cmd.holder, cmd.batchSize);
            const atMs = claim.atMs;
            if (acked.filter((a) => a.result._tag === "Acked" && a.result.owned).length >= 2)
              ownedBatches += 1;
            expect(atMs).toBeGreaterThanOrEqual(lastAtMs);
            lastAtMs = atMs;
            for (const [i, { scope, token: t }] of acks.entries()) {
              expect(acked[i]!.atMs).toBe(atMs);
              const step = Core.transition(model, { _tag: "Ack", scope, token: t, atMs });
              expect(acked[i]!.result).toEqual(step.result);
              model = step.state;
            }
            const claimed = Core.transition(model, {
              _tag: "Claim",
              holder: cmd.holder,
              batchSize: cmd.batchSize,
              atMs,
            });
            expect(claim.result).toEqual(claimed.result);
            model = claimed.state;
            expect((await queue.snapshot()).state).toEqual(model);
            continue;
          }
          const { atMs, result, event } = await apply(queue, model, cmd);
          expect(atMs).toBeGreaterThanOrEqual(lastAtMs);
          lastAtMs = atMs;
          const step = Core.transition(model, { ...event, atMs } as Core.Event);
          expect(result).toEqual(step.result);
          model = step.state;
          expect((await queue.snapshot()).state).toEqual(model);
        }
      }),
      {
        numRuns: 250,
        // Pinned first: a batch whose two acks both own their items, then a scope acked twice in one batch.
        examples: [
          [
            [
              { _tag: "Enqueue", scope: "a" },
              { _tag: "Enqueue", scope: "b" },
              { _tag: "Claim", holder: "w1", batchSize: 2 },
              {
                _tag: "AckAndClaim",
                acks: [
                  { scope: "a", token: "current" },
                  { scope: "b", token: "current" },
                ],
                holder: "w2",
                batchSize: 1,
              },
              { _tag: "Enqueue", scope: "c" },
              { _tag: "Claim", holder: "w1", batchSize: 1 },
              {
                _tag: "AckAndClaim",
                acks: [
                  { scope: "c", token: "current" },
                  { scope: "c", token: "current" },
                ],
                holder: "w1",
                batchSize: 2,
              },
            ],
          ],
        ],
      },
    );
    expect(runs).toBeGreaterThanOrEqual(250);
    // The batched path was exercised where it does something: several owned acks in one call.
    expect(ownedBatches).toBeGreaterThan(0);
  });
});

/** Runs `cmd` on Redis; returns the core event it stands for (without its time), the result and `atMs`. */
async function apply(
  queue: ClaimQueue,
  model: Core.State,
  cmd: Exclude<Command, { _tag: "Sleep" | "AckAndClaim" }>,
): Promise<{ atMs: number; result: Core.Result; event: Omit<Core.Event, "atMs"> }> {
  switch (cmd._tag) {
    case "Enqueue":
      return { ...(await queue.enqueue(cmd.scope)), event: cmd };
    case "Claim":
      return { ...(await queue.claim(cmd.holder, cmd.batchSize)), event: cmd };
    default: {
      const t =
        cmd.token === "current" ? (model.items[cmd.scope]?.claim?.token ?? model.nextToken) : cmd.token;
      const event = { ...cmd, token: t };
      switch (cmd._tag) {
        case "Heartbeat":
          return { ...(await queue.heartbeat(cmd.scope, t)), event };
        case "Ack":
          return { ...(await queue.ack(cmd.scope, t)), event };
        case "Release":
          return { ...(await queue.release(cmd.scope, t)), event };
        case "Retry":
          return { ...(await queue.retry(cmd.scope, t, cmd.error)), event };
        case "Fail":
          return { ...(await queue.fail(cmd.scope, t, cmd.error)), event };
      }
    }
  }
}
