/**
 * The lease as processes (./lease-processes.model.ts): partial-order reduction keeps every verdict — the fixed
 * lease verified, the unguarded release found — and stores fewer states than every interleaving of the choices.
 */
import { checkStateSpace } from "@interleave/sim/statespace";
import { describe, expect, it } from "vitest";
import { bruteForce } from "../testing.js";
import { leaseProcessesModel } from "./lease-processes.model.js";

const SMALL = { holders: 2, horizonMs: 5_000, grantsMax: 3 };

describe("the lease as processes", () => {
  it("unreduced, its distinct states equal a structural BFS's", () => {
    const r = checkStateSpace(leaseProcessesModel(SMALL), { reduction: false });
    expect(r._tag).toBe("Verified");
    expect(r.states).toBe(bruteForce(leaseProcessesModel({ ...SMALL, reduction: false })).states);
    expect(r.states).toBe(5_616);
  });

  it("reduced: verified too, in fewer states (the holders' choices are not interleaved)", () => {
    const full = checkStateSpace(leaseProcessesModel(SMALL), { reduction: false });
    const reduced = checkStateSpace(leaseProcessesModel(SMALL));
    expect(reduced._tag).toBe("Verified");
    expect(reduced.states).toBe(4_744);
    expect(reduced.states).toBeLessThan(full.states);
    expect(reduced.transitions).toBeLessThan(full.transitions);
  });

  it("unguarded release: found with and without reduction, the same invariant; reduced not shorter", () => {
    const full = checkStateSpace(leaseProcessesModel({ release: "unguarded" }), { reduction: false });
    const reduced = checkStateSpace(leaseProcessesModel({ release: "unguarded" }));
    if (full._tag !== "Violation" || reduced._tag !== "Violation") throw new Error("expected two violations");
    expect(reduced.invariant).toBe(full.invariant);
    expect(full.path.map((s) => s.input)).toEqual([
      "h1 chooses acquire",
      "Perform h1",
      "tick +1000ms",
      "tick +1000ms",
      "tick +1000ms",
      "h1 chooses release",
      "h2 chooses acquire",
      "Perform h2",
      "Perform h1",
    ]);
    expect(reduced.path.length).toBeGreaterThanOrEqual(full.path.length);
    expect(reduced.path.at(-1)?.state.lease.state).toMatchObject({ holder: null });
  });
});
