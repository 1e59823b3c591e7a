import { describe, expect, it } from "vitest";
import { runSeed } from "../src/search/index.js";
import { RandomChooser, ReplayChooser, ReplayDivergence } from "../src/strategy/index.js";

const pick = (c: RandomChooser, count = 2) => c.choose({ label: "x", count });

describe("RandomChooser", () => {
  it("is a pure function of its seed", () => {
    const a = new RandomChooser(42);
    const b = new RandomChooser(42);
    const xs = Array.from({ length: 50 }, () => pick(a, 7));
    expect(Array.from({ length: 50 }, () => pick(b, 7))).toEqual(xs);
  });

  it("gives consecutive small seeds independent first choices (seeds are scrambled)", () => {
    const n = 4_000;
    let ones = 0;
    let firstTwoEqual = 0;
    for (let seed = 0; seed < n; seed++) {
      const c = new RandomChooser(seed);
      const a = pick(c);
      const b = pick(c);
      ones += a;
      if (a === b) firstTwoEqual++;
    }
    expect(ones / n).toBeGreaterThan(0.46);
    expect(ones / n).toBeLessThan(0.54);
    expect(firstTwoEqual / n).toBeGreaterThan(0.46);
    expect(firstTwoEqual / n).toBeLessThan(0.54);
  });

  it("follows weights", () => {
    const c = new RandomChooser(7);
    let heavy = 0;
    for (let i = 0; i < 10_000; i++) heavy += c.choose({ label: "w", count: 2, weights: [0.1, 0.9] });
    expect(heavy / 10_000).toBeGreaterThan(0.87);
    expect(heavy / 10_000).toBeLessThan(0.93);
  });
});

describe("runSeed", () => {
  it("starts at the base seed and does not share runs between nearby bases", () => {
    expect(runSeed(123, 0)).toBe(123);
    const a = new Set(Array.from({ length: 1_000 }, (_, i) => runSeed(1, i)));
    const b = Array.from({ length: 1_000 }, (_, i) => runSeed(2, i));
    expect(b.filter((s) => a.has(s)).length).toBeLessThanOrEqual(2);
  });
});

describe("ReplayChooser", () => {
  it("feeds recorded choices back and names the decision where a run diverges", () => {
    const r = new ReplayChooser([
      { label: "pick", count: 2, choice: 1 },
      { label: "fault worker-1", count: 2, choice: 0 },
    ]);
    expect(r.choose({ label: "pick", count: 2 })).toBe(1);
    expect(() => r.choose({ label: "pick", count: 3 })).toThrow(ReplayDivergence);
    expect(() => new ReplayChooser([]).choose({ label: "pick", count: 2 })).toThrow(/has 0 decisions/);
    const other = new ReplayChooser([{ label: "pick", count: 2, choice: 0 }]);
    expect(() => other.choose({ label: "fault worker-2", count: 2 })).toThrow(
      /decision #0: the trace recorded "pick" with 2 options, the run asked for "fault worker-2" with 2 options/,
    );
  });
});
