/**
 * Verdicts and what backs them: the result of exploring one variant ({@link VariantResult}), what an
 * exhaustive search covered, and how strong a pass is (verified / bounded / sampled) in words.
 */
import type { Trace } from "../trace/format.js";

/** How strong a `pass` is (DESIGN.md "Verdicts and what backs them"); a violation has none. */
export type Strength = "verified" | "bounded" | "sampled";

/** A cut of an exhaustive search: what left schedules out (see {@link Coverage.cutBy}). */
export type Cut = "depth" | "deviations" | "preemptions" | "delays" | "steps";

/** What an exhaustive search covered (null for seeded strategies). */
export interface Coverage {
  /** The bounds asked for, as in {@link describeBounds}. */
  readonly bounds: string;
  /**
   * The search ran to its end (no time budget, schedule cap or cancellation stopped it). With nothing in
   * `cutBy` that is every schedule within the scenario's own parameters: a `pass` is `verified`.
   */
  readonly complete: boolean;
  /** Why an incomplete search stopped. */
  readonly stoppedBy: "time" | "schedules" | "violation" | "cancelled" | null;
  /** Runs cut by sleep sets (redundant reorderings). */
  readonly pruned: number;
  /** Whether sleep sets were on (they are off under any deviation or preemption bound, which makes them unsound). */
  readonly sleepSets: boolean;
  /**
   * What actually cut the tree: `depth`, `deviations`, `preemptions` (a bound that was reached), `delays` (a delay
   * enumerated over its declared exhaustive support, fewer values than its distribution has) and `steps` (a run
   * ended at the world's step bound).
   */
  readonly cutBy: readonly Cut[];
  /** The bounds asked for as numbers (`Infinity`, written `"unbounded"` in JSON, when not bounded). */
  readonly limits: { readonly depth: number; readonly deviations: number; readonly preemptions: number };
  /** The deviation budget deepened by itself (no deviation bound was given). */
  readonly deepen: boolean;
  /**
   * With a deviation budget: the largest number of deviations whose every schedule was explored, or null when
   * no level completed (or there was no deviation budget).
   */
  readonly deepest: number | null;
  /** Schedules with at most `k` deviations, for each completed level `k` (see `ExhaustiveResult.levelSchedules`). */
  readonly levelSchedules: readonly number[];
}

export interface VariantResult {
  readonly scenario: string;
  readonly variant: string;
  readonly expect: "violation" | "pass";
  readonly verdict: "violation" | "pass";
  /**
   * How strong a `pass` is (null for a violation): `verified` — an exhaustive search that was complete and cut by
   * nothing (every schedule within the scenario's parameters); `bounded` — complete up to `bound` only;
   * `sampled` — `schedules` schedules of a seeded strategy from `seed` (or an exhaustive search stopped before it
   * completed any bound). See {@link describeStrength}.
   */
  readonly strength: Strength | null;
  /**
   * For a `bounded` pass, the bound within which the search was complete, as people read it: e.g.
   * `≤ 3 deviations`, `≤ 2 deviations, delays at their declared exhaustive supports`. Null otherwise.
   */
  readonly bound: string | null;
  /** The violated property's sentence, or null. */
  readonly property: string | null;
  /** Schedules (runs) executed. */
  readonly schedules: number;
  /** Distinct states visited; null for the strategies here, which do not count them (see `checkStateSpace`). */
  readonly states: number | null;
  /** Total steps over all schedules. */
  readonly steps: number;
  readonly elapsedMs: number;
  /** The failing run's seed for a violation, else the base seed (exhaustive: the base seed). */
  readonly seed: number;
  /** Index of the failing run among the exploration's runs (seeded strategies), else null. */
  readonly runIndex: number | null;
  /** The strategy as in {@link strategyLabel}. */
  readonly strategy: string;
  /** Exhaustive only: what was covered. */
  readonly coverage: Coverage | null;
  /** The counterexample as printed and written: shrunk unless shrinking was off. */
  readonly counterexample: Trace | null;
  /** The counterexample as found, before shrinking (null when not shrunk). */
  readonly original: Trace | null;
}

