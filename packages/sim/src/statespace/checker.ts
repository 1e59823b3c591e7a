/**
 * Explicit-state breadth-first checking of a pure model: every sequence of inputs from an input alphabet,
 * explored level by level from the initial states, with a visited set of 64-bit state fingerprints. BFS
 * gives the shortest counterexample, exact distinct-state counts (up to fingerprint collisions, below) and
 * states per second. It complements the schedule explorers (random, PCT), which sample interleavings of a
 * world without counting states. (Stateright `checker/bfs.rs`; TLC and SPIN's hash compaction.)
 */
import { assert } from "@interleave/core";

/**
 * A model to check: states `S` (plain immutable data), inputs `I`, and a pure successor function. Usually
 * `next` wraps a core machine's `transition(state, event)` and keeps whatever the model's "processes"
 * believe (tokens they hold, the clock) next to the machine state.
 *
 * Determinism: `inputs(s)` must list the same inputs in the same order every time it is called with an
 * equal `s`, and `next` must be a pure function; the checker re-executes the counterexample along the
 * recorded input positions and asserts that it reaches the violating state again.
 */
export interface StateSpaceModel<S, I> {
  /** kebab-case name shown in reports, e.g. `claim-queue`. */
  readonly name: string;
  /** The initial state, or several (each is depth 0). */
  readonly initial: S | readonly S[];
  /** The inputs to try at `state`, in a fixed order; may depend on `state`. At most 2^32 − 1 per state. */
  inputs(state: S): Iterable<I>;
  /**
   * The successor of `state` under `input`, or `null` when `input` is not enabled at `state`. Pure. Return
   * the very same object when nothing changed (core transitions do): the checker then skips the fingerprint.
   */
  next(state: S, input: I): S | null;
  /** Safety properties checked on every state reached, named by sentences. */
  readonly invariants: readonly StateInvariant<S>[];
  /**
   * A canonical key of `state`: equal states (as the model means it) must give equal keys, different states
   * different keys. A string is hashed to a 64-bit fingerprint; a number must be a non-negative safe integer
   * and is stored exactly (no collision possible). Default: {@link canonicalKey} (structural, slower).
   */
  key?(state: S): string | number;
  /**
   * The fastest way to key a state: feed its canonical key to `into` as integers and strings, e.g.
   * `into.int(s.nowMs); into.int(queueId)`; nothing is allocated. Takes precedence over `key`. Equal states
   * must feed equal sequences; the sequence is hashed to a 64-bit fingerprint like a string key.
   */
  fingerprint?(state: S, into: FingerprintBuilder): void;
  /**
   * A label of `input` for counterexamples, e.g. `Ack w1`. Default: a string input as is, else its
   * {@link canonicalKey}.
   */
  describe?(input: I): string;
  /** A one-line summary of `state` for counterexamples. Default: {@link canonicalKey}. */
  describeState?(state: S): string;
}

/** An invariant: `holds(state)` must be `true` in every reachable state. `name` is a sentence. */
export interface StateInvariant<S> {
  readonly name: string;
  holds(state: S): boolean;
}

/** Bounds of one check; each says what happens when it is hit (a {@link CheckBounded} result). */
export interface CheckOptions {
  /** Most distinct states stored (visited set and parent pointers). Default {@link MAX_STATES_DEFAULT}. */
  readonly maxStates?: number;
  /** Deepest level explored (inputs from an initial state). Default: unbounded. */
  readonly maxDepth?: number;
  /** Wall-clock budget in ms, checked every 1,024 expanded states. Default: unbounded. */
  readonly timeBudgetMs?: number;
  /**
   * Called after each BFS level with the depth just completed, the states stored so far and the states
   * of the next level (the frontier): for progress reports, or to sample memory while the frontier is
   * live (the benchmark does).
   */
  readonly onLevel?: (progress: {
    readonly depth: number;
    readonly states: number;
    readonly frontier: number;
  }) => void;
}

/** Default bound on stored states: 5,000,000 (about 120 MB of visited set and parent pointers there). */
export const MAX_STATES_DEFAULT = 5_000_000;

