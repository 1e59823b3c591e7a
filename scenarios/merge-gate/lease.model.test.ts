/** The lease model (./lease.model.ts): verified at small bounds, and the unguarded release found shortest. */
import { expectStateSpaceVerified } from "@interleave/sim";
import { checkStateSpace } from "@interleave/sim/statespace";
import { describe, expect, it } from "vitest";
import { bruteForce } from "../testing.js";
import { leaseModel } from "./lease.model.js";

const SMALL_LEASE = { holders: 2, horizonMs: 8_000, grantsMax: 4 };

describe("the lease model", () => {
  it("keeps its invariants; the distinct states equal a structural BFS's", () => {
    const r = expectStateSpaceVerified(leaseModel(SMALL_LEASE));
    expect(r.states).toBe(bruteForce(leaseModel(SMALL_LEASE)).states);
    expect(r.states).toBe(2_181);
  });

  it("unguarded release: a holder whose lease expired frees its successor's, in 6 inputs (shortest)", () => {
    const model = leaseModel({ ...SMALL_LEASE, release: "unguarded" });
    const r = checkStateSpace(model);
    if (r._tag !== "Violation") throw new Error(`expected a violation, got ${r._tag}`);
    expect(r.invariant).toBe("a holder's live lease is the grant the lease records");
    expect(r.path.map((s) => s.input)).toEqual([
      "Acquire h1",
      "tick +1000ms",
      "tick +1000ms",
      "tick +1000ms",
      "Acquire h2",
      "Release h1",
    ]);
    expect(bruteForce(leaseModel({ ...SMALL_LEASE, release: "unguarded" })).violationDepth).toBe(6);
    expect(r.path.at(-1)?.state.lease.state).toMatchObject({ holder: null, token: 2 });
  });

  it("unguarded release, checked for two live holders only: the stale release lets both hold, in 7 inputs", () => {
    const model = leaseModel({ ...SMALL_LEASE, release: "unguarded" });
    const r = checkStateSpace({
      ...model,
      invariants: model.invariants.filter((i) => i.name === "at most one holder has a live lease"),
    });
    expect(r._tag === "Violation" && r.path.map((s) => s.input).slice(-3)).toEqual([
      "Acquire h2",
      "Release h1",
      "Acquire h1",
    ]);
    expect(r.depth).toBe(7);
  });
});

describe("the lease model's cache", () => {
  it("gives the same state space packed and interned as with objects and a one-slot cache (evictions are sound)", () => {
    const packed = leaseModel(SMALL_LEASE);
    expect(packed.encoding?.words).toBe(7);
    const big = checkStateSpace(packed);
    const tiny = checkStateSpace(leaseModel({ ...SMALL_LEASE, cacheSlots: 1 }));
    expect(tiny.frontierBytesMax).toBe(0);
    expect(big.frontierBytesMax).toBeGreaterThan(0);
    expect([tiny.states, tiny.transitions, tiny.depth]).toEqual([big.states, big.transitions, big.depth]);
  });

  it("finds the same shortest counterexample packed and with objects", () => {
    const packed = checkStateSpace(leaseModel({ release: "unguarded" }));
    const objects = checkStateSpace(leaseModel({ release: "unguarded", cacheSlots: 1 << 10 }));
    if (packed._tag !== "Violation" || objects._tag !== "Violation") throw new Error("expected violations");
    expect([packed.invariant, packed.states, packed.transitions]).toEqual([
      objects.invariant,
      objects.states,
      objects.transitions,
    ]);
    expect(packed.path.map((p) => p.input)).toEqual(objects.path.map((p) => p.input));
  });
});
