/**
 * Shrinking: turn a counterexample into a smaller one that still breaks the same property, so that the trace a
 * person reads holds only the decisions that matter. Delta debugging (Zeller and Hildebrandt, "Simplifying and
 * Isolating Failure-Inducing Input", TSE 2002) over the run's decision stream, in the style of Hypothesis's
 * choice-sequence shrinking (MacIver and Donaldson, "Test-Case Reduction via Test-Case Generation", ECOOP 2020).
 */

import type { Scenario, ScenarioVariant } from "../model/scenario.js";
import { runAsync, runSync, type Sim } from "../model/world/drive.js";
import type { RunResult } from "../model/world/types.js";
import { runWorldGen } from "../model/world/world.js";
import { ReplayChooser, ReplayDivergence } from "../strategy/replay.js";
import type { Trace } from "../trace/format.js";
import { recordRunGen } from "./record.js";
import { Shrinker } from "./shrink-passes.js";

/** Budget of one shrink. A time budget makes the result depend on machine speed; tests give `runsMax` alone. */
export interface ShrinkOptions {
  /** Candidate runs at most (positive integer). Default {@link SHRINK_RUNS_MAX_DEFAULT}. */
  readonly runsMax?: number;
  /** Wall-clock budget in ms (positive; `Infinity` for none). Default {@link SHRINK_TIME_BUDGET_MS_DEFAULT}. */
  readonly timeBudgetMs?: number;
}

/** What {@link shrinkTrace} returns. */
export interface ShrinkResult {
  /**
   * The shrunk counterexample, recorded: it replays exactly with `ReplayChooser` (same fingerprint), breaks the
   * original's property, and has no more steps than the original (and no more decisions unless it has fewer
   * steps: a longer sleep drawn instead of many idle polls is one decision more). Its `shrunk` field
   * gives the original's decision and step counts and the attempts.
   */
  readonly trace: Trace;
  /** Candidate runs executed (the replay of the original included; the final recording not). */
  readonly attempts: number;
  /** Candidates accepted as the new smallest counterexample. */
  readonly accepted: number;
}

export const SHRINK_RUNS_MAX_DEFAULT = 2_000;
export const SHRINK_TIME_BUDGET_MS_DEFAULT = 5_000;

/**
 * Shrink a counterexample trace of `scenario`/`variant` to a smaller schedule that breaks the same property.
 *
 * A candidate is a sequence of labelled choices, run leniently: first per label (the k-th request labelled L
 * takes the k-th choice recorded for L, clamped to `count − 1`, else 0; a pick takes the process of the same
 * name when it can), and when that run is rejected, by position (the i-th request takes
 * `min(choices[i], count − 1)`, else 0). The decisions the run records are the candidate's canonical form. A
 * candidate is accepted iff its run violates the original's property and comes before the best so far in the
 * order: fewer steps (the length a reader sees), then fewer decisions,
 * then lexicographically smaller choices — a well-order, so shrinking always terminates. Passes, repeated to a
 * fixpoint or until the budget is spent: every fault decision set to "none" at once, then one at a time (with
 * the pause or restart delay it drew); every delay (and `choose`) at its first option at once; the tail cut
 * (shortest failing prefix); each process's picks given to another process (its steps removed); ddmin removal
 * of chunks of decisions (halves, quarters, …, single ones, tail first); each decision lowered (to 0, to
 * choice − 1, then binary search); each delay raised to its last option (a violation at a deadline takes fewer
 * steps when the processes sleep longer instead of polling); on a counterexample of at most 40 decisions, each
 * delay and choice set to each other option. When a whole round accepts nothing, moves out of the local
 * minimum, within 300 runs per shrink: sideways (each `choose` set to each other option, pairs of them, a fault
 * at each faulty process's first chance; the candidate shrunk by the passes within 150 runs and kept only if
 * it ends smaller), then random moves (1–3 decisions at random values, or a random cut with a re-seeded random
 * tail) seeded from the trace's seed, until 100 miss in a row. Delays are compared by index: for `uniform` a
 * lower index is a shorter delay; for `weighted`, an earlier-declared point (decisions do not carry the values).
 *
 * The result is recorded with `recordRun(…, new ReplayChooser(canonical), original.strategy)` under the
 * original's seed (and `params`, and swarm mode), so it replays exactly; it never has more steps than the original,
 * nor more decisions unless it has fewer steps; when nothing shrinks it is the original re-recorded (same fingerprint). `trace.shrunk` carries the
 * original's decision and step counts (those of the first original, when `original` was itself shrunk) and
 * the attempts. Deterministic for a given trace and `runsMax` when the time budget is not what stops it.
 *
 * Throws an Error naming the problem when `original` has no violation, belongs to another scenario or variant,
 * or no longer reproduces its violation on the current code (replay it to see where it diverges), or when
 * `options` are out of range; `AsyncTasksError` when the world has async tasks (use {@link shrinkTraceAsync}).
 *
 * @example
 * const { counterexample } = exploreVariant(scenario, variant, { seed: 1 });
 * const { trace, attempts } = shrinkTrace(scenario, variant, counterexample!, { runsMax: 500 });
 * writeTrace(`traces/${scenario.name}.${variant.name}.seed-${trace.seed}.json`, trace);
 */
