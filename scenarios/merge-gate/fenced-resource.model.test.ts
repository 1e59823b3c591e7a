/**
 * The Lease + FencedResource model (./fenced-resource.model.ts): the fenced resource verified at small bounds
 * and not vacuously (every result of both machines is reached, and a stalled holder's stale write does reach
 * the resource, which refuses it); seed 004's unfenced store found with the shortest stale-holder write.
 */
import { FencedResource, type Lease } from "@interleave/core";
import { expectStateSpaceVerified } from "@interleave/sim";
import { checkStateSpace } from "@interleave/sim/statespace";
import { describe, expect, it } from "vitest";
import { bruteForce } from "../testing.js";
import {
  FENCED_RESOURCE_SMALL,
  type FencedResourceModelState,
  FR_HIGHEST,
  FR_STALE_HOLDER,
  fencedResourceModel,
  fencedResourceUnfencedWriteChecked,
  unfencedStore,
} from "./fenced-resource.model.js";

/** The stale-holder write: h1 stalls past its lease, h2 is granted the lease and writes, then h1 writes. */
const STALE_HOLDER_WRITE = [
  "Acquire h1",
  "tick +1000ms",
  "tick +1000ms",
  "tick +1000ms",
  "Acquire h2",
  "Write h2",
  "Write h1",
];

describe("the fenced-resource model (Lease + FencedResource, Kleppmann 2016)", () => {
  it("keeps its invariants; the distinct states equal a structural BFS's", () => {
    const r = expectStateSpaceVerified(fencedResourceModel(FENCED_RESOURCE_SMALL));
    expect(r.states).toBe(bruteForce(fencedResourceModel(FENCED_RESOURCE_SMALL)).states);
    expect(r.states).toBe(3_821);
  });

  it("gives the same state space with one-slot caches (evictions are sound)", () => {
    const big = checkStateSpace(fencedResourceModel(FENCED_RESOURCE_SMALL));
    const tiny = checkStateSpace(fencedResourceModel({ ...FENCED_RESOURCE_SMALL, cacheSlots: 1 }));
    expect([tiny.states, tiny.transitions, tiny.depth]).toEqual([big.states, big.transitions, big.depth]);
  });

  it("is not vacuous: every result of Lease and of FencedResource is reached", () => {
    const seen = new Set<Lease.Result["_tag"] | FencedResource.Result["_tag"]>();
    const observe = (_: unknown, r: Lease.Result | FencedResource.Result) => seen.add(r._tag);
    // The small instance; the registered bounds, whose space contains it, reach each result too.
    expect(checkStateSpace(fencedResourceModel({ ...FENCED_RESOURCE_SMALL, observe }))._tag).toBe("Verified");
    expect([...seen].sort()).toEqual(
      [
        "Granted",
        "Busy",
        "Renewed",
        "Released",
        "NotOwner",
        "Expired",
        "Accepted",
        "Fenced",
        "StaleToken",
      ].sort(),
    );
  });

  it("a stalled holder's write after its successor's reaches the resource, which refuses it (StaleToken)", () => {
    const model = fencedResourceModel(FENCED_RESOURCE_SMALL);
    // Shortest path to a write by a holder whose grant was taken over, after the successor wrote.
    const r = checkStateSpace({
      ...model,
      invariants: [
        {
          name: "no holder keeps a grant older than the last write",
          holds: (s: FencedResourceModelState) =>
            s.beliefs.every(
              (b) => b === null || s.resource.state.value === null || b.token >= s.resource.state.value,
            ),
        },
      ],
    });
    expect(r._tag === "Violation" && r.path.map((s) => s.input)).toEqual(STALE_HOLDER_WRITE.slice(0, -1));
    const last = r._tag === "Violation" ? r.path.at(-1)!.state : null;
    expect(last?.beliefs[0]).toEqual({ token: 1, untilMs: 3_000 });
    const write = { _tag: "Write", token: 1, value: 1 } as const;
    expect(FencedResource.transition(last!.resource.state, write).result).toEqual({
      _tag: "StaleToken",
      token: 1,
      highestToken: 2,
    });
    // In the model, that write changes nothing: the holder's next input is a self-loop.
    const input = [...model.inputs(last!)].find((i) => model.describe!(i) === "Write h1")!;
    expect(model.next(last!, input)).toBe(last);
  });
});

describe("the unfenced store (seed 004's file lease: main takes any push)", () => {
  it("accepts the stale holder's write after its successor's: 7 inputs (shortest)", () => {
    const model = fencedResourceModel({ ...FENCED_RESOURCE_SMALL, store: "unfenced" });
    const r = checkStateSpace(model);
    if (r._tag !== "Violation") throw new Error(`expected a violation, got ${r._tag}`);
    expect(r.invariant).toBe(FR_HIGHEST);
    expect(r.path.map((s) => s.input)).toEqual(STALE_HOLDER_WRITE);
    expect(
      bruteForce(fencedResourceModel({ ...FENCED_RESOURCE_SMALL, store: "unfenced" })).violationDepth,
    ).toBe(7);
    expect(r.path.at(-1)?.state.resource.state).toEqual({ highestToken: 2, value: 1, writeCount: 2 });
  });

  it("the same write is the stale-holder write: a holder taken over writes after its successor did", () => {
    const model = fencedResourceModel({ ...FENCED_RESOURCE_SMALL, store: "unfenced" });
    const r = checkStateSpace({
      ...model,
      invariants: model.invariants.filter((i) => i.name === FR_STALE_HOLDER),
    });
    expect(r._tag === "Violation" && r.path.map((s) => s.input)).toEqual(STALE_HOLDER_WRITE);
  });

  it("is the core's resource with the token left uncompared: fences and in-order writes are the core's", () => {
    let state = FencedResource.initial<number>();
    for (const event of [
      { _tag: "Fence", token: 2 },
      { _tag: "Write", token: 2, value: 2 },
      { _tag: "Write", token: 3, value: 3 },
    ] as const) {
      const core = FencedResource.transition(state, event);
      expect(unfencedStore.transition(state, event)).toEqual(core);
      state = core.state;
    }
    expect(unfencedStore.transition(state, { _tag: "Write", token: 1, value: 1 })).toMatchObject({
      state: { highestToken: 3, value: 1, writeCount: 3 },
      result: { _tag: "Accepted", token: 1 },
    });
  });

  it("registered: fenced-resource-unfenced-write is found in 7 inputs", () => {
    const { result, path } = fencedResourceUnfencedWriteChecked.check();
    expect(result._tag).toBe("Violation");
    expect(path?.map((s) => s.input)).toEqual(["initial", ...STALE_HOLDER_WRITE]);
  });
});
