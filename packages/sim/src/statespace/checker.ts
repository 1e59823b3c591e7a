/**
 * Explicit-state breadth-first checking of a pure model: every sequence of inputs from an input alphabet,
 * explored level by level from the initial states, with a visited set of 64-bit state fingerprints. BFS
 * gives the shortest counterexample, exact distinct-state counts (up to fingerprint collisions, below) and
 * states per second. It complements the schedule explorers (random, PCT), which sample interleavings of a
 * world without counting states. (Stateright `checker/bfs.rs`; TLC and SPIN's hash compaction.)
 */
import { assert } from "@interleave/core";
import { canonicalKey } from "./canonical.js";
import { fingerprinter } from "./fingerprint.js";
import { FingerprintSet } from "./fingerprint-set.js";
import {
  type CheckBounded,
  type CheckOptions,
  type CheckResult,
  type CheckStats,
  type CheckViolation,
  MAX_STATES_DEFAULT,
  type PathStep,
  type StateInvariant,
  type StateSpaceModel,
} from "./model.js";
import { ParentTree } from "./parent-tree.js";
import { ampleSelector } from "./reduction.js";

/**
 * Checks every invariant of `model` on every state reachable from its initial states, breadth-first.
 *
 * Each state reached (unless `next` returned its parent object itself: a self-loop) is keyed —
 * `model.fingerprint`, else `model.key`, else {@link canonicalKey} — and reduced to a 64-bit fingerprint:
 * a numeric key is kept exactly; a string or a fingerprint sequence is hashed with two 32-bit lanes
 * (MurmurHash3's block step with different constants and seeds, each finalised with its fmix32). Only
 * fingerprints are stored — in an open-addressing table of typed arrays — plus, per state, the index of
 * its parent and the position of the input that reached it; states themselves are kept only for the
 * current and the next BFS level. A counterexample is rebuilt by re-executing the recorded inputs from its
 * initial state.
 *
 * Hash compaction (as TLC's fingerprints and SPIN's hash-compact mode): two different states with equal
 * fingerprints are taken as one, so part of the space may go unexplored, silently. With n states and
 * 64-bit fingerprints (63 hashed bits) the chance of any collision is about n² / 2^64: 5·10⁻⁸ for a
 * million states, 1.4·10⁻⁶ for five million, 5·10⁻⁴ for a hundred million. Numeric keys never collide.
 * Invariants are checked when a state is first stored, so the first violation found is at the least
 * depth: its path is a shortest counterexample.
 *
 * Results: `Violation` for the first state (in BFS order) where an invariant fails; `Bounded` when
 * `maxStates`, `maxDepth` (only if states at that depth have unexplored successors) or `timeBudgetMs`
 * stopped the search; `Verified` otherwise. Nothing is thrown for a bound. Deterministic: the same model
 * and bounds give the same result, except for the timing figures and a `timeBudgetMs` bound.
 *
 * @throws `AssertionError` for bad options (not positive integers), a bad key (a number that is not a
 *   non-negative safe integer), or a model that is not deterministic (re-execution of the counterexample
 *   does not reach a violating state). Exceptions of the model propagate.
 * @example
 * const r = checkStateSpace(claimQueueModel({ scopes: 2, workers: 2 }), { maxStates: 1_000_000 });
 * if (r._tag === "Violation") console.log(r.invariant, r.path.map((s) => s.input));
 */
