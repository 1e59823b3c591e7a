/** Counterexamples: a failing run recorded as a trace (checking that it reproduces), then shrunk. */
import type { Scenario, ScenarioVariant } from "../model/scenario.js";
import type { Sim } from "../model/world/drive.js";
import type { RunResult } from "../model/world/types.js";
import { ReplayChooser } from "../strategy/replay.js";
import type { Trace } from "../trace/format.js";
import { recordRunGen } from "./record.js";
import { shrinkTraceGen } from "./shrink.js";

/**
 * Candidate runs the shrinker may spend on a counterexample found by `explore` (counted, not timed, so the
 * written trace does not depend on the machine). 1,000 since issue 22: the moves out of local minima need room
 * (docs/benchmarks.md, "Shrinking").
 */
export const EXPLORE_SHRINK_RUNS = 1_000;

/**
 * Record the failing run as a trace (checking it reproduces), then shrink it. A {@link Sim}: the recording and
 * every shrink candidate are runs of the world. Throws when the recording does not break the same property.
 */
export function* counterexampleOfGen(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
  run: RunResult,
  label: string,
  swarm: boolean,
  shrink: boolean,
): Sim<{ counterexample: Trace; original: Trace | null }> {
  const original = yield* recordRunGen(scenario, variant, seed, new ReplayChooser(run.decisions), label, {
    swarm,
  });
  if (original.violation?.property !== run.violation?.property) {
    throw new Error(
      `nondeterminism in ${scenario.name}/${variant.name} seed ${seed}: re-running the recorded decisions gave ${
        original.violation?.property ?? "no violation"
      } instead of "${run.violation?.property}"`,
    );
  }
  if (!shrink) return { counterexample: original, original: null };
  // A run budget, not a time budget: the written trace must not depend on the machine's speed.
  const shrunk = yield* shrinkTraceGen(scenario, variant, original, {
    runsMax: EXPLORE_SHRINK_RUNS,
    timeBudgetMs: Number.POSITIVE_INFINITY,
  });
  return { counterexample: shrunk.trace, original };
}
