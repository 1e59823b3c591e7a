/**
 * The chooser interface: a chooser decides every nondeterministic choice of a run (which process steps next, a
 * drawn delay, whether a fault fires) and records it as a labelled decision. A run is a pure function of its
 * decision stream, so a strategy is a chooser: random (random.ts), PCT (pct.ts), the exhaustive search's
 * depth-first chooser (dfs.ts) and replay (replay.ts) all implement this interface; registry.ts names them.
 */
/**
 * One recorded choice: `label` names the choice point (`"pick"`, `"fault worker-1"`, `"worker-1: processing ms"`),
 * `count` is the number of options (≥ 2; single-option points are not decisions), `choice` the 0-based index
 * taken. `options` holds the option names where they are names (process picks, `choose`), for people reading
 * a trace; replay relies on `label`, `count` and `choice` only.
 */
export interface Decision {
  readonly label: string;
  readonly count: number;
  readonly choice: number;
  readonly options?: readonly string[];
}

/** A request for a decision: the options' relative `weights` guide random strategies; replay ignores them. */
export interface DecisionRequest {
  readonly label: string;
  readonly count: number;
  readonly weights?: readonly number[] | undefined;
  readonly options?: readonly string[] | undefined;
  /**
   * Systematic strategies only (filled when the chooser sets `wantsCandidates`): the indices worth trying, in
   * the order to try them — for a delay, its distribution's finite support under exhaustive search (see
   * `Distribution.exhaustive`); absent means every index.
   */
  readonly candidates?: readonly number[] | undefined;
  /**
   * Systematic strategies only, for a drawn delay: the indices of the values that land exactly on a deadline
   * pending when it is drawn (another process's wake-up, pause end, restart, a liveness deadline), where the
   * scheduler then orders the two. A subset of `candidates` under the "crossings" support.
   */
  readonly ties?: readonly number[] | undefined;
  /** `pick` only: the index of the option that took the previous step, when it is still enabled (so choosing another is a preemption). */
  readonly current?: number | undefined;
}

/**
 * What one step touched, for partial-order reduction: the store key it read (`write: false`, e.g. an `until`
 * over one key) or changed (`write: true`), or `key: null` for a step whose reach is unknown or global (an
 * `until` predicate, a fault, carried-out effects, a kill, a process ending). Two steps are independent when
 * both have keys, and the keys differ or neither writes.
 */
export interface Footprint {
  readonly key: string | null;
  readonly write: boolean;
}

/** Whether two steps commute (see {@link Footprint}). */
export function independent(a: Footprint, b: Footprint): boolean {
  if (a.key === null || b.key === null) return false;
  return a.key !== b.key || (!a.write && !b.write);
}

/** The single source of nondeterminism of a run. `choose` returns an index in `[0, request.count)`. */
export interface Chooser {
  choose(request: DecisionRequest): number;
  /** Set by systematic strategies: the world then fills `candidates` and `current` in requests. */
  readonly wantsCandidates?: boolean;
  /**
   * Called by the world after every step with what the step touched, and with `"time"` when the clock moves
   * (no process was enabled). Systematic strategies use it for sleep sets.
   */
  observe?(event: Footprint | "time"): void;
  /**
   * Called by the world before every step with the process about to step, also when it was the only one
   * enabled (no decision). Systematic strategies may throw here to abandon a redundant run.
   */
  stepping?(process: string): void;
  /**
   * Called by the world after every `tx` with the store entry's key and its new state (the feedback strategy
   * hashes it for coverage). Must not change the state.
   */
  observeState?(key: string, state: unknown): void;
}

/**
 * murmur3's 32-bit finaliser: a bijection on uint32 that spreads nearby inputs apart. xoroshiro128+ seeded
 * directly with small or consecutive integers gives correlated first outputs (seeds 1..8 alternate their
 * first 2-way choice), so every seed passes through this first.
 */
export function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The seed (uint32) of run `i` of an exploration from base seed `base`: the base itself for run 0, then a
 * 32-bit hash (murmur3's finaliser) of (base, i), so explorations from nearby base seeds do not share runs.
 */
export function runSeed(base: number, i: number): number {
  if (i === 0) return base >>> 0;
  return mix32((Math.imul(base >>> 0, 0x9e3779b1) + Math.imul(i, 0x85ebca6b)) >>> 0);
}