export function checkStateSpace<S, I>(
  model: StateSpaceModel<S, I>,
  options: CheckOptions = {},
): CheckResult<S> {
  const maxStates = positiveOption(options.maxStates, "maxStates") ?? MAX_STATES_DEFAULT;
  const maxDepth = positiveOrZeroOption(options.maxDepth, "maxDepth") ?? Number.POSITIVE_INFINITY;
  const timeBudgetMs = positiveOption(options.timeBudgetMs, "timeBudgetMs") ?? Number.POSITIVE_INFINITY;
  const started = performance.now();
  const deadline = started + timeBudgetMs;
  const initials = initialStates(model);
  const fingerprintOf = fingerprinter(model);
  const invariants = model.invariants;
  const ample = options.reduction === false ? null : ampleSelector(model);
  const visited = new FingerprintSet(Math.min(maxStates, 1 << 12));
  const tree = new ParentTree(Math.min(maxStates, 1 << 16));
  let transitions = 0;
  let depth = 0;
  let frontierMax = 0;
  let level: S[] = [];
  let levelIds: number[] = [];
  let nextLevel: S[] = [];
  let nextIds: number[] = [];

  const stats = (): CheckStats => {
    const elapsedMs = performance.now() - started;
    const states = tree.size;
    return {
      states,
      transitions,
      depth,
      elapsedMs: Math.round(elapsedMs * 10) / 10,
      statesPerSecond: elapsedMs > 0 ? Math.round(states / (elapsedMs / 1000)) : states,
      bytesPerState: states === 0 ? 0 : Math.round(((visited.bytes + tree.bytes) / states) * 10) / 10,
      frontierMax: Math.max(frontierMax, level.length + nextLevel.length),
    };
  };
  const bounded = (reason: CheckBounded["reason"], message: string): CheckBounded => ({
    _tag: "Bounded",
    reason,
    message,
    ...stats(),
  });
  const violated = (id: number, invariant: string): CheckViolation<S> => ({
    _tag: "Violation",
    invariant,
    ...rebuildPath(model, initials, tree, id, invariant),
    ...stats(),
  });
  const stopAtStates = () =>
    bounded(
      "maxStates",
      `stopped after storing ${maxStates.toLocaleString("en")} states (maxStates); raise --max-states or shrink the model`,
    );

  for (let i = 0; i < initials.length; i++) {
    const s = initials[i]!;
    fingerprintOf(s);
    if (!visited.add()) continue;
    if (tree.size === maxStates) return stopAtStates();
    const id = tree.add(-1, i);
    const broken = firstBroken(invariants, s);
    if (broken !== null) return violated(id, broken);
    level.push(s);
    levelIds.push(id);
  }
  frontierMax = level.length;

  let expanded = 0;
  while (level.length > 0) {
    if (depth === maxDepth) {
      return hasUnseenSuccessor(model, level, visited, fingerprintOf)
        ? bounded(
            "maxDepth",
            `stopped at depth ${maxDepth} (maxDepth) with states left unexplored below it; raise --max-depth or shrink the model`,
          )
        : { _tag: "Verified", ...stats() };
    }
    nextLevel = [];
    nextIds = [];
    for (let k = 0; k < level.length; k++) {
      const s = level[k]!;
      const parent = levelIds[k]!;
      // Partial-order reduction (reduction.ts): one process's local moves, or every input.
      const reduced = ample === null ? null : ample(s);
      let position = 0;
      let j = 0;
      for (const input of reduced === null ? model.inputs(s) : reduced.inputs) {
        const t = reduced === null ? model.next(s, input) : reduced.states[j]!;
        position = reduced === null ? position + 1 : reduced.positions[j++]! + 1;
        if (t === null) continue;
        transitions++;
        if (t === s) continue;
        fingerprintOf(t);
        if (!visited.add()) continue;
        if (tree.size === maxStates) {
          depth++;
          return stopAtStates();
        }
        const id = tree.add(parent, position - 1);
        const broken = firstBroken(invariants, t);
        if (broken !== null) {
          depth++;
          return violated(id, broken);
        }
        nextLevel.push(t);
        nextIds.push(id);
      }
      if ((++expanded & 1023) === 0 && performance.now() > deadline) {
        return bounded(
          "time",
          `stopped after ${timeBudgetMs.toLocaleString("en")} ms (timeBudgetMs) with ${tree.size.toLocaleString("en")} states stored; raise --time-budget-ms or shrink the model`,
        );
      }
    }
    frontierMax = Math.max(frontierMax, level.length + nextLevel.length);
    options.onLevel?.({ depth, states: tree.size, frontier: nextLevel.length });
    if (nextLevel.length === 0) break;
    level = nextLevel;
    levelIds = nextIds;
    nextLevel = [];
    nextIds = [];
    depth++;
  }
  return { _tag: "Verified", ...stats() };
}

/** Whether some successor of a state in `level` is not yet in `visited` (nothing is added). */
function hasUnseenSuccessor<S, I>(
  model: StateSpaceModel<S, I>,
  level: readonly S[],
  visited: FingerprintSet,
  fingerprintOf: (s: S) => void,
): boolean {
  for (const s of level) {
    for (const input of model.inputs(s)) {
      const t = model.next(s, input);
      if (t === null || t === s) continue;
      fingerprintOf(t);
      if (!visited.has()) return true;
    }
  }
  return false;
}

