// FencedResource: storage that rejects writes carrying a fencing token older than one it has seen.
// A lease alone cannot stop a paused holder from writing after its lease was taken over; fencing can
// (Kleppmann, "How to do distributed locking", 2016). Pair it with the tokens granted by `Lease`.

import { assertToken, NO_EFFECTS, unknownEvent } from "./internal/checks.js";
import type { Transition } from "./machine.js";

/**
 * Fenced storage state.
 *
 * - `highestToken`: the highest fencing token of any accepted write or fence; `0` before the first one.
 * - `value`: the last accepted value; `null` before the first write (a fence never sets it).
 * - `writeCount`: how many writes were accepted (fences do not count).
 */
export interface State<V = unknown> {
  readonly highestToken: number;
  readonly value: V | null;
  readonly writeCount: number;
}

/**
 * FencedResource events; `token` is an integer fencing token (e.g. a `Lease` grant's).
 *
 * - `Write`: a holder presenting `token` stores `value`.
 * - `Fence`: a new holder announces `token` before it reads the resource, so that a write by an older
 *   holder arriving later is refused even if the new holder has not written yet.
 */
export type Event<V = unknown> =
  | { readonly _tag: "Write"; readonly token: number; readonly value: V }
  | { readonly _tag: "Fence"; readonly token: number };

/**
 * FencedResource results.
 *
 * - `Accepted` (Write): `token >= highestToken`; the value is stored and `token` becomes the highest seen.
 * - `Fenced` (Fence): `token >= highestToken`; `token` becomes the highest seen; `value` and `writeCount`
 *   are unchanged.
 * - `StaleToken` (Write, Fence): `token < highestToken`; a newer holder has written or fenced, the event is
 *   rejected and the state is unchanged (the same object).
 */
export type Result =
  | { readonly _tag: "Accepted"; readonly token: number }
  | { readonly _tag: "Fenced"; readonly token: number }
  | { readonly _tag: "StaleToken"; readonly token: number; readonly highestToken: number };

/**
 * The empty resource: no value, highest token 0.
 *
 * @example
 * const store = FencedResource.initial<string>();
 */
export function initial<V = unknown>(): State<V> {
  return { highestToken: 0, value: null, writeCount: 0 };
}

/**
 * Applies one write or fence. Either is accepted only when `token >= highestToken` (equal tokens are the
 * same holder again); otherwise the result is `StaleToken` and the same `state` object. A Write stores its
 * value; a Fence only raises `highestToken` (a Fence with the current highest token returns the same
 * `state` object). Pure; never mutates `state`.
 *
 * @throws `AssertionError` when `token` is not an integer, or the `_tag` is unknown.
 * @example
 * const fenced = FencedResource.transition(store, { _tag: "Fence", token: 34 }).state;
 * const { result } = FencedResource.transition(fenced, { _tag: "Write", token: 33, value: "v" });
 * // result: { _tag: "StaleToken", token: 33, highestToken: 34 }
 */
export function transition<V>(state: State<V>, event: Event<V>): Transition<State<V>, Result, never> {
  switch (event._tag) {
    case "Write":
    case "Fence": {
      assertToken(event.token);
      if (event.token < state.highestToken) {
        return {
          state,
          effects: NO_EFFECTS,
          result: { _tag: "StaleToken", token: event.token, highestToken: state.highestToken },
        };
      }
      return event._tag === "Write" ? write(state, event.token, event.value) : fence(state, event.token);
    }
    default:
      return unknownEvent(event);
  }
}

function write<V>(state: State<V>, token: number, value: V): Transition<State<V>, Result, never> {
  return {
    state: { highestToken: token, value, writeCount: state.writeCount + 1 },
    effects: NO_EFFECTS,
    result: { _tag: "Accepted", token },
  };
}

function fence<V>(state: State<V>, token: number): Transition<State<V>, Result, never> {
  const result: Result = { _tag: "Fenced", token };
  if (token === state.highestToken) {
    return { state, effects: NO_EFFECTS, result };
  }
  return { state: { ...state, highestToken: token }, effects: NO_EFFECTS, result };
}
