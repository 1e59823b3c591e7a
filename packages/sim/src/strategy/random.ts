/**
 * The seeded random strategy: every decision drawn from one generator per run, derived from the run's seed.
 * The default strategy of a scenario, and the fallback PCT uses for decisions other than picks.
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { type Chooser, type DecisionRequest, mix32 } from "./chooser.js";

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
