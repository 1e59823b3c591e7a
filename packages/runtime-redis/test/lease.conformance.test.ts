// Conformance of the lease scripts to the core: random command sequences (fast-check) run against
// `LeaseManager` on a private Redis and against `Lease.transition` fed the `atMs` each script reports; every
// result and the state read back from Redis must be deep-equal to the core's. Short TTLs and rare real
// sleeps let grants expire, so reclaim, Expired and re-acquire-after-expiry are exercised.

import { Lease } from "@interleave/core";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { LeaseManager } from "../src/lease/lease.js";
import { useRedis } from "./support/redis.js";

const HOLDERS = ["a", "b", "c"] as const;
const LEASE_TTL_MS = 25;

type Command =
  | { readonly op: "Acquire"; readonly holder: string }
  | { readonly op: "Renew" | "Release"; readonly holder: string; readonly tokenDelta: number }
  | { readonly op: "Sleep"; readonly ms: number };

const holder = fc.constantFrom(...HOLDERS);
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("Acquire" as const), holder }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constantFrom("Renew" as const, "Release" as const),
      holder,
      tokenDelta: fc.constantFrom(0, 0, 0, -1, 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("Sleep" as const), ms: fc.integer({ min: 1, max: 35 }) }),
  },
);

describe("lease scripts conform to Lease.transition", () => {
  const redis = useRedis();
  let leases: LeaseManager;
  let run = 0;
  beforeAll(async () => {
    leases = new LeaseManager(redis.client(), { leaseTtlMs: LEASE_TTL_MS, heartbeatIntervalMs: 5 });
  });

  it("gives the same result and state for every random command sequence (property, 200 runs)", async () => {
    const tags = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 14 }), async (commands) => {
        const name = `conformance-${run++}`;
        let model = Lease.initial({ leaseTtlMs: LEASE_TTL_MS });
        expect(await leases.state(name)).toEqual(model);
        for (const c of commands) {
          if (c.op === "Sleep") {
            await new Promise((r) => setTimeout(r, c.ms));
            continue;
          }
          const event =
            c.op === "Acquire"
              ? ({ _tag: "Acquire", holder: c.holder } as const)
              : ({ _tag: c.op, holder: c.holder, token: model.token + c.tokenDelta } as const);
          const { atMs, result } = await leases.apply(name, event);
          const expected = Lease.transition(model, { ...event, atMs });
          model = expected.state;
          tags.add(result._tag + (result._tag === "Granted" && result.reclaimed ? "(reclaimed)" : ""));
          expect(result).toEqual(expected.result);
          expect(await leases.state(name)).toEqual(model);
        }
      }),
      {
        numRuns: 200,
        // Pinned first, so that every result below is reached whatever the seed: expiry then Expired on renew,
        // reclaim by another holder, and the expired holder's stale release.
        examples: [
          [
            [
              { op: "Acquire", holder: "a" },
              { op: "Sleep", ms: 35 },
              { op: "Renew", holder: "a", tokenDelta: 0 },
              { op: "Acquire", holder: "b" },
              { op: "Acquire", holder: "a" },
              { op: "Release", holder: "a", tokenDelta: -1 },
              { op: "Renew", holder: "b", tokenDelta: 0 },
              { op: "Release", holder: "b", tokenDelta: 0 },
            ],
          ],
        ],
      },
    );
    // The sequences reached every result of the machine, so the equality above covered each branch.
    expect([...tags].sort()).toEqual(
      ["Busy", "Expired", "Granted", "Granted(reclaimed)", "NotOwner", "Released", "Renewed"].sort(),
    );
  });

  it("hands out strictly increasing fencing tokens per lease across grants", async () => {
    const name = "tokens";
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const g = await leases.acquire(name, HOLDERS[i % 3]!);
      if (g._tag !== "Granted") throw new Error(`expected Granted, got ${g._tag}`);
      seen.push(g.token);
      expect((await leases.release(name, HOLDERS[i % 3]!, g.token))._tag).toBe("Released");
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });
});
