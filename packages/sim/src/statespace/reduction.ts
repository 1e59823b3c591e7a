/**
 * Partial-order reduction for the breadth-first checker: ample sets (Peled 1993; Clarke, Grumberg & Peled,
 * "Model Checking", ch. 10; SPIN's reduction of "safe" local moves, Holzmann & Peled 1994) over what a model
 * declares in {@link ModelReduction}. At a state where some process has only local moves, only that process's
 * enabled moves are expanded; the states the other interleavings of those moves would reach are not stored.
 *
 * Why every invariant's verdict is preserved (the ample set `A` of `process` at `s`, from the model's promises):
 *
 * - C0 (non-empty): `A` is used only when the process has an enabled move at `s`; otherwise `s` is expanded fully.
 * - C1 (dependence): a move outside `A` that depends on a move in `A` is a move of the same process (the others
 *   touch none of its local variables); the process's moves are all in `A` at `s`, and it stays local-only until
 *   it moves (promise 2), so no such move can run before one of `A`.
 * - C2 (invisibility): moves in `A` write no variable an invariant reads (promise 1), so every state they skip
 *   has the invariant values of a state that is stored.
 * - C3 (cycle proviso, conservative and order-independent): `A` is used only when each of its moves leads out of
 *   the process's local-only state (and not back to `s`). Along a cycle of states each expanded by an ample set,
 *   a process that moved stays not local-only (only its own moves change its local state, and it is not chosen
 *   again while not local-only), so it could not be local-only at the cycle's start again: every cycle of the
 *   reduced graph passes through a fully expanded state, and no move is postponed forever. The condition looks
 *   at the successors only, not at the visited set, so the reduced space is the same in any exploration order
 *   (one thread or `--workers K`).
 *
 * What is not preserved: the shortest counterexample is the shortest in the reduced graph (a violation is
 * still found, at a depth at least the unreduced one); `states` and `transitions` count the reduced graph.
 */
import type { StateSpaceModel } from "./model.js";

/** The moves of one ample set: input, its position in `model.inputs(state)`, and the state it leads to. */
export interface Ample<S, I> {
  readonly inputs: I[];
  readonly positions: number[];
  readonly states: S[];
}

/**
 * The ample-set selector of `model`, or `null` when the model declares no reduction. The selector returns the
 * ample set of a state (reused between calls: read it before the next call), or `null` to expand every input.
 * Processes are tried in the order their first input appears in `model.inputs(state)`.
 */
export function ampleSelector<S, I>(model: StateSpaceModel<S, I>): ((state: S) => Ample<S, I> | null) | null {
  const reduction = model.reduction;
  if (reduction === undefined) return null;
  const ample: Ample<S, I> = { inputs: [], positions: [], states: [] };
  const tried: number[] = [];

  /** Fills `ample` with `process`'s enabled moves from index `from`; `false` when C0 or C3 fails. */
  const collect = (state: S, inputs: readonly I[], from: number, process: number): boolean => {
    ample.inputs.length = 0;
    ample.positions.length = 0;
    ample.states.length = 0;
    for (let j = from; j < inputs.length; j++) {
      const input = inputs[j]!;
      if (reduction.process(input) !== process) continue;
      const t = model.next(state, input);
      if (t === null) continue;
      if (t === state || reduction.localOnly(t, process)) return false;
      ample.inputs.push(input);
      ample.positions.push(j);
      ample.states.push(t);
    }
    return ample.inputs.length > 0;
  };

  return (state) => {
    const all = model.inputs(state);
    const inputs: readonly I[] = Array.isArray(all) ? all : Array.from(all);
    tried.length = 0;
    for (let i = 0; i < inputs.length; i++) {
      const process = reduction.process(inputs[i]!);
      if (tried.includes(process)) continue;
      tried.push(process);
      if (reduction.localOnly(state, process) && collect(state, inputs, i, process)) return ample;
    }
    return null;
  };
}
