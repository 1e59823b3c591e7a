/**
 * The determinism guard on real code: a job under the real LeaseManager that slips in `Math.random()` or a real
 * `setTimeout` (one the world does not replace: `node:timers`) fails the exploration with a DeterminismError
 * naming the task, what it used and where — never a silently different run.
 */
import { setTimeout as realSetTimeout } from "node:timers";
import { LeaseManager } from "@interleave/runtime-redis";
import { DeterminismError, defineScenario, exploreVariantAsync } from "@interleave/sim";
import { simRedis } from "@interleave/sim/redis";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";

function jobThat(slip: "random" | "timer") {
  return defineScenario({
    name: "slipping-job",
    source: "test",
    description: "a leased job that slips",
    params: {},
    variants: { job: { expect: "pass", why: "-", options: {} } },
    build(world) {
      const redis = simRedis(world);
      world.task("billing-1", async () => {
        const leases = new LeaseManager(redis.client() as unknown as Redis, { leaseTtlMs: 3_000 });
        await leases.withLease("interest", "billing-1", async () => {
          if (slip === "random") Math.random();
          else await new Promise((resolve) => realSetTimeout(resolve, 10));
        });
      });
    },
  });
}

describe("the determinism guard on real code", () => {
  it("names a Math.random() in the job", async () => {
    const s = jobThat("random");
    const run = exploreVariantAsync(s, s.variants[0]!, { seed: 1, runs: 1 });
    await expect(run).rejects.toThrow(
      /task "billing-1" used Math\.random\(\) inside a simulated run \(at .*guard\.test\.ts/,
    );
    await expect(run).rejects.toSatisfy((e: Error) => e.cause instanceof DeterminismError);
  });

  it("names a real setTimeout in the job", async () => {
    const s = jobThat("timer");
    const run = exploreVariantAsync(s, s.variants[0]!, { seed: 1, runs: 1 });
    await expect(run).rejects.toThrow(/task "billing-1" used a real timer .*guard\.test\.ts/);
  });
});