/**
 * Figures of every result.
 *
 * - `states`: distinct states stored (by fingerprint). `transitions`: enabled (state, input) pairs executed,
 *   self-loops included. `depth`: deepest level reached (inputs from an initial state).
 * - `elapsedMs`, `statesPerSecond`: wall clock of the whole check (distinct states / s).
 * - `bytesPerState`: bytes allocated for the visited set and the parent pointers, divided by `states`
 *   (the structures that grow with the state count: 8 bytes per fingerprint slot at a load of 3/8 to 3/4, 6
 *   per parent pointer, arrays grown by doubling — about 17 to 33 bytes).
 * - `frontierMax`: most states held as objects at once (two BFS levels); they are not counted in
 *   `bytesPerState` because their size is the model's.
 */
export interface CheckStats {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly elapsedMs: number;
  readonly statesPerSecond: number;
  readonly bytesPerState: number;
  readonly frontierMax: number;
}

/** Every state within the bounds was explored and every invariant held. */
export interface CheckVerified extends CheckStats {
  readonly _tag: "Verified";
}

/** One step of a counterexample: the input applied and the state it led to. */
export interface PathStep<S> {
  readonly input: string;
  readonly state: S;
}

/**
 * `invariant` does not hold in `path.at(-1)?.state ?? initial`. `path` is a shortest sequence of inputs from
 * the initial state `initial` to a violating state (BFS order), empty when an initial state violates it.
 */
export interface CheckViolation<S> extends CheckStats {
  readonly _tag: "Violation";
  readonly invariant: string;
  readonly initial: S;
  readonly path: readonly PathStep<S>[];
}

/**
 * A bound stopped the check before the state space was exhausted; no invariant failed in the states
 * stored. `message` names the bound and how to raise it, e.g. `stopped after storing 5,000,000 states
 * (maxStates); raise --max-states or shrink the model`.
 */
export interface CheckBounded extends CheckStats {
  readonly _tag: "Bounded";
  readonly reason: "maxStates" | "maxDepth" | "time";
  readonly message: string;
}

export type CheckResult<S> = CheckVerified | CheckViolation<S> | CheckBounded;

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
      let position = 0;
      for (const input of model.inputs(s)) {
        const t = model.next(s, input);
        position++;
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

/**
 * For tests: checks `model` and returns the result when it is `Verified` (or `Bounded` with
 * `allowBounded: true`); otherwise throws an `Error` whose message names the model and either the
 * violated invariant with the shortest counterexample (one line per input, see
 * {@link formatCounterexample}) or the bound that stopped the check.
 *
 * @example
 * it("the claim queue keeps its invariants", () => {
 *   expectStateSpaceVerified(claimQueueModel({ scopes: 1, workers: 2 }));
 * });
 */
export function expectStateSpaceVerified<S, I>(
  model: StateSpaceModel<S, I>,
  options: CheckOptions & { readonly allowBounded?: boolean } = {},
): CheckVerified | CheckBounded {
  const result = checkStateSpace(model, options);
  if (result._tag === "Violation") {
    throw new Error(`state space of ${model.name}: ${formatCounterexample(model, result)}`);
  }
  if (result._tag === "Bounded" && options.allowBounded !== true) {
    throw new Error(`state space of ${model.name} not exhausted: ${result.message}`);
  }
  return result;
}

/**
 * A canonical string of plain data: equal data (whatever the order of object keys) gives equal strings.
 * Objects are written with sorted keys and `undefined` members dropped, arrays in order, strings as JSON,
 * numbers as `String(n)` (so `-0` is `0`). The default {@link StateSpaceModel.key}; a model that needs
 * speed writes its own.
 *
 * @throws `AssertionError` for values that are not plain data (functions, symbols, bigints, class
 *   instances such as Map or Date), naming the path.
 */
export function canonicalKey(value: unknown): string {
  const out: string[] = [];
  writeCanonical(value, out, "$");
  return out.join("");
}

function writeCanonical(value: unknown, out: string[], path: string): void {
  switch (typeof value) {
    case "string":
      out.push(JSON.stringify(value));
      return;
    case "number":
      out.push(Number.isNaN(value) ? "NaN" : String(value));
      return;
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "undefined":
      out.push("undefined");
      return;
    case "object":
      break;
    default:
      assert(false, () => `canonicalKey: ${path} is a ${typeof value}, not plain data`);
  }
  if (value === null) {
    out.push("null");
    return;
  }
  if (Array.isArray(value)) {
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(",");
      writeCanonical(value[i], out, `${path}[${i}]`);
    }
    out.push("]");
    return;
  }
  const proto = Object.getPrototypeOf(value);
  assert(
    proto === Object.prototype || proto === null,
    () => `canonicalKey: ${path} is a ${proto?.constructor?.name ?? "class instance"}, not plain data`,
  );
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  out.push("{");
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (i > 0) out.push(",");
    out.push(JSON.stringify(k), ":");
    writeCanonical(record[k], out, `${path}.${k}`);
  }
  out.push("}");
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

