// Example tests for FencedResource: writes with a token below the highest seen are rejected, a Fence by a
// new holder refuses an older holder's later write before the new holder writes, and the Kleppmann scenario
// (a paused holder writing after its lease was reclaimed) is stopped by fencing.

import { AssertionError, FencedResource, Lease, type Machine } from "@interleave/core";
import { describe, expect, it } from "vitest";

function write<V>(state: FencedResource.State<V>, token: number, value: V) {
  return FencedResource.transition(state, { _tag: "Write", token, value });
}

function fence<V>(state: FencedResource.State<V>, token: number) {
  return FencedResource.transition(state, { _tag: "Fence", token });
}

describe("FencedResource", () => {
  const empty = FencedResource.initial<string>();

  it("satisfies the Machine contract", () => {
    const machine: Machine<FencedResource.State, FencedResource.Event, FencedResource.Result> =
      FencedResource;
    expect(machine.transition(empty, { _tag: "Write", token: 1, value: "v" }).effects).toEqual([]);
  });

  it("starts empty with highest token 0", () => {
    expect(empty).toEqual({ highestToken: 0, value: null, writeCount: 0 });
  });

  it("accepts writes with a token at or above the highest seen", () => {
    const first = write(empty, 3, "a");
    expect(first.result).toEqual({ _tag: "Accepted", token: 3 });
    const again = write(first.state, 3, "b");
    expect(again.result).toEqual({ _tag: "Accepted", token: 3 });
    const newer = write(again.state, 5, "c");
    expect(newer.state).toEqual({ highestToken: 5, value: "c", writeCount: 3 });
    expect(empty.writeCount).toBe(0);
  });

  it("rejects a write with a token below the highest seen (StaleToken, same state)", () => {
    const stored = write(empty, 34, "new").state;
    const { state, result } = write(stored, 33, "old");
    expect(result).toEqual({ _tag: "StaleToken", token: 33, highestToken: 34 });
    expect(state).toBe(stored);
  });

  it("stops a paused holder whose lease was reclaimed (Kleppmann's fencing example)", () => {
    let lease = Lease.initial({ leaseTtlMs: 1_000 });
    let store = FencedResource.initial<string>();
    const a = Lease.transition(lease, { _tag: "Acquire", holder: "a", atMs: 0 });
    lease = a.state;
    // "a" pauses past its expiry; "b" takes the lease over and writes first.
    const b = Lease.transition(lease, { _tag: "Acquire", holder: "b", atMs: 1_500 });
    expect(b.result).toMatchObject({ _tag: "Granted", reclaimed: true });
    if (a.result._tag !== "Granted" || b.result._tag !== "Granted") {
      throw new Error("expected both grants");
    }
    store = write(store, b.result.token, "from b").state;
    const late = write(store, a.result.token, "from a");
    expect(late.result).toEqual({ _tag: "StaleToken", token: 1, highestToken: 2 });
    expect(late.state.value).toBe("from b");
  });

  it("refuses a later write by token 1 after a Fence by token 2, before token 2 has written", () => {
    const fenced = fence(empty, 2);
    expect(fenced.result).toEqual({ _tag: "Fenced", token: 2 });
    expect(fenced.state).toEqual({ highestToken: 2, value: null, writeCount: 0 });
    const late = write(fenced.state, 1, "from the old holder");
    expect(late.result).toEqual({ _tag: "StaleToken", token: 1, highestToken: 2 });
    expect(late.state).toBe(fenced.state);
    expect(write(fenced.state, 2, "from the new holder").result).toEqual({ _tag: "Accepted", token: 2 });
  });

  it("accepts a Fence with a token equal to the highest seen (same state object)", () => {
    const stored = write(empty, 4, "v").state;
    const { state, result } = fence(stored, 4);
    expect(result).toEqual({ _tag: "Fenced", token: 4 });
    expect(state).toBe(stored);
  });

  it("never changes the value or the write count with a Fence", () => {
    const stored = write(empty, 3, "kept").state;
    const raised = fence(stored, 9).state;
    expect(raised).toEqual({ highestToken: 9, value: "kept", writeCount: 1 });
    expect(stored.highestToken).toBe(3);
    const stale = fence(raised, 5);
    expect(stale.result).toEqual({ _tag: "StaleToken", token: 5, highestToken: 9 });
    expect(stale.state).toBe(raised);
  });

  it("stops a paused holder whose successor fenced but has not written yet", () => {
    let lease = Lease.initial({ leaseTtlMs: 1_000 });
    const a = Lease.transition(lease, { _tag: "Acquire", holder: "a", atMs: 0 });
    lease = a.state;
    const b = Lease.transition(lease, { _tag: "Acquire", holder: "b", atMs: 1_500 });
    if (a.result._tag !== "Granted" || b.result._tag !== "Granted") {
      throw new Error("expected both grants");
    }
    // "b" announces its token before reading; "a" wakes up and writes with its old token.
    const store = fence(write(empty, a.result.token, "a, before the pause").state, b.result.token).state;
    const late = write(store, a.result.token, "a, after the pause");
    expect(late.result).toEqual({ _tag: "StaleToken", token: 1, highestToken: 2 });
    expect(late.state.value).toBe("a, before the pause");
  });

  it("asserts that the token is an integer and the event is known", () => {
    expect(() => write(empty, 1.5, "x")).toThrow(AssertionError);
    expect(() => fence(empty, Number.NaN)).toThrow(AssertionError);
    expect(() =>
      FencedResource.transition(empty, {
        _tag: "Erase",
        token: 1,
      } as unknown as FencedResource.Event<string>),
    ).toThrow("unknown event _tag");
  });
});
