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
}

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
export function uniform(minMs: number, maxMs: number, stepMs = 1): Distribution {
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
  return { _tag: "Distribution", values, describe: `uniform(${minMs}..${maxMs} step ${stepMs})` };
}

/** Explicit points with relative weights: `weighted([[1000, 3], [9000, 1]])` draws 1000 three times as often. */
export function weighted(points: readonly (readonly [ms: number, weight: number])[]): Distribution {
  assert(points.length > 0, "weighted: at least one point is required");
  for (const [ms, w] of points) {
    assert(Number.isInteger(ms) && ms >= 0, `weighted: ${ms} is not a non-negative integer`);
    assert(w > 0 && Number.isFinite(w), `weighted: weight of ${ms} must be positive, got ${w}`);
  }
  return {
    _tag: "Distribution",
    values: points.map(([ms]) => ms),
    weights: points.map(([, w]) => w),
    describe: `weighted(${points.map(([ms, w]) => `${ms}:${w}`).join(", ")})`,
  };
}

export function isDistribution(x: unknown): x is Distribution {
  return typeof x === "object" && x !== null && (x as { _tag?: unknown })._tag === "Distribution";
}
