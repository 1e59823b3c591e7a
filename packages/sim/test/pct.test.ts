import { describe, expect, it } from "vitest";
import { defineScenario, exploreVariant, type StoreRef, tx, type WorldBuilder } from "../src/index.js";
import { runSeed, runWorld } from "../src/search/index.js";
import { PctChooser, pctSteps, RandomChooser } from "../src/strategy/index.js";
import { type CounterEvent, type CounterResult, counter } from "./fixtures.js";

type Counter = StoreRef<number, CounterEvent, CounterResult>;

function* noise(c: Counter, steps: number) {
  for (let i = 0; i < steps; i++) yield* tx(c, { _tag: "Read" });
}

/**
 * Depth 1 (one ordering constraint): `checker` must look at the flag before `setter` sets it. Both start at
 * once and take `steps` noise steps first.
 */
function orderingBug(steps: number) {
  return (world: WorldBuilder) => {
    const flag: Counter = world.store("flag", counter, 0);
    const c: Counter = world.store("c", counter, 0);
    let seenEarly = false;
    world.process("setter", function* () {
      yield* noise(c, steps);
      yield* tx(flag, { _tag: "Write", value: 1 });
    });
    world.process("checker", function* () {
      yield* noise(c, steps);
      const r = yield* tx(flag, { _tag: "Read" });
      seenEarly = r.value === 0;
    });
    world.always("the checker never runs before the setter", () => !seenEarly);
  };
}

/**
 * Depth 2 (two ordering constraints): a lost update — each writer's read must come before the other's write.
 * Writer 1 takes `steps` noise steps first, so random scheduling rarely lines the reads up.
 */
function lostUpdateBug(steps: number) {
  return (world: WorldBuilder) => {
    const c: Counter = world.store("counter", counter, 0);
    const n: Counter = world.store("noise", counter, 0);
    world.process("writer-1", function* () {
      yield* noise(n, steps);
      const r = yield* tx(c, { _tag: "Read" });
      yield* tx(c, { _tag: "Write", value: r.value + 1 });
    });
    world.process("writer-2", function* () {
      const r = yield* tx(c, { _tag: "Read" });
      yield* tx(c, { _tag: "Write", value: r.value + 1 });
    });
    world.eventually("every increment is counted", (v) => v.get(c) === 2, { withinMs: 10 });
  };
}

/** The fraction of `runs` PCT runs (depth `depth`) of `build` that violate a property. */
function pctRate(build: (w: WorldBuilder) => void, depth: number, steps: number, runs: number): number {
  let found = 0;
  for (let i = 0; i < runs; i++) {
    if (runWorld(build, new PctChooser(runSeed(1, i), { depth, steps })).violation !== null) found++;
  }
  return found / runs;
}

describe("PctChooser (Burckhardt et al., ASPLOS 2010)", () => {
  it("is a pure function of (seed, depth, steps)", () => {
    const build = lostUpdateBug(6);
    const a = runWorld(build, new PctChooser(9, { depth: 2, steps: 10 }));
    const b = runWorld(build, new PctChooser(9, { depth: 2, steps: 10 }));
    expect(b.decisions).toEqual(a.decisions);
  });

  it("finds a depth-1 bug with probability at least 1/n (n = 2 processes)", () => {
    const rate = pctRate(orderingBug(8), 1, 20, 2_000);
    expect(rate).toBeGreaterThanOrEqual(1 / 2 - 0.05);
  });

  it("finds a depth-2 bug with probability at least 1/(n·k), where random scheduling is far below it", () => {
    const build = lostUpdateBug(20);
    const variant = { name: "v", expect: "violation" as const, why: "", build, buildWith: () => build };
    const k = pctSteps(variant);
    const bound = 1 / (2 * k);
    const rate = pctRate(build, 2, k, 4_000);
    expect(rate).toBeGreaterThanOrEqual(bound);
    let random = 0;
    for (let i = 0; i < 4_000; i++) {
      if (runWorld(build, new RandomChooser(runSeed(2, i))).violation !== null) random++;
    }
    expect(rate).toBeGreaterThan((random / 4_000) * 2);
  });

  it("explore --strategy pct reports its depth and finds the lost update", () => {
    const scenario = defineScenario({
      name: "lost-update-deep",
      source: "test",
      description: "writer-1 starts 20 steps late",
      params: {},
      runs: 500,
      variants: { bug: { expect: "violation", why: "read and write are two steps", options: {} } },
      build: (world) => lostUpdateBug(20)(world),
    });
    const r = exploreVariant(scenario, scenario.variants[0]!, { seed: 3, strategy: "pct", pctDepth: 2 });
    expect(r.verdict).toBe("violation");
    expect(r.strategy).toBe("pct(d=2)");
    expect(r.counterexample?.strategy).toBe("pct(d=2)");
  });

  it("rejects a depth or a step estimate below 1", () => {
    expect(() => new PctChooser(1, { depth: 0, steps: 5 })).toThrow(/depth must be an integer >= 1/);
    expect(() => new PctChooser(1, { depth: 2, steps: 0 })).toThrow(/steps must be an integer >= 1/);
  });
});
