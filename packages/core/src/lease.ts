// Lease: a time-bounded, holder-aware grant with a fencing token, as a pure state machine.
// It is the primitive behind per-item claims and merge gates; the token lets storage reject a holder
// whose lease was taken over (Kleppmann, "How to do distributed locking", 2016).

import { assert } from "./assert.js";
import {
  addMs,
  assertName,
  assertTime,
  assertToken,
  configInteger,
  NO_EFFECTS,
  unknownEvent,
} from "./internal/checks.js";
import type { Transition } from "./machine.js";

/** Lease configuration, validated by {@link initial}. */
export interface Config {
  /** How long a grant or renewal stays valid, in ms. Positive integer. */
  readonly leaseTtlMs: number;
}

/**
 * Lease state. The lease is valid while `holder !== null && atMs < expiresAtMs`.
 *
 * - `holder`: who holds (or last held, if expired and not yet taken over) the lease; `null` when free
 *   or released.
 * - `token`: the fencing token of the current (or last) grant; `0` before any grant. Strictly increases
 *   with every new grant.
 * - `expiresAtMs`: the first instant (ms) at which the grant is no longer valid; `0` before any grant.
 */
export interface State {
  readonly config: Config;
  readonly holder: string | null;
  readonly token: number;
  readonly expiresAtMs: number;
}

/**
 * Lease events, each carrying its time `atMs` (non-negative integer ms).
 *
 * - `Acquire`: `holder` asks for the lease.
 * - `Renew`: the heartbeat; `holder` extends the grant it received with `token`.
 * - `Release`: `holder` gives back the grant it received with `token`.
 */
export type Event =
  | { readonly _tag: "Acquire"; readonly holder: string; readonly atMs: number }
  | { readonly _tag: "Renew"; readonly holder: string; readonly token: number; readonly atMs: number }
  | { readonly _tag: "Release"; readonly holder: string; readonly token: number; readonly atMs: number };

/**
 * Lease results.
 *
 * - `Granted` (Acquire): the caller holds the lease until `expiresAtMs` and must present `token` to
 *   fenced storage. `reclaimed` is `true` when a different holder's expired lease was taken over. A
 *   same-holder re-acquire while valid is idempotent: same token, expiry moved to `atMs + leaseTtlMs`.
 * - `Busy` (Acquire): another holder has a valid lease until `expiresAtMs`.
 * - `Renewed` (Renew): the grant is extended to `expiresAtMs`.
 * - `Released` (Release): the lease is free.
 * - `NotOwner` (Renew, Release): the caller is not the holder or presents a stale token; carries the
 *   current `holder` and `token`. State unchanged.
 * - `Expired` (Renew): right holder and token, but the grant ended at `expiredAtMs`; the holder must
 *   Acquire again and will receive a new token. State unchanged.
 */
export type Result =
  | {
      readonly _tag: "Granted";
      readonly token: number;
      readonly expiresAtMs: number;
      readonly reclaimed: boolean;
    }
  | { readonly _tag: "Busy"; readonly holder: string; readonly expiresAtMs: number }
  | { readonly _tag: "Renewed"; readonly expiresAtMs: number }
  | { readonly _tag: "Released" }
  | { readonly _tag: "NotOwner"; readonly holder: string | null; readonly token: number }
  | { readonly _tag: "Expired"; readonly expiredAtMs: number };

/** The lease has no effects: the caller acts on the result. */
export type Effect = never;

/**
 * The free lease for `config`: no holder, token 0.
 *
 * @throws `InvalidConfigError` when `leaseTtlMs` is not a positive integer, e.g.
 *   `Lease config: leaseTtlMs (0) must be a positive integer`.
 * @example
 * const lease = Lease.initial({ leaseTtlMs: 15_000 });
 */
export function initial(config: Config): State {
  const leaseTtlMs = configInteger("Lease", config, "leaseTtlMs", 1);
  return { config: { leaseTtlMs }, holder: null, token: 0, expiresAtMs: 0 };
}