export function shrinkTrace(
  scenario: Scenario,
  variant: ScenarioVariant,
  original: Trace,
  options: ShrinkOptions = {},
): ShrinkResult {
  return runSync(shrinkTraceGen(scenario, variant, original, options), `${scenario.name}/${variant.name}`);
}

/**
 * The same as {@link shrinkTrace}, but runs worlds with async tasks (`world.task`), awaiting a macrotask turn
 * between their steps. Rejects with the errors `shrinkTrace` throws.
 */
export function shrinkTraceAsync(
  scenario: Scenario,
  variant: ScenarioVariant,
  original: Trace,
  options: ShrinkOptions = {},
): Promise<ShrinkResult> {
  return runAsync(shrinkTraceGen(scenario, variant, original, options));
}

/** {@link shrinkTrace} as a {@link Sim}, to `yield*` from another one. */
export function* shrinkTraceGen(
  scenario: Scenario,
  variant: ScenarioVariant,
  original: Trace,
  options: ShrinkOptions = {},
): Sim<ShrinkResult> {
  const runsMax = options.runsMax ?? SHRINK_RUNS_MAX_DEFAULT;
  const timeBudgetMs = options.timeBudgetMs ?? SHRINK_TIME_BUDGET_MS_DEFAULT;
  if (!Number.isInteger(runsMax) || runsMax < 1)
    throw new RangeError(`shrink: runsMax must be a positive integer, got ${runsMax}`);
  if (!(timeBudgetMs > 0))
    throw new RangeError(`shrink: timeBudgetMs must be positive (Infinity for none), got ${timeBudgetMs}`);
  if (original.scenario !== scenario.name || original.variant !== variant.name) {
    throw new Error(
      `shrink: the trace is of ${original.scenario}/${original.variant}, not ${scenario.name}/${variant.name}`,
    );
  }
  const violation = original.violation;
  if (violation === null)
    throw new Error("shrink: the trace has no violation, so there is nothing to shrink");
  const build = original.params === undefined ? variant.build : variant.buildWith(original.params);
  const swarm = original.swarm === true;
  const where = `${original.scenario}/${original.variant} seed ${original.seed}`;

  let baseline: RunResult;
  try {
    baseline = yield* runWorldGen(build, new ReplayChooser(original.decisions), {
      stepsMax: original.steps + 1,
      swarm,
    });
  } catch (error) {
    if (!(error instanceof ReplayDivergence)) throw error;
    throw new Error(`shrink: the trace of ${where} no longer replays on the current code: ${error.message}`, {
      cause: error,
    });
  }
  if (baseline.violation?.property !== violation.property) {
    throw new Error(
      `shrink: the trace of ${where} no longer reproduces "${violation.property}" on the current code (got ${
        baseline.violation === null ? "no violation" : `"${baseline.violation.property}"`
      })`,
    );
  }

  const shrinker = new Shrinker(
    build,
    violation.property,
    original.seed,
    runsMax,
    swarm,
    timeBudgetMs,
    baseline,
  );
  yield* shrinker.run();

  const recorded = yield* recordRunGen(
    scenario,
    { ...variant, build },
    original.seed,
    new ReplayChooser(shrinker.best),
    original.strategy,
    { swarm },
  );
  if (recorded.violation?.property !== violation.property) {
    throw new Error(
      `nondeterminism in ${where}: re-running the shrunk decisions gave ${
        recorded.violation === null ? "no violation" : `"${recorded.violation.property}"`
      } instead of "${violation.property}"`,
    );
  }
  const trace: Trace = {
    ...recorded,
    ...(original.params === undefined ? {} : { params: original.params }),
    shrunk: {
      originalDecisions: original.shrunk?.originalDecisions ?? original.decisions.length,
      originalSteps: original.shrunk?.originalSteps ?? original.steps,
      attempts: shrinker.attempts,
    },
  };
  return { trace, attempts: shrinker.attempts, accepted: shrinker.accepted };
}
