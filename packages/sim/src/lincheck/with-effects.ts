import type { LinMachine } from "./types.js";

/** A core step's outcome as one value: its result and the effects it returned. */
export interface StepOutcome<R, F> {
  readonly result: R;
  readonly effects: readonly F[];
}

/**
 * `machine` with its effects compared too: its `transition` returns `{ result, effects }` as the result, for a
 * service whose calls return both (e.g. the Redis SyncCoordinator's `TimedStep`: whom an order was dispatched
 * to, and with which lease, is in the effects). The state is the machine's.
 */
export function withEffects<C, S, E, R, F>(machine: {
  initial(config: C): S;
  transition(state: S, event: E): { readonly state: S; readonly result: R; readonly effects: readonly F[] };
}): LinMachine<C, S, E, StepOutcome<R, F>> {
  return {
    initial: (config) => machine.initial(config),
    transition(state, event) {
      const step = machine.transition(state, event);
      return { state: step.state, result: { result: step.result, effects: step.effects } };
    },
  };
}
