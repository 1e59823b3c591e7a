/**
 * The claim-queue model of seed 002 (./claim-queue.model.ts): verified at small bounds; the pre-fix ack and the
 * review's snapshot-then-mutate retry found with their shortest counterexamples.
 */
import { expectStateSpaceVerified } from "@interleave/sim";
import { checkStateSpace } from "@interleave/sim/statespace";
import { describe, expect, it } from "vitest";
import { bruteForce } from "../testing.js";
import { claimQueueModel } from "./claim-queue.model.js";

const SMALL_QUEUE = { horizonMs: 4_000, claimsMax: 3, enqueuesMax: 2 };

describe("the claim-queue model (seed 002)", () => {
  it("keeps its invariants; the distinct states equal a structural BFS's", () => {
    const r = expectStateSpaceVerified(claimQueueModel(SMALL_QUEUE));
    expect(r.states).toBe(bruteForce(claimQueueModel(SMALL_QUEUE)).states);
    expect(r.states).toBe(6_153);
  });

  it("two scopes: a worker whose claim was taken over acts on it, and the item is left alone", () => {
    const options = { scopes: 2, horizonMs: 3_000, claimsMax: 2, enqueuesMax: 2 };
    const r = expectStateSpaceVerified(claimQueueModel(options));
    expect(r.states).toBe(9_436);
    // Not vacuous: a stale claim (the item re-claimed by another worker) is reachable, in 6 inputs.
    const model = claimQueueModel(options);
    const stale = checkStateSpace({
      ...model,
      invariants: [
        {
          name: "no worker holds a claim taken over by another",
          holds: (s) =>
            s.held.every(
              (c) => c === null || s.queue.state.items[c.scope === 0 ? "a" : "b"]?.claim?.token === c.token,
            ),
        },
      ],
    });
    expect(stale._tag === "Violation" && stale.path.map((p) => p.input)).toEqual([
      "Enqueue a",
      "Claim w1",
      "tick +1000ms",
      "tick +1000ms",
      "tick +1000ms",
      "Claim w2",
    ]);
  });

  it("updated-at-guard: the holder's ack keeps the item once updated_at moved, in 5 inputs (shortest)", () => {
    const model = claimQueueModel({ ...SMALL_QUEUE, ack: "updated-at-guard" });
    const r = checkStateSpace(model);
    if (r._tag !== "Violation") throw new Error(`expected a violation, got ${r._tag}`);
    expect(r.invariant).toBe("an ack by the holder deletes the item");
    expect(r.path.map((s) => s.input)).toEqual([
      "Enqueue a",
      "Claim w1",
      "tick +1000ms",
      "Enqueue a",
      "Ack w1",
    ]);
    expect(bruteForce(claimQueueModel({ ...SMALL_QUEUE, ack: "updated-at-guard" })).violationDepth).toBe(5);
    const last = r.path.at(-1)!.state;
    expect(last.queue.state.items.a?.claim?.holder).toBe("w1");
    expect(last.held[0]).toBeNull();
  });

  it("AckSucceedsAfterHeartbeat: with the fix, heartbeats before the ack never stop it deleting", () => {
    // The verified space includes Claim → tick → Heartbeat → Ack; this pins that path explicitly.
    const model = claimQueueModel(SMALL_QUEUE);
    const byLabel = (s: Parameters<typeof model.next>[0], label: string) => {
      for (const input of model.inputs(s)) if (model.describe!(input) === label) return model.next(s, input)!;
      throw new Error(`no input ${label}`);
    };
    let s = Array.isArray(model.initial) ? model.initial[0] : model.initial;
    for (const label of ["Enqueue a", "Claim w1", "tick +1000ms", "Heartbeat w1", "Ack w1"])
      s = byLabel(s, label);
    expect(s.queue.state.items.a).toBeUndefined();
    expect(s.broken).toBeNull();
  });
});

describe("the claim-queue model: retry without re-check (seed 002's review)", () => {
  it("a worker that retries by id after its snapshot releases the successor's claim, in 8 inputs (shortest)", () => {
    const model = claimQueueModel({ ...SMALL_QUEUE, retry: "snapshot-then-mutate" });
    const r = checkStateSpace(model);
    if (r._tag !== "Violation") throw new Error(`expected a violation, got ${r._tag}`);
    expect(r.invariant).toBe("an ack, retry, fail or release by a non-holder leaves the item alone");
    expect(r.path.map((s) => s.input)).toEqual([
      "Enqueue a",
      "Claim w1",
      "tick +1000ms",
      "tick +1000ms",
      "tick +1000ms",
      "Snapshot w1",
      "Claim w2",
      "Retry w1",
    ]);
    expect(bruteForce(model).violationDepth).toBe(8);
    expect(r.path.at(-1)?.state.queue.state.items.a?.claim).toBeNull();
  });

  it("with the re-check (the core Retry), the same space keeps every invariant", () => {
    const r = expectStateSpaceVerified(claimQueueModel(SMALL_QUEUE));
    expect(r._tag).toBe("Verified");
  });

  it("gives the same state space packed and interned as with objects and a one-slot cache (evictions are sound)", () => {
    const queue = checkStateSpace(claimQueueModel(SMALL_QUEUE));
    const queueTiny = checkStateSpace(claimQueueModel({ ...SMALL_QUEUE, cacheSlots: 1 }));
    expect([queue.frontierBytesMax > 0, queueTiny.frontierBytesMax]).toEqual([true, 0]);
    expect([queueTiny.states, queueTiny.transitions]).toEqual([queue.states, queue.transitions]);
  });

  it("finds the same shortest counterexamples packed and with objects", () => {
    for (const variant of [{ ack: "updated-at-guard" }, { retry: "snapshot-then-mutate" }] as const) {
      const packed = checkStateSpace(claimQueueModel(variant));
      const objects = checkStateSpace(claimQueueModel({ ...variant, cacheSlots: 1 << 10 }));
      if (packed._tag !== "Violation" || objects._tag !== "Violation") throw new Error("expected violations");
      expect([packed.invariant, packed.states, packed.transitions]).toEqual([
        objects.invariant,
        objects.states,
        objects.transitions,
      ]);
      expect(packed.path.map((p) => p.input)).toEqual(objects.path.map((p) => p.input));
    }
  });
});
