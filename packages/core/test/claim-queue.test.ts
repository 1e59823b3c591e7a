// Example tests for ClaimQueue, including seed 002's regression TestQueue_AckSucceedsAfterHeartbeat
// (../shared/seeds/002_402edf55850632f4.txt): ack must delete by ownership even after the holder's heartbeat.

import { AssertionError, ClaimQueue, InvalidConfigError, type Machine } from "@interleave/core";
import { describe, expect, it } from "vitest";

const config: ClaimQueue.ResolvedConfig = {
  leaseTtlMs: 15_000,
  heartbeatIntervalMs: 5_000,
  attemptsMax: 4,
  retryBackoffBaseMs: 1_000,
  retryBackoffCapMs: 3_000,
  claimBatchSizeMax: 10,
  itemCountMax: 3,
};

type Event = ClaimQueue.Event;

/** Applies `events` in order and returns the final state. */
function run(state: ClaimQueue.State, ...events: readonly Event[]): ClaimQueue.State {
  return events.reduce((current, event) => ClaimQueue.transition(current, event).state, state);
}

/** Enqueues `scope` and claims it for `holder`; returns the state and the granted claim. */
function claimOne(state: ClaimQueue.State, holder: string, atMs: number) {
  const { state: next, result } = ClaimQueue.transition(state, { _tag: "Claim", holder, batchSize: 1, atMs });
  if (result._tag !== "Claimed" || result.claims.length !== 1) {
    throw new Error(`expected one claim, got ${JSON.stringify(result)}`);
  }
  return { state: next, granted: result.claims[0]! };
}

function enqueued(...scopes: readonly string[]): ClaimQueue.State {
  return run(
    ClaimQueue.initial(config),
    ...scopes.map((scope, index): Event => ({ _tag: "Enqueue", scope, atMs: index })),
  );
}