// --- machine cache ------------------------------------------------------------------------------------

/**
 * A machine state with its 64-bit content fingerprint (`hi`, `lo`), as a {@link MachineCache} hands it
 * out. A model keeps these in its states and feeds `hi` and `lo` to its own fingerprint instead of
 * walking the machine state again.
 */
export interface Fingerprinted<S> {
  readonly state: S;
  readonly hi: number;
  readonly lo: number;
}

/**
 * A step of a {@link MachineCache}: the next machine state, the machine's result, and `unchanged`: the
 * machine returned the very state it was given (the event changed nothing). A cached step may have been
 * recorded from another object with the same content, so test `unchanged`, not `next === from`.
 */
export interface CachedStep<S, R> {
  readonly next: Fingerprinted<S>;
  readonly result: R;
  readonly unchanged: boolean;
}

/** Default number of slots of a {@link MachineCache}: 2^18 cached steps. */
export const MACHINE_CACHE_SLOTS_DEFAULT = 1 << 18;

/**
 * A pure machine with a bounded cache of its transitions, keyed by (content fingerprint of the machine
 * state, event code). A model of a large space spends much of its time re-running the same machine
 * transition from equal machine states — its states differ in the clock or in what its processes believe,
 * and BFS reaches the same machine state along many interleavings — so the core runs once per distinct
 * (machine state, event) while that step stays in the cache, and is looked up otherwise. Sound because
 * `transition` is pure; equal fingerprints are taken as equal states, with the same collision odds as the
 * checker's own (about n² / 2^64 for n machine states).
 *
 * The cache is direct-mapped with `slots` entries (a power of two; default
 * {@link MACHINE_CACHE_SLOTS_DEFAULT}): a new step overwrites whatever shared its slot, so memory stays
 * bounded whatever the space's size (12 bytes of typed arrays and one reference per slot, plus the cached
 * steps themselves).
 *
 * `fingerprint(state, into)` must feed a canonical key of a machine state (equal states, equal sequences)
 * to `into`. An event code passed to {@link step} must identify the event completely among the events
 * applied to one machine state (e.g. op, holder, token and time packed into one integer): two different
 * events with one code would share a cached step.
 *
 * @example
 * const leases = new MachineCache(Lease.transition, (l, into) => {
 *   into.string(l.holder ?? ""); into.int(l.token); into.int(l.expiresAtMs);
 * });
 * const free = leases.wrap(Lease.initial({ leaseTtlMs: 3_000 }));
 * const { next, result } = leases.step(free, code, () => ({ _tag: "Acquire", holder: "h1", atMs: 0 }));
 */
export class MachineCache<S, E, R> {
  private readonly his: Int32Array;
  private readonly los: Int32Array;
  private readonly codes: Int32Array;
  private readonly steps: (CachedStep<S, R> | undefined)[];
  private readonly mask: number;
  /** Transitions run (cache misses) and steps looked up (hits), for reports. */
  misses = 0;
  hits = 0;

  constructor(
    private readonly transition: (state: S, event: E) => { readonly state: S; readonly result: R },
    private readonly fingerprint: (state: S, into: FingerprintBuilder) => void,
    options: { readonly slots?: number } = {},
  ) {
    const slots = options.slots ?? MACHINE_CACHE_SLOTS_DEFAULT;
    assert(
      Number.isSafeInteger(slots) && slots >= 1 && slots <= 1 << 26 && (slots & (slots - 1)) === 0,
      () => `MachineCache slots must be a power of two from 1 to 2^26, got ${slots}`,
    );
    this.his = new Int32Array(slots);
    this.los = new Int32Array(slots);
    this.codes = new Int32Array(slots).fill(-1);
    this.steps = new Array(slots).fill(undefined);
    this.mask = slots - 1;
  }

  /** Bytes of the cache's own arrays (not counting the cached steps' objects). */
  get bytes(): number {
    return this.his.byteLength + this.los.byteLength + this.codes.byteLength + this.steps.length * 8;
  }

  /** `state` with its fingerprint. */
  wrap(state: S): Fingerprinted<S> {
    beginFingerprint();
    this.fingerprint(state, BUILDER);
    endFingerprint();
    return { state, hi: fpHi, lo: fpLo };
  }

