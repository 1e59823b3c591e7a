// Example tests for FencedResource: writes with a token below the highest seen are rejected, and the
// Kleppmann scenario (a paused holder writing after its lease was reclaimed) is stopped by fencing.

import { AssertionError, FencedResource, Lease, type Machine } from "@interleave/core";
import { describe, expect, it } from "vitest";

function write<V>(state: FencedResource.State<V>, token: number, value: V) {
  return FencedResource.transition(state, { _tag: "Write", token, value });
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

  it("asserts that the token is an integer", () => {
    expect(() => write(empty, 1.5, "x")).toThrow(AssertionError);
  });
});
