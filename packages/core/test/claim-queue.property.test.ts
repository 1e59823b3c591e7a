// Property tests for ClaimQueue: random event sequences over small scope and holder alphabets, with
// nondecreasing time and tokens drawn from the claims actually granted (plus stale and random ones).

import { ClaimQueue } from "@interleave/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const config: ClaimQueue.ResolvedConfig = {
  leaseTtlMs: 10_000,
  heartbeatIntervalMs: 3_000,
  attemptsMax: 3,
  retryBackoffBaseMs: 1_000,
  retryBackoffCapMs: 4_000,
  claimBatchSizeMax: 3,
  itemCountMax: 4,
};

// Five scopes for four slots, so QueueFull is reachable.
const scopes = ["a", "b", "c", "d", "e"] as const;
const holders = ["w1", "w2", "w3"] as const;

/** How an owner event picks its token: the scope's current claim, any granted so far, or an arbitrary one. */
type TokenChoice =
  | { readonly kind: "current" }
  | { readonly kind: "granted"; readonly index: number }
  | { readonly kind: "arbitrary"; readonly token: number };

type OwnerTag = "Heartbeat" | "Ack" | "Retry" | "Fail" | "Release";

/** Which scope an owner event targets: one of the currently claimed ones (most of the time) or any. */
type ScopeChoice =
  | { readonly kind: "claimed"; readonly index: number }
  | { readonly kind: "any"; readonly scope: string };

type Op =
  | { readonly _tag: "Enqueue"; readonly scope: string }
  | { readonly _tag: "Claim"; readonly holder: string; readonly batchSize: number }
  | {
      readonly _tag: OwnerTag;
      readonly target: ScopeChoice;
      readonly token: TokenChoice;
      readonly error: string;
    };

interface Step {
  readonly delayMs: number;
  readonly op: Op;
}

const tokenChoice: fc.Arbitrary<TokenChoice> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: "current" } as const) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("granted" as const), index: fc.nat(50) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("arbitrary" as const),
      token: fc.integer({ min: -2, max: 40 }),
    }),
  },
);

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ _tag: fc.constant("Enqueue" as const), scope: fc.constantFrom(...scopes) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      _tag: fc.constant("Claim" as const),
      holder: fc.constantFrom(...holders),
      batchSize: fc.integer({ min: 1, max: config.claimBatchSizeMax }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      _tag: fc.constantFrom<OwnerTag>("Heartbeat", "Ack", "Ack", "Retry", "Retry", "Fail", "Release"),
      target: fc.oneof(
        {
          weight: 3,
          arbitrary: fc.record({ kind: fc.constant("claimed" as const), index: fc.nat(scopes.length) }),
        },
        {
          weight: 1,
          arbitrary: fc.record({ kind: fc.constant("any" as const), scope: fc.constantFrom(...scopes) }),
        },
      ),
      token: tokenChoice,
      error: fc.constantFrom("timeout", "conflict"),
    }),
  },
);

const step: fc.Arbitrary<Step> = fc.record({
  // Mostly within a lease TTL, sometimes far beyond it so claims expire and get reclaimed.
  delayMs: fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 3_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 25_000 }) },
  ),
  op,
});

const steps = fc.array(step, { maxLength: 60, size: "max" });

/** One applied event, with the state before and after it and the tokens granted before it. */
interface Observation {
  readonly before: ClaimQueue.State;
  readonly event: ClaimQueue.Event;
  readonly after: ClaimQueue.State;
  readonly result: ClaimQueue.Result;
  readonly grantedBefore: readonly number[];
}

function resolveToken(
  choice: TokenChoice,
  state: ClaimQueue.State,
  scope: string,
  granted: readonly number[],
): number {
  switch (choice.kind) {
    case "current":
      return (
        (Object.hasOwn(state.items, scope) ? state.items[scope]?.claim?.token : undefined) ??
        granted.at(-1) ??
        0
      );
    case "granted":
      return granted.length === 0 ? 0 : granted[choice.index % granted.length]!;
    case "arbitrary":
      return choice.token;
  }
}

/** The scope an owner event targets: a currently claimed scope, else any scope. */
function resolveScope(choice: ScopeChoice, state: ClaimQueue.State): string {
  if (choice.kind === "any") {
    return choice.scope;
  }
  const claimed = Object.values(state.items)
    .filter((item) => item.claim !== null)
    .map((item) => item.scope)
    .sort();
  return claimed[choice.index % Math.max(claimed.length, 1)] ?? scopes[choice.index % scopes.length]!;
}

