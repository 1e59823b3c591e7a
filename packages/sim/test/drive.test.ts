/**
 * Sync or async, one code path (model/world/drive.ts): `runSync` refuses a computation that needs the microtask
 * queue drained and names it, `runAsync` drains it at every `SETTLE`, and each search function's `…Async` twin
 * returns what the synchronous one does on a world of generator processes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  AsyncTasksError,
  assertScenario,
  assertScenarioAsync,
  assertVariant,
  assertVariantAsync,
  checkDeterminism,
  checkDeterminismAsync,
  exploreVariant,
  exploreVariantAsync,
  replaySeed,
  replaySeedAsync,
  replayTrace,
  replayTraceAsync,
  scenarioPropertyAsync,
  type VariantResult,
} from "../src/index.js";
import {
  exhaustiveSearch,
  exhaustiveSearchAsync,
  runAsync,
  runSync,
  runWorld,
  runWorldAsync,
  runWorldGen,
  SETTLE,
  type Sim,
  shrinkTrace,
  shrinkTraceAsync,
} from "../src/search/index.js";
import { RandomChooser } from "../src/strategy/index.js";
import { reportRunOf, reportRunOfAsync } from "../src/view/index.js";
import { lostUpdate, lostUpdateBuild } from "./fixtures.js";

const variant = (name: string) => lostUpdate.variants.find((v) => v.name === name)!;
const tracesDir = mkdtempSync(join(tmpdir(), "interleave-drive-"));
afterAll(() => rmSync(tracesDir, { recursive: true, force: true }));

/** What must be equal between a synchronous exploration and its async twin (elapsed time aside). */
function essence(r: VariantResult) {
  return {
    verdict: r.verdict,
    strength: r.strength,
    property: r.property,
    seed: r.seed,
    runIndex: r.runIndex,
    schedules: r.schedules,
    steps: r.steps,
    strategy: r.strategy,
    coverage: r.coverage,
    counterexample: r.counterexample?.fingerprint ?? null,
    original: r.original?.fingerprint ?? null,
  };
}

describe("runSync", () => {
  it("returns the value of a computation that never settles (a world of generator processes)", () => {
    const build = lostUpdateBuild(false);
    const run = runSync(runWorldGen(build, new RandomChooser(2)), "lost-update/read-then-write");
    expect(run).toEqual(runWorld(build, new RandomChooser(2)));
  });

  it("throws AsyncTasksError naming the thing at the first SETTLE, and closes the computation", () => {
    let closed = false;
    let caught = false;
    function* inner(): Sim<number> {
      try {
        yield SETTLE;
        return 1;
      } finally {
        closed = true;
      }
    }
    // a catch-all inside the computation (as the shrinker has around each candidate) does not swallow it
    function* outer(): Sim<number> {
      try {
        return yield* inner();
      } catch {
        caught = true;
        return 0;
      }
    }
    const run = () => runSync(outer(), "sync-vs-reset/entry-check");
    expect(run).toThrow(AsyncTasksError);
    expect(run).toThrow(/^sync-vs-reset\/entry-check runs async tasks \(world\.task\).*\*Async/);
    expect(closed).toBe(true);
    expect(caught).toBe(false);
  });
});

describe("runAsync", () => {
  it("lets the microtasks queued before a SETTLE run before the computation goes on", async () => {
    const order: string[] = [];
    function* sim(): Sim<readonly string[]> {
      queueMicrotask(() => order.push("microtask"));
      Promise.resolve().then(() => Promise.resolve().then(() => order.push("chained microtask")));
      order.push("before SETTLE");
      yield SETTLE;
      order.push("after SETTLE");
      return order;
    }
    expect(await runAsync(sim())).toEqual([
      "before SETTLE",
      "microtask",
      "chained microtask",
      "after SETTLE",
    ]);
  });

  it("rejects with what the computation throws", async () => {
    function* failing(): Sim<number> {
      yield SETTLE;
      throw new RangeError("boom");
    }
    await expect(runAsync(failing())).rejects.toThrow(RangeError);
  });
});

describe("the …Async twins give the synchronous results", () => {
  it.each([
    ["read-then-write", "random"],
    ["read-then-write", "pct"],
    ["read-then-write", "exhaustive"],
    ["atomic-increment", "random"],
  ] as const)("exploreVariantAsync: %s, %s", async (name, strategy) => {
    const options = { seed: 7, runs: 100, strategy, shrink: true };
    const sync = exploreVariant(lostUpdate, variant(name), options);
    const async = await exploreVariantAsync(lostUpdate, variant(name), options);
    expect(essence(async)).toEqual(essence(sync));
    expect(async.verdict).toBe(variant(name).expect);
  });

  it("replay, determinism, shrink, exhaustive search, one world, assertVariant", async () => {
    const v = variant("read-then-write");
    const found = exploreVariant(lostUpdate, v, { seed: 3, shrink: false });
    const trace = found.counterexample!;
    expect(await replayTraceAsync(lostUpdate, v, trace)).toEqual(replayTrace(lostUpdate, v, trace));
    expect((await replaySeedAsync(lostUpdate, v, 5)).fingerprint).toBe(
      replaySeed(lostUpdate, v, 5).fingerprint,
    );
    expect(await checkDeterminismAsync(lostUpdate, v, 5)).toEqual(checkDeterminism(lostUpdate, v, 5));
    const budget = { runsMax: 200, timeBudgetMs: Number.POSITIVE_INFINITY };
    expect((await shrinkTraceAsync(lostUpdate, v, trace, budget)).trace).toEqual(
      shrinkTrace(lostUpdate, v, trace, budget).trace,
    );
    const { elapsedMs: _a, ...searched } = exhaustiveSearch(v.build, { depth: 6 });
    const { elapsedMs: _b, ...searchedAsync } = await exhaustiveSearchAsync(v.build, { depth: 6 });
    expect(searchedAsync).toEqual(searched);
    const build = lostUpdateBuild(false);
    expect(await runWorldAsync(build, new RandomChooser(9))).toEqual(runWorld(build, new RandomChooser(9)));
    const asserted = await assertVariantAsync(lostUpdate, "read-then-write", { runs: 50 });
    expect(essence(asserted)).toEqual(essence(assertVariant(lostUpdate, "read-then-write", { runs: 50 })));
  });

  it("the report's store replay", async () => {
    const v = variant("read-then-write");
    const trace = replaySeed(lostUpdate, v, 4);
    const target = { scenario: lostUpdate, variant: v };
    expect(await reportRunOfAsync(trace, "run", target)).toEqual(reportRunOf(trace, "run", target));
  });

  it("fast-check: assertScenarioAsync finds the same shrunk counterexample, scenarioPropertyAsync passes", async () => {
    const options = {
      seed: 42,
      numRuns: 50,
      tracesDir,
      params: fc.record({ writers: fc.integer({ min: 2, max: 4 }) }),
    };
    const { tracePath: _a, ...sync } = assertScenario(lostUpdate, "read-then-write", options);
    const { tracePath: _b, ...async } = await assertScenarioAsync(lostUpdate, "read-then-write", options);
    expect(async).toEqual(sync);
    expect(async.params).toEqual({ writers: 2 });
    await fc.assert(scenarioPropertyAsync(lostUpdate, "atomic-increment"), { numRuns: 20, seed: 1 });
  });
});