function initialStates<S, I>(model: StateSpaceModel<S, I>): readonly S[] {
  const initial = model.initial;
  // A model whose single state is itself an array must wrap it: `initial: [state]`.
  const list = Array.isArray(initial) ? (initial as readonly S[]) : [initial as S];
  assert(list.length > 0, `model ${model.name}: no initial state`);
  return list;
}

function firstBroken<S>(invariants: readonly StateInvariant<S>[], state: S): string | null {
  for (let i = 0; i < invariants.length; i++) {
    const invariant = invariants[i]!;
    if (!invariant.holds(state)) return invariant.name;
  }
  return null;
}

/**
 * The path to state `id`: its chain of parent pointers, re-executed from its initial state. Asserts that
 * every recorded input is still enabled and that the last state violates `invariant` (determinism).
 */
function rebuildPath<S, I>(
  model: StateSpaceModel<S, I>,
  initials: readonly S[],
  tree: ParentTree,
  id: number,
  invariant: string,
): { initial: S; path: PathStep<S>[] } {
  const positions: number[] = [];
  let at = id;
  while (tree.parent(at) !== -1) {
    positions.push(tree.position(at));
    at = tree.parent(at);
  }
  const initial = initials[tree.position(at)] as S;
  const path: PathStep<S>[] = [];
  let state: S = initial;
  for (let i = positions.length - 1; i >= 0; i--) {
    const position = positions[i]!;
    let input: I | undefined;
    let found = false;
    let p = 0;
    for (const candidate of model.inputs(state)) {
      if (p++ === position) {
        input = candidate;
        found = true;
        break;
      }
    }
    const nextState = found ? model.next(state, input as I) : null;
    assert(
      nextState !== null,
      () =>
        `model ${model.name} is not deterministic: input #${position} at step ${path.length + 1} of the counterexample is no longer enabled`,
    );
    state = nextState;
    path.push({ input: describeInput(model, input as I), state });
  }
  const holds = model.invariants.find((inv) => inv.name === invariant)?.holds(state) ?? true;
  assert(
    !holds,
    () =>
      `model ${model.name} is not deterministic: re-executing the counterexample does not violate "${invariant}"`,
  );
  return { initial, path };
}

/** `model.describe(input)`, or a compact rendering of the input's data. */
export function describeInput<S, I>(model: StateSpaceModel<S, I>, input: I): string {
  if (model.describe !== undefined) return model.describe(input);
  return typeof input === "string" ? input : canonicalKey(input);
}

/** `model.describeState(state)`, or its {@link canonicalKey}. */
export function describeState<S, I>(model: StateSpaceModel<S, I>, state: S): string {
  return model.describeState === undefined ? canonicalKey(state) : model.describeState(state);
}

/**
 * The counterexample of `result` as text: the violated invariant, then one line per input with the
 * state it led to, e.g.
 * ```
 * invariant violated: an ack by the holder deletes the item (5 inputs)
 *   0. initial                 now=0 a:- b:-
 *   1. Enqueue a               now=0 a:{n=1} b:-
 * ```
 */
export function formatCounterexample<S, I>(model: StateSpaceModel<S, I>, result: CheckViolation<S>): string {
  const labels = ["initial", ...result.path.map((step) => step.input)];
  const width = Math.min(40, Math.max(...labels.map((l) => l.length)));
  const numberWidth = String(result.path.length).length;
  const line = (n: number, label: string, state: S) =>
    `  ${String(n).padStart(numberWidth)}. ${label.padEnd(width)}  ${describeState(model, state)}`;
  return [
    `invariant violated: ${result.invariant} (${result.path.length} input${result.path.length === 1 ? "" : "s"})`,
    line(0, "initial", result.initial),
    ...result.path.map((step, i) => line(i + 1, step.input, step.state)),
  ].join("\n");
}

function positiveOption(value: number | undefined, name: string): number | undefined {
  assert(
    value === undefined || (Number.isSafeInteger(value) && value >= 1),
    () => `${name} must be a positive integer, got ${String(value)}`,
  );
  return value;
}

function positiveOrZeroOption(value: number | undefined, name: string): number | undefined {
  assert(
    value === undefined || (Number.isSafeInteger(value) && value >= 0),
    () => `${name} must be a non-negative integer, got ${String(value)}`,
  );
  return value;
}
