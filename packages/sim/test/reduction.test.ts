/**
 * Partial-order reduction (statespace/reduction.ts) on small models written here: every verdict equals the
 * unreduced one, a planted violation is still found, fewer states are stored, and the cycle proviso keeps a
 * process that only ever moves locally from postponing the others' moves forever (the "ignoring problem").
 */
import { describe, expect, it } from "vitest";
import { checkStateSpace } from "../src/statespace/checker.js";
import type { StateSpaceModel } from "../src/statespace/model.js";
import { counters } from "./check-workers-fixture.js";

describe("partial-order reduction", () => {
  it("keeps the verified verdict in fewer states and transitions", () => {
    const model = counters(3, 4, 99);
    const full = checkStateSpace(model, { reduction: false });
    const reduced = checkStateSpace(model);
    expect([full._tag, reduced._tag]).toEqual(["Verified", "Verified"]);
    expect(reduced.states).toBeLessThan(full.states);
    expect(reduced.transitions).toBeLessThan(full.transitions);
  });

  it("still finds a planted violation, of the same invariant, no shorter than the unreduced one", () => {
    const model = counters(3, 4, 3);
    const full = checkStateSpace(model, { reduction: false });
    const reduced = checkStateSpace(model);
    if (full._tag !== "Violation" || reduced._tag !== "Violation") throw new Error("expected violations");
    expect(reduced.invariant).toBe(full.invariant);
    expect(reduced.path.at(-1)?.state.shared).toBe(3);
    expect(reduced.path.length).toBeGreaterThanOrEqual(full.path.length);
  });

  it("a model without a declaration, or reduction off, explores every interleaving (the same figures)", () => {
    const { reduction: _, ...plain } = counters(2, 3, 99);
    const a = checkStateSpace(plain);
    const b = checkStateSpace(counters(2, 3, 99), { reduction: false });
    expect([a.states, a.transitions, a.depth]).toEqual([b.states, b.transitions, b.depth]);
  });

  it("cycle proviso: a process whose local moves cycle does not hide another's violating move", () => {
    // Process 0 toggles a local bit forever (always local-only); process 1's one global move breaks the invariant.
    const model: StateSpaceModel<{ bit: number; bad: boolean }, number> = {
      name: "ignoring",
      initial: { bit: 0, bad: false },
      inputs: () => [0, 1],
      next: (s, p) => (p === 0 ? { ...s, bit: 1 - s.bit } : s.bad ? null : { ...s, bad: true }),
      invariants: [{ name: "never bad", holds: (s) => !s.bad }],
      key: (s) => s.bit * 2 + (s.bad ? 1 : 0),
      reduction: { process: (p) => p, localOnly: (_s, p) => p === 0 },
    };
    const r = checkStateSpace(model);
    expect(r._tag === "Violation" && r.invariant).toBe("never bad");
  });
});