describe("ClaimQueue", () => {
  it("satisfies the Machine contract", () => {
    const machine: Machine<ClaimQueue.State, ClaimQueue.Event, ClaimQueue.Result, ClaimQueue.Effect> =
      ClaimQueue;
    const { effects } = machine.transition(ClaimQueue.initial(config), {
      _tag: "Enqueue",
      scope: "s",
      atMs: 0,
    });
    expect(effects).toEqual([]);
  });

  it("TestQueue_AckSucceedsAfterHeartbeat", () => {
    const t = 1_000;
    const { state: claimed, granted } = claimOne(enqueued("s1"), "worker-a", t);
    expect(granted.updatedAtMs).toBe(t);
    const beat = ClaimQueue.transition(claimed, {
      _tag: "Heartbeat",
      scope: "s1",
      token: granted.token,
      atMs: t + 5_000,
    });
    expect(beat.result).toEqual({
      _tag: "Renewed",
      scope: "s1",
      expiresAtMs: t + 5_000 + config.leaseTtlMs,
    });
    // The heartbeat bumped updated_at past the value captured at claim time: the seed's guard tripped here.
    expect(beat.state.items.s1?.updatedAtMs).toBe(t + 5_000);
    const acked = ClaimQueue.transition(beat.state, {
      _tag: "Ack",
      scope: "s1",
      token: granted.token,
      atMs: t + 7_000,
    });
    expect(acked.result).toEqual({ _tag: "Acked", owned: true, deleted: true, requeued: false });
    expect(acked.state.items).toEqual({});
  });

  describe("Enqueue", () => {
    it("creates an unclaimed item for a new scope", () => {
      const { state, result } = ClaimQueue.transition(ClaimQueue.initial(config), {
        _tag: "Enqueue",
        scope: "s1",
        atMs: 42,
      });
      expect(result).toEqual({ _tag: "Enqueued", scope: "s1", merged: false });
      expect(state.items.s1).toEqual({
        scope: "s1",
        eventCount: 1,
        enqueuedAtMs: 42,
        updatedAtMs: 42,
        attemptCount: 0,
        notBeforeMs: 42,
        claim: null,
        enqueuedWhileClaimed: false,
        lastError: null,
      });
    });

    it("merges into an existing item, keeping other items' identity", () => {
      const before = enqueued("s1", "s2");
      const { state, result } = ClaimQueue.transition(before, { _tag: "Enqueue", scope: "s1", atMs: 50 });
      expect(result).toEqual({ _tag: "Enqueued", scope: "s1", merged: true });
      expect(state.items.s1).toMatchObject({
        eventCount: 2,
        enqueuedAtMs: 0,
        updatedAtMs: 50,
        enqueuedWhileClaimed: false,
      });
      expect(state.items.s2).toBe(before.items.s2);
      expect(before.items.s1?.eventCount).toBe(1);
    });

    it("answers QueueFull for a new scope at itemCountMax, but still merges existing scopes", () => {
      const full = enqueued("s1", "s2", "s3");
      const rejected = ClaimQueue.transition(full, { _tag: "Enqueue", scope: "s4", atMs: 10 });
      expect(rejected.result).toEqual({ _tag: "QueueFull", scope: "s4", itemCountMax: 3 });
      expect(rejected.state).toBe(full);
      expect(ClaimQueue.transition(full, { _tag: "Enqueue", scope: "s2", atMs: 10 }).result).toEqual({
        _tag: "Enqueued",
        scope: "s2",
        merged: true,
      });
    });

    it("treats scopes named like Object.prototype members as ordinary scopes", () => {
      const state = enqueued("constructor", "__proto__", "toString");
      expect(Object.keys(state.items)).toEqual(["constructor", "__proto__", "toString"]);
      expect(Object.getPrototypeOf(state.items)).toBe(Object.prototype);
      const { state: claimed, result } = ClaimQueue.transition(state, {
        _tag: "Claim",
        holder: "w",
        batchSize: 3,
        atMs: 10,
      });
      expect(result._tag === "Claimed" && result.claims.map((granted) => granted.scope)).toEqual([
        "constructor",
        "__proto__",
        "toString",
      ]);
      expect(Object.getPrototypeOf(claimed.items)).toBe(Object.prototype);
      expect(
        ClaimQueue.transition(claimed, { _tag: "Ack", scope: "hasOwnProperty", token: 1, atMs: 11 }).result,
      ).toEqual({ _tag: "Acked", owned: false, deleted: false, requeued: false });
      const acked = run(claimed, { _tag: "Ack", scope: "__proto__", token: 2, atMs: 11 });
      expect(Object.keys(acked.items)).toEqual(["constructor", "toString"]);
      expect(JSON.parse(JSON.stringify(claimed))).toEqual(claimed);
    });
  });

  describe("Claim", () => {
    it("grants claims in (notBeforeMs, enqueuedAtMs, scope) order with increasing tokens, up to batchSize", () => {
      const state = run(
        ClaimQueue.initial(config),
        { _tag: "Enqueue", scope: "b", atMs: 5 },
        { _tag: "Enqueue", scope: "a", atMs: 5 },
        { _tag: "Enqueue", scope: "c", atMs: 1 },
      );
      const { state: next, result } = ClaimQueue.transition(state, {
        _tag: "Claim",
        holder: "w",
        batchSize: 2,
        atMs: 100,
      });
      expect(result).toEqual({
        _tag: "Claimed",
        claims: [
          {
            scope: "c",
            token: 1,
            expiresAtMs: 15_100,
            attemptCount: 0,
            updatedAtMs: 100,
            reclaimed: false,
          },
          {
            scope: "a",
            token: 2,
            expiresAtMs: 15_100,
            attemptCount: 0,
            updatedAtMs: 100,
            reclaimed: false,
          },
        ],
      });
      expect(next.nextToken).toBe(3);
      expect(next.items.a?.claim).toEqual({
        holder: "w",
        token: 2,
        claimedAtMs: 100,
        expiresAtMs: 15_100,
      });
      expect(next.items.b).toBe(state.items.b);
      const rest = ClaimQueue.transition(next, { _tag: "Claim", holder: "v", batchSize: 10, atMs: 101 });
      expect(rest.result).toMatchObject({ claims: [{ scope: "b", token: 3 }] });
    });

    it("returns an empty batch and the same state when nothing is claimable", () => {
      const { state: claimed } = claimOne(enqueued("s1"), "w", 10);
      const { state, result } = ClaimQueue.transition(claimed, {
        _tag: "Claim",
        holder: "v",
        batchSize: 5,
        atMs: 11,
      });
      expect(result).toEqual({ _tag: "Claimed", claims: [] });
      expect(state).toBe(claimed);
    });

    it("skips items whose notBeforeMs is in the future", () => {
      const state = run(enqueued("s1"), { _tag: "Enqueue", scope: "s2", atMs: 100 });
      const { result } = ClaimQueue.transition(state, {
        _tag: "Claim",
        holder: "w",
        batchSize: 10,
        atMs: 50,
      });
      expect(result).toMatchObject({ claims: [{ scope: "s1" }] });
    });

    it("does not count an attempt (the seed's items cycled with an unchanged attempt count)", () => {
      const { state, granted } = claimOne(enqueued("s1"), "w", 10);
      expect(granted.attemptCount).toBe(0);
      expect(state.items.s1?.attemptCount).toBe(0);
    });

    it("reclaims an expired claim with a new token, clearing enqueuedWhileClaimed", () => {
      const { state: claimed } = claimOne(enqueued("s1"), "a", 0);
      const merged = run(claimed, { _tag: "Enqueue", scope: "s1", atMs: 1 });
      expect(merged.items.s1?.enqueuedWhileClaimed).toBe(true);
      const stillLive = ClaimQueue.transition(merged, {
        _tag: "Claim",
        holder: "b",
        batchSize: 1,
        atMs: 14_999,
      });
      expect(stillLive.result).toEqual({ _tag: "Claimed", claims: [] });
      const { state, granted } = claimOne(merged, "b", 15_000);
      expect(granted).toEqual({
        scope: "s1",
        token: 2,
        expiresAtMs: 30_000,
        attemptCount: 0,
        updatedAtMs: 15_000,
        reclaimed: true,
      });
      expect(state.items.s1).toMatchObject({ enqueuedWhileClaimed: false, claim: { holder: "b", token: 2 } });
    });

    it("asserts batchSize is an integer in [1, claimBatchSizeMax]", () => {
      const state = enqueued("s1");
      for (const batchSize of [0, 11, 1.5, -1]) {
        expect(() =>
          ClaimQueue.transition(state, { _tag: "Claim", holder: "w", batchSize, atMs: 0 }),
        ).toThrow(AssertionError);
      }
    });
  });

  describe("Heartbeat", () => {
    it("renews a claim, even an expired one that nobody has taken over", () => {
      const { state: claimed, granted } = claimOne(enqueued("s1"), "w", 0);
      const { state, result } = ClaimQueue.transition(claimed, {
        _tag: "Heartbeat",
        scope: "s1",
        token: granted.token,
        atMs: 20_000,
      });
      expect(result).toEqual({ _tag: "Renewed", scope: "s1", expiresAtMs: 35_000 });
      expect(state.items.s1?.claim).toEqual({
        holder: "w",
        token: 1,
        claimedAtMs: 0,
        expiresAtMs: 35_000,
      });
    });

    it("returns the same state when the heartbeat changes nothing", () => {
      const { state: claimed, granted } = claimOne(enqueued("s1"), "w", 0);
      const { state } = ClaimQueue.transition(claimed, {
        _tag: "Heartbeat",
        scope: "s1",
        token: granted.token,
        atMs: 0,
      });
      expect(state).toBe(claimed);
    });
  });

  describe("Ack", () => {
    it("deletes the item by ownership and keeps an enqueue that arrived during the claim as a successor", () => {
      const { state: claimed, granted } = claimOne(enqueued("s1"), "w", 10);
      const merged = run(claimed, { _tag: "Enqueue", scope: "s1", atMs: 20 });
      expect(merged.items.s1).toMatchObject({ eventCount: 2, enqueuedWhileClaimed: true });
      const { state, result } = ClaimQueue.transition(merged, {
        _tag: "Ack",
        scope: "s1",
        token: granted.token,
        atMs: 30,
      });
      expect(result).toEqual({ _tag: "Acked", owned: true, deleted: true, requeued: true });
      expect(state.items.s1).toEqual({
        scope: "s1",
        eventCount: 1,
        enqueuedAtMs: 30,
        updatedAtMs: 30,
        attemptCount: 0,
        notBeforeMs: 30,
        claim: null,
        enqueuedWhileClaimed: false,
        lastError: null,
      });
      expect(claimOne(state, "v", 30).granted).toMatchObject({ scope: "s1", token: 2, reclaimed: false });
    });

    it("answers owned=false for an unknown scope, an unclaimed item or a wrong token, state unchanged", () => {
      const unclaimed = enqueued("s1");
      const { state: claimed, granted } = claimOne(unclaimed, "w", 0);
      const cases: [ClaimQueue.State, Event][] = [
        [claimed, { _tag: "Ack", scope: "nope", token: granted.token, atMs: 1 }],
        [unclaimed, { _tag: "Ack", scope: "s1", token: granted.token, atMs: 1 }],
        [claimed, { _tag: "Ack", scope: "s1", token: granted.token + 1, atMs: 1 }],
      ];
      for (const [before, event] of cases) {
        const { state, result } = ClaimQueue.transition(before, event);
        expect(result).toEqual({ _tag: "Acked", owned: false, deleted: false, requeued: false });
        expect(state).toBe(before);
      }
    });
  });

  describe("Retry", () => {
    it("counts the attempt, unclaims and backs off exponentially up to the cap", () => {
      let state = enqueued("s1");
      const expectedBackoffsMs = [1_000, 2_000, 3_000];
      let atMs = 0;
      for (const [index, expectedMs] of expectedBackoffsMs.entries()) {
        const claimed = claimOne(state, "w", atMs);
        const retried = ClaimQueue.transition(claimed.state, {
          _tag: "Retry",
          scope: "s1",
          token: claimed.granted.token,
          error: `boom ${index}`,
          atMs: atMs + 10,
        });
        expect(retried.result).toEqual({
          _tag: "Retried",
          scope: "s1",
          attemptCount: index + 1,
          notBeforeMs: atMs + 10 + expectedMs,
        });
        state = retried.state;
        expect(state.items.s1).toMatchObject({
          claim: null,
          attemptCount: index + 1,
          lastError: `boom ${index}`,
        });
        const early = ClaimQueue.transition(state, {
          _tag: "Claim",
          holder: "w",
          batchSize: 1,
          atMs: atMs + 9 + expectedMs,
        });
        expect(early.result).toEqual({ _tag: "Claimed", claims: [] });
        atMs += 10 + expectedMs;
      }
    });

    it("dead-letters the item when the attempt count reaches attemptsMax", () => {
      let state = enqueued("s1");
      let last: ClaimQueue.Result | undefined;
      for (let attempt = 1; attempt <= config.attemptsMax; attempt += 1) {
        const atMs = attempt * 10_000;
        const { state: claimed, granted } = claimOne(state, "w", atMs);
        const step = ClaimQueue.transition(claimed, {
          _tag: "Retry",
          scope: "s1",
          token: granted.token,
          error: "e",
          atMs,
        });
        state = step.state;
        last = step.result;
      }
      expect(last).toEqual({ _tag: "DeadLettered", scope: "s1", attemptCount: config.attemptsMax });
      expect(state.items).toEqual({});
      expect(state.deadLetters.s1).toEqual({ scope: "s1", attemptCount: 4, lastError: "e", atMs: 40_000 });
    });

    it("keeps an enqueue that arrived during the claim when it dead-letters, and clears it when it retries", () => {
      const single = { ...config, attemptsMax: 1 };
      const { state: claimed, granted } = claimOne(
        run(ClaimQueue.initial(single), { _tag: "Enqueue", scope: "s1", atMs: 0 }),
        "w",
        0,
      );
      const merged = run(claimed, { _tag: "Enqueue", scope: "s1", atMs: 1 });
      const dead = ClaimQueue.transition(merged, {
        _tag: "Retry",
        scope: "s1",
        token: granted.token,
        error: "e",
        atMs: 2,
      });
      expect(dead.result).toEqual({ _tag: "DeadLettered", scope: "s1", attemptCount: 1 });
      expect(dead.state.items.s1).toMatchObject({
        eventCount: 1,
        attemptCount: 0,
        claim: null,
        enqueuedAtMs: 2,
      });

      const { state: claimedAgain, granted: again } = claimOne(enqueued("s2"), "w", 10);
      const mergedAgain = run(claimedAgain, { _tag: "Enqueue", scope: "s2", atMs: 11 });
      const retried = run(mergedAgain, {
        _tag: "Retry",
        scope: "s2",
        token: again.token,
        error: "e",
        atMs: 12,
      });
      expect(retried.items.s2).toMatchObject({ eventCount: 2, enqueuedWhileClaimed: false, claim: null });
    });
  });

  describe("Fail", () => {
    it("dead-letters the item at once, counting the attempt (the seed's AckPermanentlyFailed)", () => {
      const { state: claimed, granted } = claimOne(enqueued("s1", "s2"), "w", 10);
      const { state, result } = ClaimQueue.transition(claimed, {
        _tag: "Fail",
        scope: "s1",
        token: granted.token,
        error: "bad input",
        atMs: 20,
      });
      expect(result).toEqual({ _tag: "DeadLettered", scope: "s1", attemptCount: 1 });
      expect(state.items.s1).toBeUndefined();
      expect(state.items.s2).toBe(claimed.items.s2);
      expect(state.deadLetters.s1).toEqual({
        scope: "s1",
        attemptCount: 1,
        lastError: "bad input",
        atMs: 20,
      });
    });
  });

  describe("Release", () => {
    it("gives the claim back without counting an attempt", () => {
      const { state: claimed, granted } = claimOne(enqueued("s1"), "w", 10);
      const { state, result } = ClaimQueue.transition(claimed, {
        _tag: "Release",
        scope: "s1",
        token: granted.token,
        atMs: 20,
      });
      expect(result).toEqual({ _tag: "Released", scope: "s1" });
      expect(state.items.s1).toMatchObject({ claim: null, attemptCount: 0, updatedAtMs: 20, notBeforeMs: 0 });
      expect(claimOne(state, "v", 21).granted).toMatchObject({ scope: "s1", token: 2, reclaimed: false });
    });
  });

  it("refuses every owner event carrying the stale token of a reclaimed claim (NotOwner, same state)", () => {
    const { state: first, granted: stale } = claimOne(enqueued("s1"), "a", 0);
    const { state: reclaimed, granted: current } = claimOne(first, "b", config.leaseTtlMs);
    expect(current.reclaimed).toBe(true);
    expect(current.token).toBeGreaterThan(stale.token);
    const scope = "s1";
    const token = stale.token;
    const atMs = config.leaseTtlMs + 1;
    const events: Event[] = [
      { _tag: "Heartbeat", scope, token, atMs },
      { _tag: "Retry", scope, token, error: "late", atMs },
      { _tag: "Fail", scope, token, error: "late", atMs },
      { _tag: "Release", scope, token, atMs },
    ];
    for (const event of events) {
      const { state, result } = ClaimQueue.transition(reclaimed, event);
      expect(result).toEqual({ _tag: "NotOwner", scope });
      expect(state).toBe(reclaimed);
    }
    const ack = ClaimQueue.transition(reclaimed, { _tag: "Ack", scope, token, atMs });
    expect(ack.result).toEqual({ _tag: "Acked", owned: false, deleted: false, requeued: false });
    expect(ack.state).toBe(reclaimed);
  });

  describe("backoffMs", () => {
    it("doubles from retryBackoffBaseMs and stops at retryBackoffCapMs", () => {
      const wide = { ...config, retryBackoffBaseMs: 100, retryBackoffCapMs: 1_000 };
      expect([1, 2, 3, 4, 5, 6].map((attempt) => ClaimQueue.backoffMs(wide, attempt))).toEqual([
        100, 200, 400, 800, 1_000, 1_000,
      ]);
      expect(ClaimQueue.backoffMs(wide, 10_000)).toBe(1_000);
      expect(ClaimQueue.backoffMs({ ...config, retryBackoffBaseMs: 0, retryBackoffCapMs: 0 }, 10_000)).toBe(
        0,
      );
    });

    it("asserts the attempt count is an integer >= 1", () => {
      expect(() => ClaimQueue.backoffMs(config, 0)).toThrow(AssertionError);
      expect(() => ClaimQueue.backoffMs(config, 1.5)).toThrow(AssertionError);
    });
  });

  describe("isClaimLive", () => {
    it("is true only before expiresAtMs", () => {
      const { state } = claimOne(enqueued("s1"), "w", 0);
      const item = state.items.s1!;
      expect(ClaimQueue.isClaimLive(item, 14_999)).toBe(true);
      expect(ClaimQueue.isClaimLive(item, 15_000)).toBe(false);
      expect(ClaimQueue.isClaimLive(enqueued("s1").items.s1!, 0)).toBe(false);
    });
  });

  describe("initial", () => {
    it("starts empty with nextToken 1", () => {
      expect(ClaimQueue.initial(config)).toEqual({ config, items: {}, deadLetters: {}, nextToken: 1 });
    });

    it.each([
      [
        { heartbeatIntervalMs: 15_000 },
        "heartbeatIntervalMs",
        "ClaimQueue config: heartbeatIntervalMs (15000) must be below leaseTtlMs (15000)",
      ],
      [{ leaseTtlMs: 0 }, "leaseTtlMs", "ClaimQueue config: leaseTtlMs (0) must be a positive integer"],
      [{ attemptsMax: 0 }, "attemptsMax", "ClaimQueue config: attemptsMax (0) must be a positive integer"],
      [
        { retryBackoffBaseMs: -1 },
        "retryBackoffBaseMs",
        "ClaimQueue config: retryBackoffBaseMs (-1) must be an integer >= 0",
      ],
      [
        { retryBackoffCapMs: 999 },
        "retryBackoffCapMs",
        "ClaimQueue config: retryBackoffCapMs (999) must be at least retryBackoffBaseMs (1000)",
      ],
      [
        { claimBatchSizeMax: 2.5 },
        "claimBatchSizeMax",
        "ClaimQueue config: claimBatchSizeMax (2.5) must be a positive integer",
      ],
      [
        { itemCountMax: "10" },
        "itemCountMax",
        'ClaimQueue config: itemCountMax ("10") must be a positive integer',
      ],
    ])("rejects %o naming the field %s", (override, field, message) => {
      const bad = { ...config, ...override } as ClaimQueue.Config;
      expect(() => ClaimQueue.initial(bad)).toThrow(message);
      try {
        ClaimQueue.initial(bad);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidConfigError);
        expect((error as InvalidConfigError).field).toBe(field);
      }
    });

    it("accepts the deprecated name maxAttempts for attemptsMax, and names it in errors", () => {
      const { attemptsMax, ...rest } = config;
      // The old name alone, or both names with one value: the state's config has only attemptsMax.
      expect(ClaimQueue.initial({ ...rest, maxAttempts: attemptsMax }).config).toEqual(config);
      expect(ClaimQueue.initial({ ...config, maxAttempts: attemptsMax }).config).toEqual(config);
      const fieldOf = (bad: object): [string, string] => {
        try {
          ClaimQueue.initial(bad as ClaimQueue.Config);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidConfigError);
          return [(error as InvalidConfigError).field, (error as Error).message];
        }
        return expect.unreachable();
      };
      expect(fieldOf({ ...rest, maxAttempts: 0 })).toEqual([
        "maxAttempts",
        "ClaimQueue config: maxAttempts (0) must be a positive integer",
      ]);
      expect(fieldOf({ ...config, maxAttempts: 5 })).toEqual([
        "maxAttempts",
        "ClaimQueue config: maxAttempts (5) is the deprecated name of attemptsMax (4); give attemptsMax only",
      ]);
      // Neither name: the default, as for every other field.
      expect(ClaimQueue.initial(rest).config.attemptsMax).toBe(ClaimQueue.CONFIG_DEFAULTS.attemptsMax);
    });

    it("gives every field left out its documented default", () => {
      const defaults = {
        leaseTtlMs: 30_000,
        heartbeatIntervalMs: 15_000,
        attemptsMax: 3,
        retryBackoffBaseMs: 1_000,
        retryBackoffCapMs: 60_000,
        claimBatchSizeMax: 100,
        itemCountMax: 100_000,
      };
      expect(ClaimQueue.CONFIG_DEFAULTS).toEqual(defaults);
      expect(ClaimQueue.initial().config).toEqual(defaults);
      expect(ClaimQueue.initial({}).config).toEqual(defaults);
      expect(ClaimQueue.initial({ leaseTtlMs: undefined }).config).toEqual(defaults);
      // A field given keeps its value; the others default.
      expect(ClaimQueue.initial({ attemptsMax: 7 }).config).toEqual({ ...defaults, attemptsMax: 7 });
    });

    it("derives the heartbeat from a given lease and the backoff cap from a given base", () => {
      expect(ClaimQueue.initial({ leaseTtlMs: 9_001 }).config.heartbeatIntervalMs).toBe(4_500);
      expect(ClaimQueue.initial({ leaseTtlMs: 2 }).config.heartbeatIntervalMs).toBe(1);
      expect(ClaimQueue.initial({ retryBackoffBaseMs: 90_000 }).config.retryBackoffCapMs).toBe(90_000);
      expect(ClaimQueue.initial({ retryBackoffBaseMs: 10 }).config.retryBackoffCapMs).toBe(60_000);
    });

    it("reports every invalid field at once, the first as `field`", () => {
      const bad = {
        leaseTtlMs: 0,
        heartbeatIntervalMs: "5s",
        attemptsMax: 3,
        retryBackoffBaseMs: 2_000,
        retryBackoffCapMs: 1_000,
        itemCountMax: -1,
      } as unknown as ClaimQueue.Config;
      let error: unknown;
      try {
        ClaimQueue.initial(bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidConfigError);
      const invalid = error as InvalidConfigError;
      expect(invalid.field).toBe("leaseTtlMs");
      expect(invalid.problems.map((p) => p.field)).toEqual([
        "leaseTtlMs",
        "heartbeatIntervalMs",
        "itemCountMax",
        "retryBackoffCapMs",
      ]);
      expect(invalid.message).toBe(
        [
          "ClaimQueue config has 4 invalid fields:",
          "  - leaseTtlMs (0) must be a positive integer",
          '  - heartbeatIntervalMs ("5s") must be a positive integer',
          "  - itemCountMax (-1) must be a positive integer",
          "  - retryBackoffCapMs (1000) must be at least retryBackoffBaseMs (2000)",
        ].join("\n"),
      );
    });

    it("checks a relation only when both of its fields are valid", () => {
      // leaseTtlMs is invalid, so heartbeatIntervalMs (valid on its own) is not also blamed.
      try {
        ClaimQueue.initial({ leaseTtlMs: -5, heartbeatIntervalMs: 40_000 });
        expect.unreachable();
      } catch (error) {
        expect((error as InvalidConfigError).problems).toEqual([
          { field: "leaseTtlMs", message: "ClaimQueue config: leaseTtlMs (-5) must be a positive integer" },
        ]);
      }
    });

    it("rejects a config that is not an object", () => {
      expect(() => ClaimQueue.initial(null as unknown as ClaimQueue.Config)).toThrow(
        "ClaimQueue config (null) must be an object",
      );
    });
  });

  it("asserts on programmer errors in events", () => {
    const state = enqueued("s1");
    const bad: Event[] = [
      { _tag: "Enqueue", scope: "", atMs: 0 },
      { _tag: "Enqueue", scope: "s", atMs: 1.5 },
      { _tag: "Enqueue", scope: "s", atMs: -1 },
      { _tag: "Claim", holder: "", batchSize: 1, atMs: 0 },
      { _tag: "Ack", scope: "s1", token: Number.NaN, atMs: 0 },
      { _tag: "Heartbeat", scope: "", token: 1, atMs: 0 },
      { _tag: "Bogus", atMs: 0 } as unknown as Event,
    ];
    for (const event of bad) {
      expect(() => ClaimQueue.transition(state, event)).toThrow(AssertionError);
    }
  });
});