function toEvent(
  current: Step,
  state: ClaimQueue.State,
  atMs: number,
  granted: readonly number[],
): ClaimQueue.Event {
  const { op: o } = current;
  switch (o._tag) {
    case "Enqueue":
      return { _tag: "Enqueue", scope: o.scope, atMs };
    case "Claim":
      return { _tag: "Claim", holder: o.holder, batchSize: o.batchSize, atMs };
    default: {
      const scope = resolveScope(o.target, state);
      const token = resolveToken(o.token, state, scope, granted);
      return o._tag === "Retry" || o._tag === "Fail"
        ? { _tag: o._tag, scope, token, error: o.error, atMs }
        : { _tag: o._tag, scope, token, atMs };
    }
  }
}

/** Replays `sequence` from the empty queue, calling `observe` after every transition. */
function replay(sequence: readonly Step[], observe: (observation: Observation) => void): ClaimQueue.State {
  let state = ClaimQueue.initial(config);
  let atMs = 0;
  const granted: number[] = [];
  for (const current of sequence) {
    atMs += current.delayMs;
    const event = toEvent(current, state, atMs, granted);
    const { state: after, result } = ClaimQueue.transition(state, event);
    observe({ before: state, event, after, result, grantedBefore: [...granted] });
    if (result._tag === "Claimed") {
      granted.push(...result.claims.map((claim) => claim.token));
    }
    state = after;
  }
  return state;
}

function itemOf(state: ClaimQueue.State, scope: string): ClaimQueue.Item | undefined {
  return Object.hasOwn(state.items, scope) ? state.items[scope] : undefined;
}

/** The scope an event acts on, or `null` for Claim. */
function scopeOf(event: ClaimQueue.Event): string | null {
  return event._tag === "Claim" ? null : event.scope;
}

/** Whether `result` removed the event's item: an owned Ack or a dead-letter. */
function isRemoval(result: ClaimQueue.Result): boolean {
  return (result._tag === "Acked" && result.owned && result.deleted) || result._tag === "DeadLettered";
}

function check(observe: (observation: Observation) => void): void {
  fc.assert(
    fc.property(steps, (sequence) => {
      replay(sequence, observe);
    }),
    { numRuns: 300 },
  );
}

