/**
 * Explicit-state breadth-first checking of a pure model: every sequence of inputs from an input alphabet,
 * explored level by level from the initial states, with a visited set of 64-bit state fingerprints. BFS
 * gives the shortest counterexample, exact distinct-state counts (up to fingerprint collisions, below) and
 * states per second. It complements the schedule explorers (random, PCT), which sample interleavings of a
 * world without counting states. (Stateright `checker/bfs.rs`; TLC and SPIN's hash compaction.)
 */
import { assert } from "@interleave/core";
import { canonicalKey } from "./canonical.js";
import { fingerprinter, fingerprintWords, fpHi, fpLo } from "./fingerprint.js";
import { FingerprintSet } from "./fingerprint-set.js";
import { type Level, ObjectLevel, PackedLevel, Successors } from "./frontier.js";
import {
  type CheckBounded,
  type CheckOptions,
  type CheckResult,
  type CheckStats,
  type CheckViolation,
  checkStats,
  MAX_STATES_DEFAULT,
  type PathStep,
  type StateInvariant,
  type StateSpaceModel,
} from "./model.js";
import { ParentTree } from "./parent-tree.js";
import { type Ample, ampleSelector } from "./reduction.js";

/**
 * Checks every invariant of `model` on every state reachable from its initial states, breadth-first.
 *
 * Each state reached (unless `next` returned its parent object itself: a self-loop) is keyed —
 * `model.fingerprint`, else `model.key`, else {@link canonicalKey} — and reduced to a 64-bit fingerprint:
 * a numeric key is kept exactly; a string or a fingerprint sequence is hashed with two 32-bit lanes
 * (MurmurHash3's block step with different constants and seeds, each finalised with its fmix32). Only
 * fingerprints are stored — in an open-addressing table of typed arrays — plus, per state, the index of
 * its parent and the position of the input that reached it; states themselves are kept only for the
 * current and the next BFS level — as objects, or packed in typed arrays when the model has an `encoding`
 * (then decoded one at a time to be expanded, and fingerprinted from their words). The successors of a few
 * states are keyed together and their table slots read ahead, so their cache misses overlap, then stored in
 * input order. A counterexample is rebuilt by re-executing the recorded inputs from its initial state.
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
  const keyOf = successorKeyer(model);
  const invariants = model.invariants;
  const ample = options.reduction === false ? null : ampleSelector(model);
  const visited = new FingerprintSet(Math.min(maxStates, 1 << 12));
  const tree = new ParentTree(Math.min(maxStates, 1 << 16));
  const batch = new Successors<S>(model.encoding?.words ?? 0);
  let transitions = 0;
  let depth = 0;
  let frontierMax = 0;
  let level = newLevel(model);
  let nextLevel = newLevel(model);

  const stats = (): CheckStats =>
    checkStats(started, {
      states: tree.size,
      transitions,
      depth,
      bytes: visited.bytes + tree.bytes,
      frontierMax: Math.max(frontierMax, level.size + nextLevel.size),
      // Packed levels only grow and are reused, so their present size is their peak.
      frontierBytesMax: level.bytes + nextLevel.bytes,
    });
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
    batch.size = 0;
    keyOf(s, batch, batch.add(s, -1, i));
    if (!visited.insert(batch.his[0]!, batch.los[0]!)) continue;
    if (tree.size === maxStates) return stopAtStates();
    const id = tree.add(-1, i);
    const broken = firstBroken(invariants, s);
    if (broken !== null) return violated(id, broken);
    level.push(batch, 0, id);
  }
  frontierMax = level.size;

  let expanded = 0;
  let touched = 0;
  while (level.size > 0) {
    if (depth === maxDepth) {
      return hasUnseenSuccessor(model, level, visited, keyOf, batch)
        ? bounded(
            "maxDepth",
            `stopped at depth ${maxDepth} (maxDepth) with states left unexplored below it; raise --max-depth or shrink the model`,
          )
        : { _tag: "Verified", ...stats() };
    }
    nextLevel.clear();
    for (let k = 0; k < level.size; ) {
      // The successors of a group of states are keyed first, then their table slots are read together
      // (their cache misses overlap), then they are looked up and stored in order: the same order, counts
      // and ids as one at a time.
      batch.size = 0;
      const before = expanded;
      for (const end = Math.min(level.size, k + EXPAND_GROUP); k < end; k++) {
        expand(model, level.state(k), level.id(k), keyOf, batch, ample);
        expanded++;
      }
      const his = batch.his;
      const los = batch.los;
      for (let i = 0; i < batch.size; i++) touched ^= visited.touch(his[i]!, los[i]!);
      for (let i = 0; i < batch.size; i++) {
        transitions++;
        const hi = his[i]!;
        const lo = los[i]!;
        if ((hi === 0 && lo === 0) || !visited.insert(hi, lo)) continue;
        if (tree.size === maxStates) {
          depth++;
          return stopAtStates();
        }
        const id = tree.add(batch.parents[i]!, batch.positions[i]!);
        const broken = firstBroken(invariants, batch.states[i]!);
        if (broken !== null) {
          depth++;
          return violated(id, broken);
        }
        nextLevel.push(batch, i, id);
      }
      if (expanded >>> 10 !== before >>> 10 && performance.now() > deadline) {
        return bounded(
          "time",
          `stopped after ${timeBudgetMs.toLocaleString("en")} ms (timeBudgetMs) with ${tree.size.toLocaleString("en")} states stored; raise --time-budget-ms or shrink the model`,
        );
      }
    }
    frontierMax = Math.max(frontierMax, level.size + nextLevel.size);
    options.onLevel?.({ depth, states: tree.size, frontier: nextLevel.size });
    if (nextLevel.size === 0) break;
    const done = level;
    level = nextLevel;
    nextLevel = done;
    depth++;
  }
  touchedSink = touched;
  return { _tag: "Verified", ...stats() };
}

/** Where the slots touched ahead of lookups end up, so the loads are not optimised away. */
export let touchedSink = 0;

