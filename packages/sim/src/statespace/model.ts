/**
 * The shape of an explicit-state model for {@link checkStateSpace} (states, inputs, a pure successor function,
 * invariants, keys or fingerprints) and of a check's bounds and results.
 */
import type { FingerprintBuilder } from "./fingerprint.js";

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
   * A packed form of the states (optional, for speed and memory): with it the checker keeps its frontier as
   * int32 words in typed arrays instead of objects, decodes a state only when it expands it, and
   * fingerprints the words (it then takes precedence over `fingerprint` and `key`).
   */
  readonly encoding?: StateEncoding<S>;
  /**
   * A label of `input` for counterexamples, e.g. `Ack w1`. Default: a string input as is, else its
   * {@link canonicalKey}.
   */
  describe?(input: I): string;
  /** A one-line summary of `state` for counterexamples. Default: {@link canonicalKey}. */
  describeState?(state: S): string;
  /**
   * Optional partial-order reduction: which process performs each input and when a process has only local
   * moves. Without it (or with `CheckOptions.reduction: false`) every input is tried at every state. See
   * {@link ModelReduction} for what the model promises and `statespace/reduction.ts` for what is preserved.
   */
  readonly reduction?: ModelReduction<S, I>;
}

/**
 * What a model declares for partial-order reduction (ample sets, Peled 1993; SPIN's "safe" local moves): its
 * inputs are moves of processes (small non-negative integers), and a process may be in a state where every move
 * it has is *local*. The model promises, for every `state` and `process` with `localOnly(state, process)`:
 *
 * 1. every input of `process` (enabled at `state` or not) reads and writes only `process`'s own local
 *    variables, which no other process reads or writes and no invariant reads (independent and invisible);
 * 2. `localOnly(state, process)` depends only on `process`'s local variables (another process's move does not
 *    change it).
 *
 * The checker then expands only that process's enabled moves at `state` (the ample set) when each of them takes
 * the process out of its local-only state (the cycle proviso); the verdict of every invariant is preserved.
 */
export interface ModelReduction<S, I> {
  /** The process that performs `input`: a non-negative integer. */
  process(input: I): number;
  /** Whether every move of `process` at `state` is local (promises 1 and 2 above). */
  localOnly(state: S, process: number): boolean;
}

/**
 * A fixed-width packed form of a model's states: `words` int32 words per state. The encoding must be
 * canonical — equal states (as the model means it) write equal words, different states different words —
 * and `decode` must give back a state equal to the one encoded (the checker expands decoded states; it
 * checks invariants on the states `next` returned). E.g. the lease model writes
 * `[lease id, nowMs, broken, token₁, until₁, …]`, the lease as its id in an interning
 * {@link MachineCache}.
 */
export interface StateEncoding<S> {
  /** Words per state, a positive integer. */
  readonly words: number;
  /** Writes `state` to `out[at .. at + words)`. */
  encode(state: S, out: Int32Array, at: number): void;
  /** The state written at `words[at .. at + words)`. */
  decode(words: Int32Array, at: number): S;
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
   * Use the model's {@link ModelReduction} (partial-order reduction) when it declares one. Default `true`;
   * `false` explores every interleaving (`check --no-reduction`).
   */
  readonly reduction?: boolean;
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
 * - `frontierMax`: most states held at once (two BFS levels). `frontierBytesMax`: the most bytes of typed
 *   arrays holding them packed, with the model's {@link StateSpaceModel.encoding} (0 without one: then the
 *   states are objects, whose size is the model's). Neither is counted in `bytesPerState`.
 */
export interface CheckStats {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly elapsedMs: number;
  readonly statesPerSecond: number;
  readonly bytesPerState: number;
  readonly frontierMax: number;
  readonly frontierBytesMax: number;
}

/**
 * The {@link CheckStats} of a check that started at `started` (`performance.now()`, ms) and has stored `states`
 * states in `bytes` bytes (visited set and parent pointers), with its counters as they are now.
 */
export function checkStats(
  started: number,
  counts: Omit<CheckStats, "elapsedMs" | "statesPerSecond" | "bytesPerState"> & { readonly bytes: number },
): CheckStats {
  const elapsedMs = performance.now() - started;
  const { states, bytes, ...rest } = counts;
  return {
    ...rest,
    states,
    elapsedMs: Math.round(elapsedMs * 10) / 10,
    statesPerSecond: elapsedMs > 0 ? Math.round(states / (elapsedMs / 1000)) : states,
    bytesPerState: states === 0 ? 0 : Math.round((bytes / states) * 10) / 10,
  };
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
