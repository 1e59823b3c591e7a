/**
 * Delay distributions with a finite, explicit support. Finite support keeps every drawn delay a decision
 * over an enumerable set, which random strategies sample and exhaustive search (later) can enumerate.
 */
import { assert } from "@interleave/core";

/**
 * A finite distribution over integer milliseconds: `values[i]` is drawn with relative weight `weights[i]`
 * (uniform when `weights` is absent). `describe` is a short human label such as `uniform(1000..12000 step 1000)`.
 */
export interface Distribution {
  readonly _tag: "Distribution";
  readonly values: readonly number[];
  readonly weights?: readonly number[] | undefined;
  readonly describe: string;
  /**
   * The support exhaustive search enumerates (random strategies always draw from all `values`):
   * - `"crossings"` (default of {@link uniform}): the smallest and largest value, and, for every deadline
   *   pending when the delay is drawn (other processes' wake-ups, pauses, restarts, liveness deadlines), the
   *   value landing exactly on it (a tie, where the scheduler then orders the two) and the smallest value in
   *   each gap between consecutive deadlines. Every ordering of this wake-up against the timers pending at
   *   the draw is tried once; delays that only differ inside a gap are treated as equivalent.
   * - `"bounds"`: the smallest and largest value only.
   * - `"all"` (default of {@link weighted} and {@link constant}): every value.
   * - an explicit list of values (each must be one of `values`).
   */
  readonly exhaustive?: "crossings" | "bounds" | "all" | readonly number[] | undefined;
}

/** How a distribution is enumerated under exhaustive search (see {@link Distribution.exhaustive}). */
export type ExhaustiveSupport = NonNullable<Distribution["exhaustive"]>;

/** The constant delay `ms` (a support of one point: no decision is recorded). */
export function constant(ms: number): Distribution {
  assert(Number.isInteger(ms) && ms >= 0, `constant: ms must be a non-negative integer, got ${ms}`);
  return { _tag: "Distribution", values: [ms], describe: `${ms}` };
}

/**
 * Uniform over `minMs, minMs + stepMs, …, maxMs` (integers, `maxMs - minMs` divisible by `stepMs`).
 * A coarse step makes events of different processes land on the same virtual instant, where the scheduler's
 * `pick` decides their order: that is where interleavings are explored.
 */
export function uniform(
  minMs: number,
  maxMs: number,
  stepMs = 1,
  options: { readonly exhaustive?: ExhaustiveSupport } = {},
): Distribution {
  assert(
    Number.isInteger(minMs) && minMs >= 0,
    `uniform: minMs must be a non-negative integer, got ${minMs}`,
  );
  assert(Number.isInteger(stepMs) && stepMs > 0, `uniform: stepMs must be a positive integer, got ${stepMs}`);
  assert(
    Number.isInteger(maxMs) && maxMs >= minMs && (maxMs - minMs) % stepMs === 0,
    `uniform: maxMs (${maxMs}) must be ≥ minMs (${minMs}) and reachable in steps of ${stepMs}`,
  );
  const values: number[] = [];
  for (let v = minMs; v <= maxMs; v += stepMs) values.push(v);
  const exhaustive = options.exhaustive ?? "crossings";
  checkSupport(values, exhaustive, "uniform");
  return {
    _tag: "Distribution",
    values,
    describe: `uniform(${minMs}..${maxMs} step ${stepMs})`,
    exhaustive,
  };
}

function checkSupport(values: readonly number[], support: ExhaustiveSupport, where: string): void {
  if (typeof support === "string") {
    assert(
      support === "crossings" || support === "bounds" || support === "all",
      `${where}: exhaustive must be "crossings", "bounds", "all" or a list of values, got ${JSON.stringify(support)}`,
    );
    return;
  }
  assert(support.length > 0, `${where}: an explicit exhaustive support needs at least one value`);
  for (const v of support)
    assert(
      values.includes(v),
      `${where}: exhaustive support value ${v} is not one of the distribution's values`,
    );
}

/** Explicit points with relative weights: `weighted([[1000, 3], [9000, 1]])` draws 1000 three times as often. */
export function weighted(
  points: readonly (readonly [ms: number, weight: number])[],
  options: { readonly exhaustive?: ExhaustiveSupport } = {},
): Distribution {
  assert(points.length > 0, "weighted: at least one point is required");
  for (const [ms, w] of points) {
    assert(Number.isInteger(ms) && ms >= 0, `weighted: ${ms} is not a non-negative integer`);
    assert(w > 0 && Number.isFinite(w), `weighted: weight of ${ms} must be positive, got ${w}`);
  }
  const values = points.map(([ms]) => ms);
  const exhaustive = options.exhaustive ?? "all";
  checkSupport(values, exhaustive, "weighted");
  return {
    _tag: "Distribution",
    values,
    weights: points.map(([, w]) => w),
    describe: `weighted(${points.map(([ms, w]) => `${ms}:${w}`).join(", ")})`,
    exhaustive,
  };
}

/**
 * The indices of `d.values` exhaustive search tries for a delay drawn now (virtual ms `nowMs`) while the
 * given absolute `deadlines` (ms) are pending, in ascending order of value (see {@link Distribution.exhaustive}).
 */
export function supportIndices(d: Distribution, nowMs: number, deadlines: readonly number[]): number[] {
  const { values } = d;
  const support = d.exhaustive ?? "all";
  if (support === "all") return values.map((_, i) => i);
  const wanted = new Set<number>();
  let min = 0;
  let max = 0;
  for (let i = 1; i < values.length; i++) {
    if (values[i]! < values[min]!) min = i;
    if (values[i]! > values[max]!) max = i;
  }
  if (typeof support !== "string") {
    for (const v of support) wanted.add(values.indexOf(v));
  } else {
    wanted.add(min);
    wanted.add(max);
    if (support === "crossings") {
      const rel = [...new Set(deadlines.map((d) => d - nowMs).filter((r) => r >= 0))].sort((a, b) => a - b);
      // a tie with each deadline, and the smallest value in each gap after one
      for (let j = 0; j < rel.length; j++) {
        const r = rel[j]!;
        const next = j + 1 < rel.length ? rel[j + 1]! : Number.POSITIVE_INFINITY;
        let tie = -1;
        let gap = -1;
        for (let i = 0; i < values.length; i++) {
          const v = values[i]!;
          if (v === r) tie = i;
          else if (v > r && v < next && (gap === -1 || v < values[gap]!)) gap = i;
        }
        if (tie >= 0) wanted.add(tie);
        if (gap >= 0) wanted.add(gap);
      }
    }
  }
  return [...wanted].sort((a, b) => values[a]! - values[b]! || a - b);
}

export function isDistribution(x: unknown): x is Distribution {
  return typeof x === "object" && x !== null && (x as { _tag?: unknown })._tag === "Distribution";
}
