// Property tests for Lease: random Acquire/Renew/Release sequences by a few holders with nondecreasing
// time and tokens drawn from the grants so far (plus arbitrary ones).

import { Lease } from "@interleave/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const TTL_MS = 10_000;
const holders = ["a", "b", "c"] as const;

type TokenChoice =
  | { readonly kind: "granted"; readonly index: number }
  | { readonly kind: "arbitrary"; readonly token: number };

interface Step {
  readonly delayMs: number;
  readonly tag: Lease.Event["_tag"];
  readonly holder: string;
  readonly token: TokenChoice;
}

const step: fc.Arbitrary<Step> = fc.record({
  delayMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4_000 }), fc.integer({ min: 0, max: 25_000 })),
  tag: fc.constantFrom<Lease.Event["_tag"]>("Acquire", "Acquire", "Renew", "Release"),
  holder: fc.constantFrom(...holders),
  token: fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("granted" as const), index: fc.nat(30) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("arbitrary" as const),
        token: fc.integer({ min: -1, max: 20 }),
      }),
    },
  ),
});

interface Observation {
  readonly before: Lease.State;
  readonly event: Lease.Event;
  readonly after: Lease.State;
  readonly result: Lease.Result;
}

function replay(sequence: readonly Step[], observe: (observation: Observation) => void): void {
  let state = Lease.initial({ leaseTtlMs: TTL_MS });
  let atMs = 0;
  const granted: number[] = [];
  for (const { delayMs, tag, holder, token: choice } of sequence) {
    atMs += delayMs;
    const token =
      choice.kind === "arbitrary"
        ? choice.token
        : (granted[granted.length - 1 - (choice.index % (granted.length || 1))] ?? 0);
    const event: Lease.Event =
      tag === "Acquire" ? { _tag: tag, holder, atMs } : { _tag: tag, holder, token, atMs };
    const { state: after, result } = Lease.transition(state, event);
    observe({ before: state, event, after, result });
    if (result._tag === "Granted") {
      granted.push(result.token);
    }
    state = after;
  }
}

function check(observe: (observation: Observation) => void): void {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 60 }), (sequence) => replay(sequence, observe)),
    { numRuns: 300 },
  );
}

/** The holder whose lease is valid at `atMs`, or null. */
function validHolder(state: Lease.State, atMs: number): string | null {
  return state.holder !== null && atMs < state.expiresAtMs ? state.holder : null;
}

describe("Lease properties", () => {
  it("fencing tokens strictly increase across grants; a re-grant keeps its token only for the valid holder", () => {
    check(({ before, event, result }) => {
      if (result._tag !== "Granted") {
        return;
      }
      if (validHolder(before, event.atMs) === event.holder) {
        expect(result.token).toBe(before.token);
      } else {
        expect(result.token).toBe(before.token + 1);
      }
    });
  });

  it("at most one holder has a valid lease at any time", () => {
    check(({ before, event, after, result }) => {
      const previous = validHolder(before, event.atMs);
      if (result._tag === "Granted") {
        expect(previous === null || previous === event.holder).toBe(true);
        expect(after.holder).toBe(event.holder);
      }
      if (result._tag === "Busy") {
        expect(result.holder).toBe(previous);
        expect(previous).not.toBe(event.holder);
      }
      // Nothing but a grant or the holder's own release changes who holds the lease.
      if (result._tag !== "Granted" && result._tag !== "Released") {
        expect([after.holder, after.token]).toEqual([before.holder, before.token]);
      }
    });
  });

  it("only the holder with the current token renews or releases", () => {
    check(({ before, event, result }) => {
      if (event._tag === "Acquire") {
        return;
      }
      const owns = before.holder === event.holder && before.token === event.token;
      if (!owns) {
        expect(result).toEqual({ _tag: "NotOwner", holder: before.holder, token: before.token });
      } else if (event._tag === "Renew") {
        expect(result._tag).toBe(event.atMs < before.expiresAtMs ? "Renewed" : "Expired");
      } else {
        expect(result).toEqual({ _tag: "Released" });
      }
    });
  });

  it("the state stays JSON-serialisable", () => {
    check(({ after }) => {
      expect(JSON.parse(JSON.stringify(after))).toEqual(after);
    });
  });
});
