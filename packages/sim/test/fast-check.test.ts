import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  assertScenario,
  DECISION_VALUE_RANGE,
  decisionIndex,
  decisionStream,
  StreamChooser,
  scenarioProperty,
} from "../src/adapters/fast-check.js";
import { defineScenario, InputError, readTrace, replayTrace, tx } from "../src/index.js";
import { runWorld } from "../src/search/index.js";
import { counter, lostUpdate } from "./fixtures.js";

const dirs: string[] = [];
/** A fresh traces directory per test, removed at the end. */
function tracesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "interleave-fast-check-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const writers = fc.record({ writers: fc.integer({ min: 2, max: 5 }) });
const variantOf = (name: string) => lostUpdate.variants.find((v) => v.name === name)!;
const runsOf = (stream: readonly number[], params: unknown) =>
  runWorld(variantOf("read-then-write").buildWith(params), new StreamChooser(stream));

describe("StreamChooser", () => {
  const request = (count: number, weights?: number[]) => ({ label: "x", count, weights });

  it("takes option 0 for value 0 and for every decision past the end of the stream", () => {
    const chooser = new StreamChooser([0]);
    expect([0, 1, 2].map(() => chooser.choose(request(3)))).toEqual([0, 0, 0]);
    expect(chooser.consumed).toBe(3);
  });

  it("reads a value as a quantile: the halfway value is option 1 of 2, the last value the last option", () => {
    const chooser = new StreamChooser([32_767, 32_768, DECISION_VALUE_RANGE - 1, 21_846]);
    expect([2, 2, 7, 3].map((count) => chooser.choose(request(count)))).toEqual([0, 1, 6, 1]);
  });

  it("splits the value range evenly among unweighted options (sizes differ by at most one value)", () => {
    for (const count of [2, 3, 7, 15]) {
      const sizes = new Array<number>(count).fill(0);
      for (let v = 0; v < DECISION_VALUE_RANGE; v++) sizes[decisionIndex(v, request(count))]!++;
      expect(Math.max(...sizes) - Math.min(...sizes), `count ${count}`).toBeLessThanOrEqual(1);
    }
  });

  it("follows the weights: a 5 % fault takes 5 % of the value range, and value 0 is no fault", () => {
    const fault = request(2, [0.95, 0.05]);
    let faults = 0;
    for (let v = 0; v < DECISION_VALUE_RANGE; v++) faults += decisionIndex(v, fault);
    expect(faults).toBe(DECISION_VALUE_RANGE - Math.ceil(0.95 * DECISION_VALUE_RANGE));
    expect(decisionIndex(0, fault)).toBe(0);
  });

  it("property: monotone in the value, in range, and never an option of weight 0", () => {
    const weighted = fc
      .array(fc.oneof(fc.constant(0), fc.double({ min: 0.001, max: 10, noNaN: true })), {
        minLength: 2,
        maxLength: 8,
      })
      .filter((ws) => ws.some((w) => w > 0));
    fc.assert(
      fc.property(
        weighted,
        fc.nat(DECISION_VALUE_RANGE - 1),
        fc.nat(DECISION_VALUE_RANGE - 1),
        (weights, a, b) => {
          const r = request(weights.length, weights);
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const i = decisionIndex(lo, r);
          const j = decisionIndex(hi, r);
          expect(i).toBeLessThanOrEqual(j);
          for (const k of [i, j]) {
            expect(k >= 0 && k < weights.length).toBe(true);
            expect(weights[k]).toBeGreaterThan(0);
          }
        },
      ),
      { seed: 11 },
    );
  });

  it("refuses an entry outside [0, 65536), naming its index", () => {
    expect(() => new StreamChooser([0, 65_536])).toThrow(/entry #1 must be an integer in \[0, 65536\)/);
    expect(() => new StreamChooser([1.5])).toThrow(/entry #0/);
    expect(() => new StreamChooser([-1])).toThrow(/entry #0/);
  });
});

describe("decisionStream", () => {
  it("generates streams of 0..maxLength entries in range, over the whole length range", () => {
    const samples = fc.sample(decisionStream({ maxLength: 40 }), { seed: 3, numRuns: 200 });
    for (const s of samples) {
      expect(s.length).toBeLessThanOrEqual(40);
      for (const v of s) expect(Number.isInteger(v) && v >= 0 && v < DECISION_VALUE_RANGE).toBe(true);
    }
    expect(Math.max(...samples.map((s) => s.length))).toBeGreaterThan(30);
  });

  it("refuses a negative or fractional maxLength", () => {
    expect(() => decisionStream({ maxLength: -1 })).toThrow(/maxLength must be a non-negative integer/);
    expect(() => decisionStream({ maxLength: 2.5 })).toThrow(/maxLength/);
  });
});

describe("scenarioProperty", () => {
  it("fails on the lost update and holds on the atomic increment", () => {
    expect(fc.check(scenarioProperty(lostUpdate, "read-then-write"), { seed: 1 }).failed).toBe(true);
    expect(fc.check(scenarioProperty(lostUpdate, "atomic-increment"), { seed: 1 }).failed).toBe(false);
  });

  it("refuses an unknown variant, listing the variants", () => {
    expect(() => scenarioProperty(lostUpdate, "nope")).toThrow(InputError);
    expect(() => scenarioProperty(lostUpdate, "nope")).toThrow(/read-then-write, atomic-increment/);
  });
});

describe("assertScenario", () => {
  it("finds the lost update and shrinks params and schedule together to 2 writers and a minimal stream", () => {
    for (const seed of [1, 2, 42]) {
      const r = assertScenario(lostUpdate, "read-then-write", {
        params: writers,
        seed,
        tracesDir: tracesDir(),
      });
      expect(r.found).toBe(true);
      expect(r.property).toBe("every increment is counted");
      expect(r.params).toEqual({ writers: 2 });
      expect(r.numShrinks).toBeGreaterThan(0);
      const stream = r.stream!;
      expect(runsOf(stream, r.params).violation).not.toBeNull();
      // Shrunk: no entry beyond the decisions the run took, and dropping or zeroing any entry loses the race.
      expect(stream.length).toBeLessThanOrEqual(r.trace!.decisions.length);
      stream.forEach((v, i) => {
        const dropped = stream.filter((_, j) => j !== i);
        expect(runsOf(dropped, r.params).violation, `seed ${seed}: drop #${i}`).toBeNull();
        if (v > 0) {
          const zeroed = stream.map((x, j) => (j === i ? 0 : x));
          expect(runsOf(zeroed, r.params).violation, `seed ${seed}: zero #${i}`).toBeNull();
        }
      });
    }
  });

  it("writes a trace that replays to the same run, with the shrunk params", () => {
    const dir = tracesDir();
    const r = assertScenario(lostUpdate, "read-then-write", { params: writers, seed: 7, tracesDir: dir });
    expect(r.tracePath).toBe(join(dir, "lost-update.read-then-write.fast-check.json"));
    const trace = readTrace(r.tracePath!);
    expect(trace.params).toEqual({ writers: 2 });
    expect(trace.strategy).toBe("fast-check");
    expect(trace.seed).toBe(r.fcSeed >>> 0);
    expect(trace.violation?.property).toBe("every increment is counted");
    const outcome = replayTrace(lostUpdate, variantOf("read-then-write"), trace);
    expect(outcome._tag).toBe("Reproduced");
  });

  it("the trace's params rebuild the world: 3 writers replay, the declared 2 do not", () => {
    const three = fc.record({ writers: fc.integer({ min: 3, max: 5 }) });
    const r = assertScenario(lostUpdate, "read-then-write", {
      params: three,
      seed: 7,
      tracesDir: tracesDir(),
    });
    expect(r.params).toEqual({ writers: 3 });
    const trace = readTrace(r.tracePath!);
    expect(trace.processes).toContain("writer-3");
    expect(replayTrace(lostUpdate, variantOf("read-then-write"), trace)._tag).toBe("Reproduced");
    const { params: _, ...withoutParams } = trace;
    expect(replayTrace(lostUpdate, variantOf("read-then-write"), withoutParams)._tag).not.toBe("Reproduced");
  });

  it("with the scenario's declared params, the trace carries no params", () => {
    const r = assertScenario(lostUpdate, "read-then-write", { seed: 7, tracesDir: tracesDir() });
    expect(r.params).toEqual(lostUpdate.params);
    expect(r.trace).not.toHaveProperty("params");
    expect(replayTrace(lostUpdate, variantOf("read-then-write"), readTrace(r.tracePath!))._tag).toBe(
      "Reproduced",
    );
  });

  it("is deterministic for a fixed seed, and the printed path re-runs the same counterexample", () => {
    const dir = tracesDir();
    const a = assertScenario(lostUpdate, "read-then-write", { params: writers, seed: 99, tracesDir: dir });
    const b = assertScenario(lostUpdate, "read-then-write", { params: writers, seed: 99, tracesDir: dir });
    expect(b).toEqual(a);
    const c = assertScenario(lostUpdate, "read-then-write", {
      params: writers,
      seed: 99,
      path: a.fcPath!,
      tracesDir: dir,
    });
    expect([c.params, c.stream, c.trace?.fingerprint]).toEqual([a.params, a.stream, a.trace?.fingerprint]);
  });

  it("a pass variant passes every run", () => {
    const r = assertScenario(lostUpdate, "atomic-increment", { params: writers, seed: 5, numRuns: 200 });
    expect(r).toMatchObject({ found: false, property: null, trace: null, tracePath: null, fcSeed: 5 });
    expect(r.numRuns).toBe(200);
  });

  it("expecting a pass, a violation throws with the property, params, seed, path and replay command", () => {
    const dir = tracesDir();
    let message = "";
    try {
      assertScenario(lostUpdate, "read-then-write", {
        params: writers,
        seed: 42,
        tracesDir: dir,
        expect: "pass",
      });
    } catch (error) {
      message = (error as Error).message;
    }
    const tracePath = join(dir, "lost-update.read-then-write.fast-check.json");
    expect(message).toContain(
      'lost-update/read-then-write is expected to pass, but fast-check found a violation of "every increment is counted"',
    );
    expect(message).toContain('params: {"writers":2}');
    expect(message).toMatch(/fast-check seed 42, path "\d+(:\d+)*"/);
    expect(message).toContain(`npx interleave replay ${tracePath}`);
    expect(replayTrace(lostUpdate, variantOf("read-then-write"), readTrace(tracePath))._tag).toBe(
      "Reproduced",
    );
  });

  it("expecting a violation where there is none throws with the run count and seed", () => {
    expect(() =>
      assertScenario(lostUpdate, "atomic-increment", { seed: 8, numRuns: 50, expect: "violation" }),
    ).toThrow("expected a violation of lost-update/atomic-increment, none in 50 runs (fast-check seed 8)");
  });

  it("a run that throws is reported as such, whatever the expectation, and writes no trace", () => {
    const broken = defineScenario({
      name: "broken",
      source: "test",
      description: "throws for three writers or more",
      params: { writers: 1 },
      variants: { only: { expect: "violation", why: "test", options: {} } },
      build(world, p) {
        if (p.writers >= 3) throw new Error(`writers ${p.writers} is not supported`);
        const c = world.store("c", counter, 0);
        world.process("writer", function* () {
          yield* tx(c, { _tag: "Increment" });
        });
      },
    });
    const dir = tracesDir();
    const params = fc.record({ writers: fc.integer({ min: 1, max: 9 }) });
    expect(() => assertScenario(broken, "only", { params, seed: 1, tracesDir: dir })).toThrow(
      /broken\/only threw in the shrunk fast-check counterexample: writers 3 is not supported\n {2}params: \{"writers":3\}[\s\S]*fast-check seed 1/,
    );
    expect(() => readTrace(join(dir, "broken.only.fast-check.json"))).toThrow(/cannot read trace file/);
  });

  it("refuses bad options", () => {
    expect(() => assertScenario(lostUpdate, "read-then-write", { numRuns: 0 })).toThrow(
      /numRuns must be a positive integer/,
    );
    expect(() => assertScenario(lostUpdate, "read-then-write", { seed: 1.5 })).toThrow(
      /seed must be an integer/,
    );
    expect(() => assertScenario(lostUpdate, "nope")).toThrow(InputError);
  });
});
