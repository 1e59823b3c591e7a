// Example tests for the Lease machine: grants and fencing tokens, busy, renew, holder-aware release,
// reclaim after expiry, idempotent re-acquire, and config validation.

import { AssertionError, InvalidConfigError, Lease, type Machine } from "@interleave/core";
import { describe, expect, it } from "vitest";

const TTL_MS = 10_000;

function step(state: Lease.State, event: Lease.Event): Lease.Result {
  return Lease.transition(state, event).result;
}

function granted(state: Lease.State, holder: string, atMs: number): Lease.State {
  const { state: next, result } = Lease.transition(state, { _tag: "Acquire", holder, atMs });
  expect(result._tag).toBe("Granted");
  return next;
}

describe("Lease", () => {
  const free = Lease.initial({ leaseTtlMs: TTL_MS });

  it("satisfies the Machine contract", () => {
    const machine: Machine<Lease.State, Lease.Event, Lease.Result, Lease.Effect> = Lease;
    expect(machine.transition(free, { _tag: "Acquire", holder: "a", atMs: 0 }).effects).toEqual([]);
  });

  it("starts free with token 0", () => {
    expect(free).toEqual({ config: { leaseTtlMs: TTL_MS }, holder: null, token: 0, expiresAtMs: 0 });
  });

  it("grants a free lease with token 1 and expiry atMs + leaseTtlMs", () => {
    const { state, result } = Lease.transition(free, { _tag: "Acquire", holder: "a", atMs: 100 });
    expect(result).toEqual({ _tag: "Granted", token: 1, expiresAtMs: 100 + TTL_MS, reclaimed: false });
    expect(state).toEqual({ ...free, holder: "a", token: 1, expiresAtMs: 100 + TTL_MS });
    expect(free.holder).toBeNull();
  });

  it("gives every new grant a strictly greater fencing token", () => {
    let state = granted(free, "a", 0);
    state = Lease.transition(state, { _tag: "Release", holder: "a", token: 1, atMs: 1 }).state;
    state = granted(state, "b", 2);
    expect(state.token).toBe(2);
    state = granted(state, "c", 2 + TTL_MS);
    expect(state.token).toBe(3);
  });

  it("answers Busy naming the holder and its expiry while another holder's lease is valid", () => {
    const held = granted(free, "a", 0);
    const { state, result } = Lease.transition(held, { _tag: "Acquire", holder: "b", atMs: TTL_MS - 1 });
    expect(result).toEqual({ _tag: "Busy", holder: "a", expiresAtMs: TTL_MS });
    expect(state).toBe(held);
  });

  it("re-acquires idempotently for the same holder: same token, expiry extended", () => {
    const held = granted(free, "a", 0);
    const { state, result } = Lease.transition(held, { _tag: "Acquire", holder: "a", atMs: 4_000 });
    expect(result).toEqual({ _tag: "Granted", token: 1, expiresAtMs: 4_000 + TTL_MS, reclaimed: false });
    expect(state.token).toBe(1);
    expect(state.expiresAtMs).toBe(4_000 + TTL_MS);
  });

  it("returns the same state for a re-acquire that changes nothing", () => {
    const held = granted(free, "a", 0);
    expect(Lease.transition(held, { _tag: "Acquire", holder: "a", atMs: 0 }).state).toBe(held);
  });

  it("renews for the holder with its token", () => {
    const held = granted(free, "a", 0);
    const { state, result } = Lease.transition(held, { _tag: "Renew", holder: "a", token: 1, atMs: 9_000 });
    expect(result).toEqual({ _tag: "Renewed", expiresAtMs: 9_000 + TTL_MS });
    expect(state.expiresAtMs).toBe(9_000 + TTL_MS);
  });

  it("refuses a renew by another holder or with a stale token (NotOwner, state unchanged)", () => {
    const held = granted(free, "a", 0);
    for (const event of [
      { _tag: "Renew", holder: "b", token: 1, atMs: 1 },
      { _tag: "Renew", holder: "a", token: 7, atMs: 1 },
    ] as const) {
      const { state, result } = Lease.transition(held, event);
      expect(result).toEqual({ _tag: "NotOwner", holder: "a", token: 1 });
      expect(state).toBe(held);
    }
  });

  it("answers Expired to a renew by the right holder and token after expiry", () => {
    const held = granted(free, "a", 0);
    const { state, result } = Lease.transition(held, { _tag: "Renew", holder: "a", token: 1, atMs: TTL_MS });
    expect(result).toEqual({ _tag: "Expired", expiredAtMs: TTL_MS });
    expect(state).toBe(held);
  });

  it("releases only for the holder with its token", () => {
    const held = granted(free, "a", 0);
    expect(step(held, { _tag: "Release", holder: "b", token: 1, atMs: 5 })).toEqual({
      _tag: "NotOwner",
      holder: "a",
      token: 1,
    });
    expect(Lease.transition(held, { _tag: "Release", holder: "a", token: 0, atMs: 5 }).state).toBe(held);
    const { state, result } = Lease.transition(held, { _tag: "Release", holder: "a", token: 1, atMs: 5 });
    expect(result).toEqual({ _tag: "Released" });
    expect(state).toEqual({ ...held, holder: null, expiresAtMs: 5 });
    expect(step(state, { _tag: "Acquire", holder: "b", atMs: 6 })).toEqual({
      _tag: "Granted",
      token: 2,
      expiresAtMs: 6 + TTL_MS,
      reclaimed: false,
    });
  });

  it("lets a stale holder's release after a reclaim fail without freeing the new holder's lease", () => {
    const reclaimed = granted(granted(free, "a", 0), "b", TTL_MS);
    const { state, result } = Lease.transition(reclaimed, {
      _tag: "Release",
      holder: "a",
      token: 1,
      atMs: TTL_MS,
    });
    expect(result).toEqual({ _tag: "NotOwner", holder: "b", token: 2 });
    expect(state).toBe(reclaimed);
  });

  it("reclaims another holder's expired lease with a new token (reclaimed=true)", () => {
    const held = granted(free, "a", 0);
    const { state, result } = Lease.transition(held, { _tag: "Acquire", holder: "b", atMs: TTL_MS });
    expect(result).toEqual({ _tag: "Granted", token: 2, expiresAtMs: 2 * TTL_MS, reclaimed: true });
    expect(state.holder).toBe("b");
    expect(step(state, { _tag: "Renew", holder: "a", token: 1, atMs: TTL_MS + 1 })).toEqual({
      _tag: "NotOwner",
      holder: "b",
      token: 2,
    });
  });

  it("grants the same holder's own expired lease a new token without calling it a reclaim", () => {
    const held = granted(free, "a", 0);
    expect(step(held, { _tag: "Acquire", holder: "a", atMs: TTL_MS })).toEqual({
      _tag: "Granted",
      token: 2,
      expiresAtMs: 2 * TTL_MS,
      reclaimed: false,
    });
  });

  it("rejects a config whose leaseTtlMs is not a positive integer, naming the field and value", () => {
    for (const leaseTtlMs of [0, -1, 1.5, Number.NaN]) {
      expect(() => Lease.initial({ leaseTtlMs })).toThrow(InvalidConfigError);
    }
    expect(() => Lease.initial({ leaseTtlMs: 0 })).toThrow(
      "Lease config: leaseTtlMs (0) must be a positive integer",
    );
    try {
      Lease.initial({ leaseTtlMs: -5 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidConfigError);
      expect((error as InvalidConfigError).field).toBe("leaseTtlMs");
    }
  });

  it("asserts on programmer errors: non-integer atMs, empty holder, non-integer token", () => {
    expect(() => step(free, { _tag: "Acquire", holder: "a", atMs: 1.5 })).toThrow(AssertionError);
    expect(() => step(free, { _tag: "Acquire", holder: "a", atMs: -1 })).toThrow(AssertionError);
    expect(() => step(free, { _tag: "Acquire", holder: "", atMs: 0 })).toThrow(AssertionError);
    expect(() => step(free, { _tag: "Renew", holder: "a", token: 0.5, atMs: 0 })).toThrow(AssertionError);
    expect(() => step(free, { _tag: "Steal", holder: "a", atMs: 0 } as unknown as Lease.Event)).toThrow(
      "unknown event _tag",
    );
  });
});
