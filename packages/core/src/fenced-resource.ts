// FencedResource: storage that rejects writes carrying a fencing token older than one it has seen.
// A lease alone cannot stop a paused holder from writing after its lease was taken over; fencing can
// (Kleppmann, "How to do distributed locking", 2016). Pair it with the tokens granted by `Lease`.

import { assertToken, NO_EFFECTS, unknownEvent } from "./internal/checks.js";
import type { Transition } from "./machine.js";

/**
 * Fenced storage state.
 *
 * - `highestToken`: the highest fencing token of any accepted write; `0` before the first write.
 * - `value`: the last accepted value; `null` before the first write.
 * - `writeCount`: how many writes were accepted.
 */
export interface State<V = unknown> {
  readonly highestToken: number;
  readonly value: V | null;
  readonly writeCount: number;
}

/** A write of `value` by a holder presenting fencing token `token` (an integer). */
export type Event<V = unknown> = { readonly _tag: "Write"; readonly token: number; readonly value: V };

/**
 * Write results.
 *
 * - `Accepted`: `token >= highestToken`; the value is stored and `token` becomes the highest seen.
 * - `StaleToken`: `token < highestToken`; a newer holder has written, the write is rejected and the
 *   state is unchanged.
 */
export type Result =
  | { readonly _tag: "Accepted"; readonly token: number }
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
 * Applies one write. Accepts it only when `token >= highestToken` (equal tokens are the same holder
 * writing again); otherwise returns `StaleToken` and the same `state` object. Pure; never mutates `state`.
 *
 * @throws `AssertionError` when `token` is not an integer.
 * @example
 * const { result } = FencedResource.transition(store, { _tag: "Write", token: 33, value: "v" });
 * // result: { _tag: "Accepted", token: 33 }
 */
export function transition<V>(state: State<V>, event: Event<V>): Transition<State<V>, Result, never> {
  if (event._tag !== "Write") {
    // Unreachable for typed callers (Write is the only event); guards untyped ones.
    return unknownEvent(event as never);
  }
  assertToken(event.token);
  if (event.token < state.highestToken) {
    return {
      state,
      effects: NO_EFFECTS,
      result: { _tag: "StaleToken", token: event.token, highestToken: state.highestToken },
    };
  }
  return {
    state: { highestToken: event.token, value: event.value, writeCount: state.writeCount + 1 },
    effects: NO_EFFECTS,
    result: { _tag: "Accepted", token: event.token },
  };
}
