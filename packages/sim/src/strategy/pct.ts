/**
 * The PCT strategy (Probabilistic Concurrency Testing): random priorities per process with `depth − 1`
 * priority-change points, so a bug of depth `d` is found with a probability the paper bounds.
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { type Chooser, type DecisionRequest, mix32 } from "./chooser.js";
import { RandomChooser } from "./random.js";

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