/** Whether `state` holds a valid (held and unexpired) lease at `atMs`. */
function isValid(state: State, atMs: number): state is State & { readonly holder: string } {
  return state.holder !== null && atMs < state.expiresAtMs;
}

/**
 * Applies one event to the lease. Pure: never mutates `state`; returns the same `state` object when
 * nothing changed (Busy, NotOwner, Expired). Every new grant (of a free, released or expired lease)
 * receives token `state.token + 1`, so tokens strictly increase across grants.
 *
 * Events are expected in nondecreasing `atMs`; the lease does not check that (it keeps no clock), and
 * takes an earlier `atMs` at face value.
 *
 * @throws `AssertionError` when `atMs` is not a non-negative integer, `holder` is empty or
 *   `token` is not an integer.
 * @example
 * const { state, result } = Lease.transition(lease, { _tag: "Acquire", holder: "worker-a", atMs: 0 });
 * // result: { _tag: "Granted", token: 1, expiresAtMs: 15_000, reclaimed: false }
 */
export function transition(state: State, event: Event): Transition<State, Result, Effect> {
  assertTime(event.atMs);
  assertName("holder", event.holder);
  switch (event._tag) {
    case "Acquire":
      return acquire(state, event.holder, event.atMs);
    case "Renew":
      assertToken(event.token);
      return renew(state, event.holder, event.token, event.atMs);
    case "Release":
      assertToken(event.token);
      return release(state, event.holder, event.token, event.atMs);
    default:
      return unknownEvent(event);
  }
}

function acquire(state: State, holder: string, atMs: number): Transition<State, Result, Effect> {
  const expiresAtMs = addMs(atMs, state.config.leaseTtlMs);
  if (isValid(state, atMs)) {
    if (state.holder !== holder) {
      return unchanged(state, { _tag: "Busy", holder: state.holder, expiresAtMs: state.expiresAtMs });
    }
    const result: Result = { _tag: "Granted", token: state.token, expiresAtMs, reclaimed: false };
    if (expiresAtMs === state.expiresAtMs) {
      return unchanged(state, result);
    }
    return { state: { ...state, expiresAtMs }, effects: NO_EFFECTS, result };
  }
  const token = state.token + 1;
  assert(Number.isSafeInteger(token), `fencing token overflow after ${state.token}`);
  const reclaimed = state.holder !== null && state.holder !== holder;
  return {
    state: { ...state, holder, token, expiresAtMs },
    effects: NO_EFFECTS,
    result: { _tag: "Granted", token, expiresAtMs, reclaimed },
  };
}

function renew(state: State, holder: string, token: number, atMs: number): Transition<State, Result, Effect> {
  if (state.holder !== holder || state.token !== token) {
    return unchanged(state, { _tag: "NotOwner", holder: state.holder, token: state.token });
  }
  if (!isValid(state, atMs)) {
    return unchanged(state, { _tag: "Expired", expiredAtMs: state.expiresAtMs });
  }
  const expiresAtMs = addMs(atMs, state.config.leaseTtlMs);
  const result: Result = { _tag: "Renewed", expiresAtMs };
  if (expiresAtMs === state.expiresAtMs) {
    return unchanged(state, result);
  }
  return { state: { ...state, expiresAtMs }, effects: NO_EFFECTS, result };
}

/**
 * Frees the lease when `holder` and `token` match, expired or not; the recorded expiry becomes the
 * release time if that is earlier, so `expiresAtMs` says when the last grant actually ended.
 */
function release(
  state: State,
  holder: string,
  token: number,
  atMs: number,
): Transition<State, Result, Effect> {
  if (state.holder !== holder || state.token !== token) {
    return unchanged(state, { _tag: "NotOwner", holder: state.holder, token: state.token });
  }
  return {
    state: { ...state, holder: null, expiresAtMs: Math.min(state.expiresAtMs, atMs) },
    effects: NO_EFFECTS,
    result: { _tag: "Released" },
  };
}

function unchanged(state: State, result: Result): Transition<State, Result, Effect> {
  return { state, effects: NO_EFFECTS, result };
}