describe("ClaimQueue properties", () => {
  it("the event generator reaches every result, so the properties below are not vacuous", () => {
    const seen = new Set<string>();
    for (const sequence of fc.sample(steps, { numRuns: 200, seed: 2 })) {
      replay(sequence, ({ before, event, result }) => {
        seen.add(result._tag);
        if (result._tag === "Acked" && result.owned) {
          seen.add(result.requeued ? "Acked requeued" : "Acked owned");
          // Seed 002's case: the item's updatedAtMs moved past the claim time before the ack.
          const item = itemOf(before, scopeOf(event) ?? "");
          if (item?.claim && item.updatedAtMs > item.claim.claimedAtMs) {
            seen.add("Acked after updatedAtMs moved");
          }
        }
        if (result._tag === "Claimed" && result.claims.some((granted) => granted.reclaimed)) {
          seen.add("Claimed reclaimed");
        }
      });
    }
    expect([...seen].sort()).toEqual(
      [
        "Acked",
        "Acked after updatedAtMs moved",
        "Acked owned",
        "Acked requeued",
        "Claimed",
        "Claimed reclaimed",
        "DeadLettered",
        "Enqueued",
        "NotOwner",
        "QueueFull",
        "Released",
        "Renewed",
        "Retried",
      ].sort(),
    );
  });

  it("the attempt count never decreases for an item that stays", () => {
    check(({ before, after, event, result }) => {
      for (const [scope, previous] of Object.entries(before.items)) {
        const next = itemOf(after, scope);
        if (next === undefined || (scopeOf(event) === scope && isRemoval(result))) {
          continue; // the item left (or was replaced by a fresh successor)
        }
        expect(next.attemptCount).toBeGreaterThanOrEqual(previous.attemptCount);
      }
    });
  });

  it("a Claim grants only scopes that were claimable: backoff passed and no live claim", () => {
    check(({ before, event, result }) => {
      if (event._tag !== "Claim") {
        return;
      }
      expect(result._tag).toBe("Claimed");
      const claims = result._tag === "Claimed" ? result.claims : [];
      expect(claims.length).toBeLessThanOrEqual(event.batchSize);
      for (const granted of claims) {
        const previous = itemOf(before, granted.scope);
        expect(previous).toBeDefined();
        expect(ClaimQueue.isClaimLive(previous!, event.atMs)).toBe(false);
        expect(previous!.notBeforeMs).toBeLessThanOrEqual(event.atMs);
        expect(granted.reclaimed).toBe(previous!.claim !== null);
      }
      const claimable = Object.values(before.items).filter(
        (item) => item.notBeforeMs <= event.atMs && !ClaimQueue.isClaimLive(item, event.atMs),
      );
      expect(claims.length).toBe(Math.min(event.batchSize, claimable.length));
    });
  });

  it("a stale claim token never mutates an item", () => {
    check(({ before, after, event, result }) => {
      if (event._tag === "Enqueue" || event._tag === "Claim") {
        return;
      }
      const item = itemOf(before, event.scope);
      const owned = item?.claim?.token === event.token;
      if (!owned) {
        expect(after).toBe(before);
        expect(result).toEqual(
          event._tag === "Ack"
            ? { _tag: "Acked", owned: false, deleted: false, requeued: false }
            : { _tag: "NotOwner", scope: event.scope },
        );
      } else if (event._tag === "Ack") {
        expect(result).toMatchObject({ owned: true, deleted: true });
      }
    });
  });

  it("an enqueued scope leaves the items only via an owned Ack or a dead-letter, keeping pending enqueues", () => {
    check(({ before, after, event, result }) => {
      for (const [scope, previous] of Object.entries(before.items)) {
        const removedHere = scopeOf(event) === scope && isRemoval(result);
        if (itemOf(after, scope) === undefined) {
          expect(removedHere).toBe(true);
        }
        if (removedHere) {
          const successor = itemOf(after, scope);
          if (previous.enqueuedWhileClaimed) {
            expect(successor).toMatchObject({
              eventCount: 1,
              attemptCount: 0,
              claim: null,
              enqueuedAtMs: event.atMs,
            });
          } else {
            expect(successor).toBeUndefined();
          }
        }
        if (result._tag === "DeadLettered" && scopeOf(event) === scope) {
          expect(after.deadLetters[scope]).toEqual({
            scope,
            attemptCount: result.attemptCount,
            lastError: event._tag === "Retry" || event._tag === "Fail" ? event.error : null,
            atMs: event.atMs,
          });
        }
      }
    });
  });

  it("fencing tokens strictly increase across all grants", () => {
    check(({ before, after, result, grantedBefore }) => {
      if (result._tag !== "Claimed") {
        return;
      }
      let previous = grantedBefore.at(-1) ?? 0;
      for (const granted of result.claims) {
        expect(granted.token).toBeGreaterThan(previous);
        previous = granted.token;
      }
      expect(after.nextToken).toBe(before.nextToken + result.claims.length);
      expect(after.nextToken).toBeGreaterThan(previous);
    });
  });

  it("the state stays JSON-serialisable", () => {
    check(({ after }) => {
      expect(JSON.parse(JSON.stringify(after))).toEqual(after);
    });
  });

  it("a transition never mutates its input, and items it does not touch keep their identity", () => {
    fc.assert(
      fc.property(steps, (sequence) => {
        let snapshot: unknown = structuredClone(ClaimQueue.initial(config));
        replay(sequence, ({ before, after, event, result }) => {
          expect(before).toEqual(snapshot);
          snapshot = structuredClone(after);
          const touched = new Set<string>(
            result._tag === "Claimed"
              ? result.claims.map((granted) => granted.scope)
              : [scopeOf(event) ?? ""],
          );
          for (const [scope, item] of Object.entries(before.items)) {
            if (!touched.has(scope)) {
              expect(itemOf(after, scope)).toBe(item);
            }
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it("the queue never holds more than itemCountMax items, and unclaimed items never carry enqueuedWhileClaimed", () => {
    check(({ after }) => {
      const items = Object.values(after.items);
      expect(items.length).toBeLessThanOrEqual(config.itemCountMax);
      for (const item of items) {
        expect(item.enqueuedWhileClaimed && item.claim === null).toBe(false);
        expect(item.attemptCount).toBeLessThan(config.attemptsMax);
      }
    });
  });
});