  /**
   * The step of `from` under the event identified by `code` (an integer from 0 to 2^31 − 1); `event()`
   * builds the event, and the machine runs, only on a cache miss.
   */
  step(from: Fingerprinted<S>, code: number, event: () => E): CachedStep<S, R> {
    const slot = fmix32(from.lo ^ Math.imul(from.hi, 0x9e3779b9) ^ Math.imul(code, 0x85ebca77)) & this.mask;
    if (this.codes[slot] === code && this.his[slot] === from.hi && this.los[slot] === from.lo) {
      this.hits++;
      return this.steps[slot]!;
    }
    assert(
      Number.isSafeInteger(code) && code >= 0 && code <= 0x7fffffff,
      () => `event code ${code} out of range`,
    );
    this.misses++;
    const t = this.transition(from.state, event());
    const unchanged = t.state === from.state;
    const step: CachedStep<S, R> = {
      next: unchanged ? from : this.wrap(t.state),
      result: t.result,
      unchanged,
    };
    this.his[slot] = from.hi;
    this.los[slot] = from.lo;
    this.codes[slot] = code;
    this.steps[slot] = step;
    return step;
  }
}

// --- fingerprints -------------------------------------------------------------------------------------

/**
 * Receives a state's canonical key as a sequence of integers and strings (see
 * {@link StateSpaceModel.fingerprint}); they are hashed as they arrive, nothing is allocated.
 */
export interface FingerprintBuilder {
  /** Adds a safe integer (an int32 is one word; a larger one two). */
  int(n: number): void;
  /** Adds a string (its length, then its characters two per word). */
  string(s: string): void;
}

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

// The fingerprint being built: two independent 32-bit lanes (MurmurHash3's block step, with different
// constants and seeds) and the word count; then the result, read by FingerprintSet.
let laneA = 0;
let laneB = 0;
let words = 0;
let fpHi = 0;
let fpLo = 0;

function mixWord(w: number): void {
  let k = Math.imul(w, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  laneA ^= Math.imul(k, 0x1b873593);
  laneA = (laneA << 13) | (laneA >>> 19);
  laneA = (Math.imul(laneA, 5) + 0xe6546b64) | 0;
  let j = Math.imul(w, 0x85ebca77);
  j = (j << 13) | (j >>> 19);
  laneB ^= Math.imul(j, 0xc2b2ae3d);
  laneB = (laneB << 17) | (laneB >>> 15);
  laneB = (Math.imul(laneB, 9) + 0x27d4eb2f) | 0;
  words++;
}

function beginFingerprint(): void {
  laneA = 0x9747b28c;
  laneB = 0x165667b1;
  words = 0;
}

/**
 * Finishes the fingerprint: bit 30 of the high lane is set, so a hashed fingerprint never equals an exact
 * numeric one (whose high lane is below 2^21) nor the empty slot (0, 0); 63 hashed bits remain.
 */
function endFingerprint(): void {
  fpHi = fmix32(laneA ^ words) | 0x40000000;
  fpLo = fmix32(laneB ^ Math.imul(words, 0x9e3779b9));
}

function mixInt(n: number): void {
  if ((n | 0) === n) {
    mixWord(n);
    return;
  }
  assert(Number.isSafeInteger(n), () => `a fingerprint takes safe integers, got ${n}`);
  mixWord(n | 0);
  mixWord(Math.floor(n / 4294967296) ^ 0x7f4a7c15);
}

function mixString(s: string): void {
  mixWord(s.length ^ 0x68e31da4);
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) mixWord(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) mixWord(s.charCodeAt(i));
}

const BUILDER: FingerprintBuilder = { int: mixInt, string: mixString };

/**
 * Sets `fpHi`/`fpLo` to the 64-bit fingerprint of `key`, never (0, 0) (the empty-slot marker). A number n
 * (a non-negative safe integer) is stored as n + 1 exactly; a string is hashed.
 */
function fingerprintKey(key: string | number): void {
  if (typeof key === "number") {
    assert(
      Number.isSafeInteger(key) && key >= 0 && key < Number.MAX_SAFE_INTEGER,
      () => `a numeric state key must be a non-negative safe integer, got ${key}`,
    );
    const n = key + 1;
    fpLo = n | 0;
    fpHi = Math.floor(n / 4294967296) | 0;
    return;
  }
  beginFingerprint();
  mixString(key);
  endFingerprint();
}

