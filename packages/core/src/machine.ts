// The contract every core machine satisfies: a pure `transition(state, event)` over plain immutable data.
// The simulator and the Redis runtime depend only on this shape, so they can drive any machine the same way.

/**
 * What one step of a machine produces.
 *
 * - `state`: the next state. It is the very same object as the input state when the event changed
 *   nothing, and parts the event did not touch keep their identity, so callers can detect change with `===`.
 * - `effects`: things the caller must do (a closed tagged union per machine, `never` when it has none);
 *   the machine itself never performs them.
 * - `result`: a tagged union (`_tag`) telling the caller what happened, operating errors included.
 */
export interface Transition<S, R, F> {
  readonly state: S;
  readonly effects: readonly F[];
  readonly result: R;
}

/**
 * A core machine: `transition` is a pure function (no clock, no randomness, no I/O; time arrives as
 * `atMs` on events) that never mutates its input. Each machine module (`Lease`, `ClaimQueue`, ...)
 * satisfies this interface through its exported `transition`.
 *
 * @typeParam S - state, JSON-serialisable immutable data.
 * @typeParam E - event, a tagged union.
 * @typeParam R - result, a tagged union.
 * @typeParam F - effect, a tagged union; `never` for machines without effects.
 */
export interface Machine<S, E, R, F = never> {
  transition(state: S, event: E): Transition<S, R, F>;
}
