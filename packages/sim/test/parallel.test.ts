/**
 * Work stealing (io/parallel.ts, io/parallel-worker.ts): threads that take a seeded exploration's runs in chunks
 * from one shared counter, or an exhaustive search's shards one at a time, give the single thread's result.
 * "The single thread's result" for a seeded strategy: the same verdict, property, first failing run (`runIndex`,
 * `seed`), counterexample, and `schedules` and `steps` counting exactly the runs up to the first failing one
 * (or all of them for a pass) — runs past it that another thread ran meanwhile are not counted.
 *
 * The first part runs the threads' shares interleaved on this thread (each yields after every run, so their
 * claims interleave and some run past the first failure); the last one on real worker threads.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ExploreOptions, exploreVariant, type VariantResult } from "../src/index.js";
import { combineParts, WorkerPool } from "../src/io/parallel.js";
import { CONTROL, explorePart, type PartTask } from "../src/io/parallel-worker.js";
import type { Scenario, ScenarioVariant } from "../src/model/scenario.js";
import { NO_VIOLATION } from "../src/search/explore.js";
import { PARALLELISM } from "../src/strategy/registry.js";
import { lostUpdate, rareLostUpdate, variantOf } from "./fixtures.js";

const timeless = (r: VariantResult) => ({ ...r, elapsedMs: 0 });

/** `threads` shares of one exploration, interleaved on this thread; the combined result and the parts. */
async function interleaved(
  scenario: Scenario,
  variant: ScenarioVariant,
  options: Omit<ExploreOptions, "stopBefore" | "onProgress" | "nextRun" | "pause">,
  threads: number,
  share: PartTask["share"],
) {
  const control = new SharedArrayBuffer(4 * CONTROL.size);
  new Int32Array(control)[CONTROL.firstFailure] = NO_VIOLATION;
  const task = (): PartTask => ({
    scenario: scenario.name,
    variant: variant.name,
    options,
    share,
    control,
    deadline: null,
    progress: null,
  });
  const parts = await Promise.all(
    Array.from({ length: threads }, () => explorePart(scenario, variant, task(), () => true)),
  );
  return { parts, result: combineParts(parts, share, options.partition, performance.now()) };
}

describe("work stealing gives the single thread's result", () => {
  it("seeded: the same first failing run, counterexample, and schedules and steps up to it", async () => {
    const cases: [Scenario, string, ExploreOptions][] = [
      [rareLostUpdate, "spread-start", { seed: 1, runs: 3000 }],
      [rareLostUpdate, "spread-start", { seed: 2, runs: 3000, shrink: false }],
      [rareLostUpdate, "spread-start", { seed: 3, runs: 3000, strategy: "pct" }],
      [rareLostUpdate, "spread-start", { seed: 4, runs: 3000, partition: { index: 1, count: 3 } }],
      [rareLostUpdate, "atomic-increment", { seed: 5, runs: 500 }],
      [lostUpdate, "read-then-write", { seed: 6 }],
      [lostUpdate, "atomic-increment", { seed: 7, runs: 300, partition: { index: 0, count: 2 } }],
    ];
    let ranPast = 0;
    for (const [scenario, name, options] of cases) {
      const variant = variantOf(scenario, name);
      const one = exploreVariant(scenario, variant, options);
      for (const threads of [2, 3]) {
        const { parts, result } = await interleaved(scenario, variant, options, threads, { kind: "runs" });
        expect(timeless(result)).toEqual(timeless(one));
        // the work was shared: every thread took chunks and ran schedules
        for (const part of parts) expect(part.results[0]!.schedules).toBeGreaterThan(0);
        const run = parts.reduce((n, p) => n + p.results[0]!.schedules, 0);
        if (run > result.schedules) ranPast++;
      }
    }
    expect(PARALLELISM.random).toBe("runs");
    // some threads ran past the first failure, and those runs were left out of the count
    expect(ranPast).toBeGreaterThan(0);
  }, 60_000);

  it("exhaustive: shards finer than the threads, taken in turn, cover the single search", async () => {
    const options: ExploreOptions = {
      seed: 1,
      strategy: "exhaustive",
      bounds: { deviations: 2 },
    };
    const pass = variantOf(lostUpdate, "atomic-increment");
    const one = exploreVariant(lostUpdate, pass, options);
    const { parts, result } = await interleaved(lostUpdate, pass, options, 2, { kind: "shards", units: 8 });
    expect(parts.map((p) => p.results.length).reduce((a, b) => a + b)).toBe(8);
    expect(parts.every((p) => p.results.length > 0)).toBe(true);
    expect(result.verdict).toBe("pass");
    expect(result.schedules).toBe(one.schedules);
    expect(result.coverage).toEqual({ ...one.coverage, pruned: result.coverage!.pruned });
    const fail = variantOf(lostUpdate, "read-then-write");
    const found = await interleaved(lostUpdate, fail, options, 2, { kind: "shards", units: 8 });
    expect(found.result.verdict).toBe("violation");
    expect(found.result.coverage?.stoppedBy).toBe("violation");
  }, 60_000);
});

describe("WorkerPool on worker threads", () => {
  it("loads the registry from one compiled bundle and gives the single thread's result", async () => {
    const registry = join(import.meta.dirname, "soak-registry-fixture.ts");
    const pool = new WorkerPool(2);
    try {
      const entry = await pool.ready(registry);
      // from sources the search and the registry are TypeScript: compiled once, in this thread
      expect(["built", "cached"]).toContain(entry?.how);
      const variant = variantOf(rareLostUpdate, "spread-start");
      for (const seed of [11, 12, 13]) {
        const options = { seed, runs: 4000 };
        const one = exploreVariant(rareLostUpdate, variant, options);
        const two = await pool.explore(registry, rareLostUpdate.name, variant.name, options);
        expect(pool.lastThreads).toBe(2);
        expect(timeless(two)).toEqual(timeless(one));
      }
    } finally {
      await pool.close();
    }
  }, 120_000);
});