/**
 * The strength of `r`'s verdict and, for a `bounded` pass, its bound (see {@link VariantResult.strength}),
 * from its verdict and coverage alone — so parts of a sharded search combine by recomputing it.
 *
 * - A violation: none. A seeded strategy's pass: `sampled`.
 * - An exhaustive pass: `verified` when the search was complete and nothing cut it; else `bounded` by what it
 *   completed — the deepest deviation level (when a deviation budget cut it or the time ran out in the next
 *   level), and each other cut (depth, preemptions, reduced delay supports, the step bound); `sampled` when it
 *   stopped before completing any bound.
 */
export function strengthOf(r: Pick<VariantResult, "verdict" | "coverage">): {
  readonly strength: Strength | null;
  readonly bound: string | null;
} {
  if (r.verdict === "violation") return { strength: null, bound: null };
  const c = r.coverage;
  if (c === null) return { strength: "sampled", bound: null };
  if (c.complete && c.cutBy.length === 0) return { strength: "verified", bound: null };
  const budgeted = c.deepen || c.limits.deviations !== Number.POSITIVE_INFINITY;
  if (!c.complete && (!budgeted || c.deepest === null)) return { strength: "sampled", bound: null };
  const parts: string[] = [];
  if (budgeted && c.deepest !== null && (!c.complete || c.cutBy.includes("deviations")))
    parts.push(`≤ ${c.deepest} deviation${c.deepest === 1 ? "" : "s"}`);
  if (c.cutBy.includes("preemptions")) parts.push(`≤ ${c.limits.preemptions} preemptions`);
  if (c.cutBy.includes("depth")) parts.push(`branching only in the first ${c.limits.depth} decisions`);
  if (c.cutBy.includes("delays")) parts.push("delays at their declared exhaustive supports");
  if (c.cutBy.includes("steps")) parts.push("runs cut at the step bound");
  return { strength: "bounded", bound: parts.join(", ") };
}

/**
 * One line saying what `r`'s verdict means, as the table, `assertVariant`, the soak and the report print it:
 * - `verified — every schedule within the scenario's parameters: 437 schedules (12 more cut by sleep sets)`
 * - `bounded — no violation with ≤ 3 deviations: 10,085 schedules; deeper not searched (sleep sets off: unsound
 *   under a deviation bound)`
 * - `sampled — 10,000 schedules of random from base seed 2026; other schedules not searched`
 * - for a violation: `violation — <property>`.
 */
export function describeStrength(
  r: Pick<
    VariantResult,
    "verdict" | "strength" | "bound" | "coverage" | "schedules" | "strategy" | "seed" | "property"
  >,
): string {
  const n = (x: number) => x.toLocaleString("en");
  if (r.verdict === "violation") return `violation — ${r.property ?? "a property failed"}`;
  const c = r.coverage;
  if (r.strength === "verified") {
    const pruned = c?.sleepSets && c.pruned > 0 ? ` (${n(c.pruned)} more cut by sleep sets)` : "";
    return `verified — every schedule within the scenario's parameters: ${n(r.schedules)} schedules${pruned}`;
  }
  if (r.strength === "bounded" && c !== null) {
    // Complete: every schedule run is within the bound; stopped in a deeper level: those of the levels done.
    const schedules = c.complete || c.deepest === null ? r.schedules : (c.levelSchedules[c.deepest] ?? 0);
    const stopper =
      c.stoppedBy === "time"
        ? "the time budget ended"
        : c.stoppedBy === "schedules"
          ? "the schedule cap was reached"
          : "the search was cancelled";
    const deeper = c.complete
      ? "other schedules not searched"
      : `deeper not searched (${stopper} in the next level)`;
    const boundCut = !c.complete || c.cutBy.includes("deviations") || c.cutBy.includes("preemptions");
    const sleep =
      c.sleepSets || !boundCut ? "" : "; sleep sets off (unsound under a deviation or preemption bound)";
    const within = r.bound?.startsWith("≤") === true ? `with ${r.bound}` : `in any schedule with ${r.bound}`;
    return `bounded — no violation ${within}: ${n(schedules)} schedules; ${deeper}${sleep}`;
  }
  if (c !== null)
    return `sampled — the exhaustive search stopped (${c.stoppedBy ?? "early"}) after ${n(r.schedules)} schedules before completing any bound; nothing was proven beyond them`;
  return `sampled — ${n(r.schedules)} schedules of ${r.strategy} from base seed ${r.seed}; other schedules not searched`;
}