/** A level for the states of `model`: packed when it has an encoding, else objects. */
function newLevel<S, I>(model: StateSpaceModel<S, I>): Level<S> {
  return model.encoding === undefined ? new ObjectLevel<S>() : new PackedLevel(model.encoding);
}

/**
 * The function that keys successor `i` of `batch` (the state `t`): with an encoding, writes its words and
 * fingerprints them; else the model's fingerprint, key or canonical key. Leaves the fingerprint in
 * `batch.his[i]`, `batch.los[i]`.
 */
function successorKeyer<S, I>(model: StateSpaceModel<S, I>): (t: S, batch: Successors<S>, i: number) => void {
  const encoding = model.encoding;
  if (encoding === undefined) {
    const fingerprintOf = fingerprinter(model);
    return (t, batch, i) => {
      fingerprintOf(t);
      batch.his[i] = fpHi;
      batch.los[i] = fpLo;
    };
  }
  const width = encoding.words;
  assert(
    Number.isSafeInteger(width) && width >= 1,
    () => `model ${model.name}: encoding.words must be a positive integer, got ${width}`,
  );
  return (t, batch, i) => {
    encoding.encode(t, batch.words, i * width);
    fingerprintWords(batch.words, i * width, width);
    batch.his[i] = fpHi;
    batch.los[i] = fpLo;
  };
}

/** States expanded together before their successors are looked up (see the level loop). */
const EXPAND_GROUP = 16;

/** Appends to `batch` the successors of `s` (id `parent`) in input order, keyed; a self-loop is keyed (0, 0). */
function expand<S, I>(
  model: StateSpaceModel<S, I>,
  s: S,
  parent: number,
  keyOf: (t: S, batch: Successors<S>, i: number) => void,
  batch: Successors<S>,
  ample: ((state: S) => Ample<S, I> | null) | null = null,
): void {
  // Partial-order reduction (reduction.ts): one process's local moves, or every input.
  const reduced = ample === null ? null : ample(s);
  if (reduced !== null) {
    const states = reduced.states;
    for (let j = 0; j < states.length; j++)
      keyOf(states[j]!, batch, batch.add(states[j]!, parent, reduced.positions[j]!));
    return;
  }
  let position = 0;
  for (const input of model.inputs(s)) {
    const t = model.next(s, input);
    position++;
    if (t === null) continue;
    const i = batch.add(t, parent, position - 1);
    if (t === s) {
      batch.his[i] = 0;
      batch.los[i] = 0;
    } else keyOf(t, batch, i);
  }
}

/** Whether some successor of a state in `level` is not yet in `visited` (nothing is added). */
function hasUnseenSuccessor<S, I>(
  model: StateSpaceModel<S, I>,
  level: Level<S>,
  visited: FingerprintSet,
  keyOf: (t: S, batch: Successors<S>, i: number) => void,
  batch: Successors<S>,
): boolean {
  for (let k = 0; k < level.size; k++) {
    batch.size = 0;
    expand(model, level.state(k), level.id(k), keyOf, batch);
    for (let i = 0; i < batch.size; i++) {
      const hi = batch.his[i]!;
      const lo = batch.los[i]!;
      if ((hi !== 0 || lo !== 0) && !visited.contains(hi, lo)) return true;
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
