// MergeGate's merge lease: acquiring it (with the seed's force-write over a corrupt record), the holder-aware
// release, and the state update, on top of the core Lease machine. Split from merge-gate.ts; `Reclaimed` is
// re-exported there as `MergeGate.Reclaimed`.

import { assert } from "./assert.js";
import { describeValue } from "./internal/checks.js";
import * as Lease from "./lease.js";
import type { State } from "./merge-gate-state.js";

/**
 * How the lease was obtained by an `Acquired` grant: `"no"` (a free lease, the branch's own lease, or a
 * same-holder re-acquire), `"stale"` (another branch's expired lease was taken over), `"corrupt"` (an
 * unreadable record was overwritten, whoever it named).
 */
export type Reclaimed = "no" | "stale" | "corrupt";

type Grant =
  | { readonly _tag: "Busy"; readonly holder: string }
  | {
      readonly _tag: "Granted";
      readonly lease: Lease.State;
      readonly token: number;
      readonly reclaimed: Reclaimed;
      /** The recorded holder before the grant (whose lease a reclaim took over), or `null`. */
      readonly previous: string | null;
    };

/**
 * Acquires the lease for `name` at `atMs`. A corrupt record is overwritten (the seed's force-write on a
 * parse error): the recorded grant is released and a fresh one made, so the token moves on even when the
 * record named `name` itself.
 */
export function acquire(state: State, name: string, atMs: number): Grant {
  const previous = state.lease.holder;
  if (!state.leaseCorrupt) {
    const { state: lease, result } = Lease.transition(state.lease, { _tag: "Acquire", holder: name, atMs });
    if (result._tag === "Busy") {
      return { _tag: "Busy", holder: result.holder };
    }
    assert(result._tag === "Granted", () => `Lease Acquire answered ${result._tag}`);
    return {
      _tag: "Granted",
      lease,
      token: result.token,
      reclaimed: result.reclaimed ? "stale" : "no",
      previous,
    };
  }
  const freed = previous === null ? state.lease : leaseReleased(state.lease, previous, atMs);
  const { state: lease, result } = Lease.transition(freed, { _tag: "Acquire", holder: name, atMs });
  assert(
    result._tag === "Granted" && result.token === state.lease.token + 1,
    () => `a corrupt-lease reclaim must be a fresh grant, got ${describeValue(result)}`,
  );
  return { _tag: "Granted", lease, token: result.token, reclaimed: "corrupt", previous };
}

/** `lease` released by its recorded `holder` with the recorded token (valid or expired). */
function leaseReleased(lease: Lease.State, holderName: string, atMs: number): Lease.State {
  const { state, result } = Lease.transition(lease, {
    _tag: "Release",
    holder: holderName,
    token: lease.token,
    atMs,
  });
  assert(result._tag === "Released", () => `Lease Release by its holder answered ${result._tag}`);
  return state;
}

/**
 * The seed's holder-aware release: `state` with the lease released (and `leaseCorrupt` cleared) when `name`
 * is its recorded holder; `state` itself otherwise.
 */
export function releaseBy(state: State, name: string, atMs: number): State {
  if (state.lease.holder !== name) {
    return state;
  }
  return withLease(state, leaseReleased(state.lease, name, atMs), false);
}

/** `state` with `lease` and `leaseCorrupt` set; `state` itself when both are unchanged. */
export function withLease(state: State, lease: Lease.State, leaseCorrupt: boolean): State {
  if (lease === state.lease && leaseCorrupt === state.leaseCorrupt) {
    return state;
  }
  return { ...state, lease, leaseCorrupt };
}
