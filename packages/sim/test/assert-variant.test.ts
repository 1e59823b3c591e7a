import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assertVariant, defineScenario, readTrace, replayTrace, sleep, tx, uniform } from "../src/index.js";
import { counter, lostUpdate } from "./fixtures.js";

/** The lost update's atomic increment with every start delay (0, 1, 2 ms) searched exhaustively. */
const everyDelay = defineScenario({
  name: "every-delay",
  source: "test fixture",
  description: "two atomic increments, each after a start delay of 0, 1 or 2 ms",
  params: {},
  variants: { "atomic-increment": { expect: "pass", why: "one transition", options: {} } },
  build(world) {
    const c = world.store("counter", counter, 0);
    for (const name of ["writer-1", "writer-2"])
      world.process(name, function* () {
        yield* sleep(uniform(0, 2, 1, { exhaustive: "all" }), "start");
        yield* tx(c, { _tag: "Increment" });
      });
    world.eventually("every increment is counted", (v) => v.get(c) === 2, { withinMs: 100 });
  },
});

describe("assertVariant", () => {
  it("returns the result when the verdict is the expected one, with every strategy", () => {
    for (const strategy of ["random", "pct", "exhaustive"] as const) {
      expect(assertVariant(lostUpdate, "read-then-write", { strategy }).verdict).toBe("violation");
      expect(assertVariant(lostUpdate, "atomic-increment", { strategy }).verdict).toBe("pass");
    }
  });

  it("throws with the violated property and a replay command whose trace reproduces", () => {
    const dir = mkdtempSync(join(tmpdir(), "interleave-assert-"));
    let message = "";
    try {
      assertVariant(lostUpdate, "read-then-write", { expect: "pass", tracesDir: dir });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(
      /lost-update\/read-then-write \(random\): expected a pass, but "every increment is counted" was violated/,
    );
    const path = /replay: npx interleave replay (\S+)/.exec(message)?.[1];
    expect(path !== undefined && existsSync(path)).toBe(true);
    const variant = lostUpdate.variants[0]!;
    expect(replayTrace(lostUpdate, variant, readTrace(path!))._tag).toBe("Reproduced");
  });

  it("says what a pass means: strength and bound", () => {
    const sampled = assertVariant(lostUpdate, "atomic-increment");
    expect([sampled.strength, sampled.bound]).toEqual(["sampled", null]);
    // lostUpdate's start delay, uniform(0, 2, 1), is searched at its "crossings" support {0, 2}: a cut.
    const crossings = assertVariant(lostUpdate, "atomic-increment", { strategy: "exhaustive" });
    expect([crossings.strength, crossings.bound]).toEqual([
      "bounded",
      "delays at their declared exhaustive supports",
    ]);
    // Every start delay searched: nothing cut, the search is complete.
    const exhaustive = assertVariant(everyDelay, "atomic-increment", { strategy: "exhaustive" });
    expect([exhaustive.strength, exhaustive.bound]).toEqual(["verified", null]);
    expect(exhaustive.coverage).toMatchObject({ complete: true, cutBy: [], deepen: true, deepest: 3 });
    const bounded = assertVariant(lostUpdate, "atomic-increment", {
      strategy: "exhaustive",
      bounds: { deviations: 0 },
    });
    expect([bounded.strength, bounded.bound]).toEqual([
      "bounded",
      "≤ 0 deviations, delays at their declared exhaustive supports",
    ]);
  });

  it("throws when an expected violation is not found, and when a pass is weaker than required", () => {
    expect(() => assertVariant(lostUpdate, "atomic-increment", { expect: "violation" })).toThrow(
      /expected a violation, found none \(sampled — 200 schedules of random from base seed 1/,
    );
    expect(() =>
      assertVariant(lostUpdate, "atomic-increment", {
        strategy: "exhaustive",
        bounds: { deviations: Number.POSITIVE_INFINITY },
        timeBudgetMs: 0,
      }),
    ).toThrow(
      /the pass is weaker than required \(bounded\): sampled — the exhaustive search stopped \(time\) after \d+ schedules before completing any bound/,
    );
    expect(() =>
      assertVariant(lostUpdate, "atomic-increment", {
        strategy: "exhaustive",
        bounds: { deviations: 0 },
        require: "verified",
      }),
    ).toThrow(/weaker than required \(verified\): bounded — no violation with ≤ 0 deviations/);
    expect(() => assertVariant(lostUpdate, "atomic-increment", { require: "bounded" })).toThrow(
      /weaker than required \(bounded\): sampled — 200 schedules of random from base seed 1; other schedules not searched; raise the time budget or use the exhaustive strategy/,
    );
    expect(() => assertVariant(lostUpdate, "nope")).toThrow(/unknown variant "nope"/);
  });
});
