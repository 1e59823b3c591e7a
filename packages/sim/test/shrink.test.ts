import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUDGET, counterexample, expectSound } from "../../../test/support/shrink.js";
import {
  defineScenario,
  readTrace,
  type StoreRef,
  sleep,
  type Trace,
  tx,
  uniform,
  writeTrace,
} from "../src/index.js";
import { shrinkTrace } from "../src/search/shrink.js";
import { type CounterEvent, type CounterResult, counter, lostUpdate, variantOf } from "./fixtures.js";

type Counter = StoreRef<number, CounterEvent, CounterResult>;

/**
 * The lost update plus things that do not matter to it: a `noise` process with drawn gaps between reads of
 * another key, which may crash (and restart) under the fault plan, and drawn start and think delays.
 */
const noisy = defineScenario({
  name: "noisy-lost-update",
  source: "test",
  description: "two writers, one counter, a crashing bystander",
  params: {},
  runs: 500,
  variants: { bug: { expect: "violation", why: "read and write are two steps", options: {} } },
  build(world) {
    const c: Counter = world.store("counter", counter, 0);
    const n: Counter = world.store("noise", counter, 0);
    world.faults({ crash: { probability: 0.2, restartDelayMs: uniform(10, 40, 10), countMax: 2 } });
    world.process(
      "noise",
      function* () {
        for (let i = 0; i < 6; i++) {
          yield* sleep(uniform(0, 30, 10), "gap");
          yield* tx(n, { _tag: "Read" });
        }
      },
      { faults: true },
    );
    for (const name of ["writer-1", "writer-2"]) {
      world.process(name, function* () {
        yield* sleep(uniform(0, 30, 10), "start");
        const r = yield* tx(c, { _tag: "Read" });
        yield* sleep(uniform(0, 20, 10), "think");
        yield* tx(c, { _tag: "Write", value: r.value + 1 });
      });
    }
    world.eventually("every increment is counted", (v) => v.get(c) === 2, { withinMs: 300 });
  },
});

const crashes = (t: Trace) => t.events.filter((e) => e.op === "crash").length;
const delayMs = (t: Trace) =>
  t.events.filter((e) => e.op === "sleep").reduce((sum, e) => sum + (e.input as { ms: number }).ms, 0);

describe("shrinkTrace", () => {
  const lostUpdateBug = variantOf(lostUpdate, "read-then-write");
  const noisyBug = variantOf(noisy, "bug");

  it("lost update: the shrunk trace replays exactly, breaks the same property, and both writers start at once", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const original = counterexample(lostUpdate, lostUpdateBug, seed);
      const { trace, attempts } = shrinkTrace(lostUpdate, lostUpdateBug, original, BUDGET);
      expectSound(lostUpdate, lostUpdateBug, original, trace);
      expect(trace.shrunk?.attempts).toBe(attempts);
      expect(trace.decisions.filter((d) => d.label.endsWith(": start")).map((d) => d.choice)).toEqual([0, 0]);
      expect(trace.endMs).toBe(0);
    }
  });

  it("drops a crash that does not matter and shortens the drawn delays", () => {
    let crashesBefore = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const original = counterexample(noisy, noisyBug, seed);
      const { trace } = shrinkTrace(noisy, noisyBug, original, BUDGET);
      expectSound(noisy, noisyBug, original, trace);
      crashesBefore += crashes(original);
      expect(crashes(trace), `seed ${seed}`).toBe(0);
      expect(trace.decisions.filter((d) => d.label.startsWith("fault ") && d.choice !== 0)).toEqual([]);
      expect(delayMs(trace), `seed ${seed}`).toBeLessThan(delayMs(original));
    }
    expect(crashesBefore).toBeGreaterThan(0);
  });

  it("is deterministic: the same trace and budget give the same shrunk trace", () => {
    const original = counterexample(noisy, noisyBug, 7);
    const a = shrinkTrace(noisy, noisyBug, original, {
      runsMax: 300,
      timeBudgetMs: Number.POSITIVE_INFINITY,
    });
    const b = shrinkTrace(noisy, noisyBug, original, {
      runsMax: 300,
      timeBudgetMs: Number.POSITIVE_INFINITY,
    });
    expect(b).toEqual(a);
  });

  it("stops at a fixpoint: shrinking a shrunk trace changes nothing and keeps the first original's counts", () => {
    const original = counterexample(noisy, noisyBug, 3);
    const once = shrinkTrace(noisy, noisyBug, original, BUDGET);
    expect(once.attempts).toBeLessThan(BUDGET.runsMax);
    const twice = shrinkTrace(noisy, noisyBug, once.trace, BUDGET);
    expect(twice.accepted).toBe(0);
    expect(twice.trace.fingerprint).toBe(once.trace.fingerprint);
    expect(twice.trace.shrunk).toMatchObject({
      originalDecisions: original.decisions.length,
      originalSteps: original.steps,
    });
  });

  it("keeps to its budget and, with no runs to spare, returns the original re-recorded", () => {
    const original = counterexample(noisy, noisyBug, 1);
    const small = shrinkTrace(noisy, noisyBug, original, {
      runsMax: 5,
      timeBudgetMs: Number.POSITIVE_INFINITY,
    });
    expect(small.attempts).toBeLessThanOrEqual(5);
    expectSound(noisy, noisyBug, original, small.trace);
    const none = shrinkTrace(noisy, noisyBug, original, {
      runsMax: 1,
      timeBudgetMs: Number.POSITIVE_INFINITY,
    });
    expect(none).toMatchObject({ attempts: 1, accepted: 0 });
    expect(none.trace.fingerprint).toBe(original.fingerprint);
    expect(none.trace.decisions).toEqual(original.decisions);
    expect(none.trace.shrunk?.attempts).toBe(1);
  });

  it("a shrunk trace round-trips through its file, shrunk counts included", () => {
    const original = counterexample(noisy, noisyBug, 2);
    const { trace } = shrinkTrace(noisy, noisyBug, original, BUDGET);
    const path = writeTrace(join(mkdtempSync(join(tmpdir(), "interleave-shrink-")), "s.json"), trace);
    expect(readTrace(path)).toEqual(trace);
  });

  it("rejects what it cannot shrink, naming the problem", () => {
    const original = counterexample(lostUpdate, lostUpdateBug, 1);
    const atomic = variantOf(lostUpdate, "atomic-increment");
    expect(() => shrinkTrace(lostUpdate, atomic, original)).toThrow(
      /trace is of lost-update\/read-then-write, not lost-update\/atomic-increment/,
    );
    expect(() => shrinkTrace(lostUpdate, lostUpdateBug, { ...original, violation: null })).toThrow(
      /has no violation/,
    );
    const relabelled = original.decisions.map((d, i) => (i === 0 ? { ...d, label: "elsewhere" } : d));
    expect(() => shrinkTrace(lostUpdate, lostUpdateBug, { ...original, decisions: relabelled })).toThrow(
      /no longer replays on the current code: decision #0/,
    );
    expect(() => shrinkTrace(lostUpdate, lostUpdateBug, original, { runsMax: 0 })).toThrow(
      /runsMax must be a positive integer/,
    );
    expect(() => shrinkTrace(lostUpdate, lostUpdateBug, original, { timeBudgetMs: 0 })).toThrow(
      /timeBudgetMs must be positive/,
    );
  });
});
