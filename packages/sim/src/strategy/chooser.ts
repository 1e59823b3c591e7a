/**
 * Choosers decide every nondeterministic choice of a run (which process steps next, a drawn delay, whether
 * a fault fires) and record it as a labelled decision. A run is a pure function of its decision stream, so
 * a strategy is just a chooser: seeded random now; PCT, exhaustive and shrinking plug in the same way.
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

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
}

/** Raised by {@link ReplayChooser} when the code under replay asks for a different decision than recorded. */
export class ReplayDivergence extends Error {
  readonly decisionIndex: number;
  /** The label the trace recorded at `decisionIndex` (null when the trace had no more decisions). */
  readonly expectedLabel: string | null;
  /** The label the run asked for instead. */
  readonly foundLabel: string;
  /** The world step (and virtual time, ms) at which the run asked; set by the world, -1 until then. */
  step = -1;
  t = -1;
  constructor(decisionIndex: number, message: string, expectedLabel: string | null = null, foundLabel = "") {
    super(message);
    this.name = "ReplayDivergence";
    this.decisionIndex = decisionIndex;
    this.expectedLabel = expectedLabel;
    this.foundLabel = foundLabel;
  }
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
 * Seeded random strategy: one xoroshiro128+ generator (pure-rand) per run, derived from the run's 32-bit seed
 * (scrambled by {@link mix32}) and never shared. Uniform over options unless the request carries weights.
 */
export class RandomChooser implements Chooser {
  private readonly rng;
  constructor(seed: number) {
    this.rng = xoroshiro128plus(mix32(seed) | 0);
  }
  choose(request: DecisionRequest): number {
    const { count, weights } = request;
    if (weights === undefined) return uniformInt(this.rng, 0, count - 1);
    let total = 0;
    for (const w of weights) total += w;
    let x = uniformFloat64(this.rng) * total;
    for (let i = 0; i < count; i++) {
      x -= weights[i] ?? 0;
      if (x < 0) return i;
    }
    return count - 1;
  }
}

/**
 * Feeds a recorded decision stream back. Each request must match the recorded label and option count;
 * otherwise it throws {@link ReplayDivergence} naming the decision index and both sides, so a replay after a
 * code change reports where it diverged instead of silently running a different schedule.
 */
export class ReplayChooser implements Chooser {
  private index = 0;
  constructor(private readonly decisions: readonly Decision[]) {}
  choose(request: DecisionRequest): number {
    const i = this.index;
    const d = this.decisions[i];
    if (d === undefined) {
      throw new ReplayDivergence(
        i,
        `the trace has ${this.decisions.length} decisions but the run asked for decision #${i} ("${request.label}", ${request.count} options)`,
        null,
        request.label,
      );
    }
    if (d.label !== request.label || d.count !== request.count) {
      throw new ReplayDivergence(
        i,
        `decision #${i}: the trace recorded "${d.label}" with ${d.count} options, the run asked for "${request.label}" with ${request.count} options`,
        d.label,
        request.label,
      );
    }
    this.index = i + 1;
    return d.choice;
  }
  /** Number of recorded decisions consumed so far. */
  get consumed(): number {
    return this.index;
  }
}

/** Parameters of {@link PctChooser}. */
export interface PctOptions {
  /** The bug depth `d` to target (≥ 1): `d − 1` priority-change points per run. */
  readonly depth: number;
  /** `k`: an upper estimate of the number of scheduling decisions (`pick`s) in a run (≥ 1). */
  readonly steps: number;
}

/**
 * Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, "A Randomized Scheduler with
 * Probabilistic Guarantees of Finding Bugs", ASPLOS 2010) as a chooser. Every process gets a random priority
 * the first time it is a candidate (all in `[depth, depth + 1)`, so distinct and above every lowered one); at
 * each `pick` the enabled process with the highest priority runs; `depth − 1` change points drawn uniformly
 * among the first `steps` picks lower, at the j-th of them, the priority of the process about to run to `j`.
 * Other decisions (delays, faults, `choose`) are drawn at random like {@link RandomChooser}.
 *
 * Guarantee (the paper's Theorem): a bug of depth `d` — one that needs `d` ordering constraints — is found in
 * one run with probability at least `1 / (n · k^(d−1))` for `n` processes and `k` steps. The change points
 * are drawn over `pick` decisions (steps where more than one process could run); `k` must be at least their
 * number for the bound to hold (the explorer uses a pilot run's step count). One xoroshiro128+ per run, seeded like {@link RandomChooser}, so a (seed, depth, steps) triple
 * is a complete description of a run.
 */
export class PctChooser implements Chooser {
  private readonly random: RandomChooser;
  private readonly rng;
  private readonly priorities = new Map<string, number>();
  private readonly changePoints: readonly number[];
  private picks = 0;

  constructor(seed: number, options: PctOptions) {
    const { depth, steps } = options;
    if (!Number.isInteger(depth) || depth < 1)
      throw new RangeError(`PCT depth must be an integer >= 1, got ${depth}`);
    if (!Number.isInteger(steps) || steps < 1)
      throw new RangeError(`PCT steps must be an integer >= 1, got ${steps}`);
    this.random = new RandomChooser(seed);
    this.rng = xoroshiro128plus(mix32(seed ^ 0x5043_5400) | 0);
    const points: number[] = [];
    for (let j = 1; j < depth; j++) points.push(uniformInt(this.rng, 1, steps));
    this.changePoints = points;
    this.depth = depth;
  }

  private readonly depth: number;

  choose(request: DecisionRequest): number {
    if (request.label !== "pick" || request.options === undefined) return this.random.choose(request);
    this.picks++;
    const options = request.options;
    for (const name of options) {
      if (!this.priorities.has(name)) this.priorities.set(name, this.depth + uniformFloat64(this.rng));
    }
    let best = this.highest(options);
    const j = this.changePoints.indexOf(this.picks);
    if (j >= 0) {
      this.priorities.set(options[best]!, j + 1);
      best = this.highest(options);
    }
    return best;
  }

  private highest(options: readonly string[]): number {
    let best = 0;
    for (let i = 1; i < options.length; i++) {
      if ((this.priorities.get(options[i]!) ?? 0) > (this.priorities.get(options[best]!) ?? 0)) best = i;
    }
    return best;
  }
}