/** The function that leaves the fingerprint of a state of `model` in `fpHi`/`fpLo`. */
function fingerprinter<S, I>(model: StateSpaceModel<S, I>): (state: S) => void {
  const { fingerprint, key } = model;
  if (fingerprint !== undefined) {
    return (state) => {
      beginFingerprint();
      fingerprint.call(model, state, BUILDER);
      endFingerprint();
    };
  }
  if (key !== undefined) return (state) => fingerprintKey(key.call(model, state));
  return (state) => fingerprintKey(canonicalKey(state));
}

/**
 * A set of 64-bit fingerprints: open addressing with linear probing over one Int32Array (two words per
 * slot, (0, 0) = empty), doubled when more than 3/4 full. Never removes.
 */
class FingerprintSet {
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected: number) {
    let capacity = 1 << 10;
    while (capacity * 0.75 < expected && capacity < 1 << 30) capacity *= 2;
    this.slots = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
  }

  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Adds the current fingerprint (`fpHi`, `fpLo`); `true` when it was not there before. */
  add(): boolean {
    const hi = fpHi;
    const lo = fpLo;
    const slots = this.slots;
    let i = fmix32(lo ^ Math.imul(hi, 0x9e3779b9)) & this.mask;
    for (;;) {
      const at = i << 1;
      const h = slots[at]!;
      const l = slots[at + 1]!;
      if (h === 0 && l === 0) break;
      if (h === hi && l === lo) return false;
      i = (i + 1) & this.mask;
    }
    slots[i << 1] = hi;
    slots[(i << 1) + 1] = lo;
    this.count++;
    if (this.count > (this.mask + 1) * 0.75) this.grow();
    return true;
  }

  /** Whether the current fingerprint (`fpHi`, `fpLo`) is in the set. */
  has(): boolean {
    const slots = this.slots;
    let i = fmix32(fpLo ^ Math.imul(fpHi, 0x9e3779b9)) & this.mask;
    for (;;) {
      const at = i << 1;
      const h = slots[at]!;
      const l = slots[at + 1]!;
      if (h === 0 && l === 0) return false;
      if (h === fpHi && l === fpLo) return true;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    assert(capacity <= 1 << 30, "fingerprint table cannot grow beyond 2^30 slots");
    const slots = new Int32Array(capacity * 2);
    const mask = capacity - 1;
    for (let at = 0; at < old.length; at += 2) {
      const hi = old[at]!;
      const lo = old[at + 1]!;
      if (hi === 0 && lo === 0) continue;
      let i = fmix32(lo ^ Math.imul(hi, 0x9e3779b9)) & mask;
      while (slots[i << 1] !== 0 || slots[(i << 1) + 1] !== 0) i = (i + 1) & mask;
      slots[i << 1] = hi;
      slots[(i << 1) + 1] = lo;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/**
 * Parent pointers of the stored states, by state id (the order states were stored): the parent's id (−1
 * for an initial state) and the position of the input that reached it (for an initial state, its index
 * among the initial states). Typed arrays grown by doubling; positions start 16-bit and widen to 32-bit
 * the first time one does not fit.
 */
class ParentTree {
  private parents: Int32Array;
  private positions: Uint16Array | Uint32Array;
  size = 0;

  constructor(capacity: number) {
    this.parents = new Int32Array(capacity);
    this.positions = new Uint16Array(capacity);
  }

  get bytes(): number {
    return this.parents.byteLength + this.positions.byteLength;
  }

  add(parent: number, position: number): number {
    if (this.size === this.parents.length) this.grow(this.parents.length * 2);
    if (position > 0xffff && this.positions instanceof Uint16Array) {
      const wide = new Uint32Array(this.parents.length);
      wide.set(this.positions);
      this.positions = wide;
    }
    assert(position <= 0xffffffff, () => `a state has more than 2^32 − 1 inputs (input #${position})`);
    const id = this.size++;
    this.parents[id] = parent;
    this.positions[id] = position;
    return id;
  }

  parent(id: number): number {
    return this.parents[id]!;
  }

  position(id: number): number {
    return this.positions[id]!;
  }

  private grow(capacity: number): void {
    const parents = new Int32Array(capacity);
    parents.set(this.parents);
    const positions =
      this.positions instanceof Uint16Array ? new Uint16Array(capacity) : new Uint32Array(capacity);
    positions.set(this.positions);
    this.parents = parents;
    this.positions = positions;
  }
}
