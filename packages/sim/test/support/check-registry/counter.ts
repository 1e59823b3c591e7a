/** A counter model for the `check` CLI tests that load a model registry from disk. */
import type { StateSpaceModel } from "../../../src/statespace/model.js";

/** Counts from 0 to `max` by `+1` and `+2`; the invariant fails at `bad` (if given). */
export function counter(max: number, bad?: number): StateSpaceModel<number, 1 | 2> {
  return {
    name: "counter",
    initial: 0,
    inputs: () => [1, 2],
    next: (s, step) => (s + step <= max ? s + step : null),
    invariants: [{ name: "the counter avoids the bad value", holds: (s) => s !== bad }],
    key: (s) => s,
  };
}
