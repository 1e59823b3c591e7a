/**
 * What the shrinker's tests share, on the simulator's own small worlds (packages/sim/test/shrink.test.ts) and on
 * the shipped scenarios (scenarios/shrink.test.ts): a run-bounded budget, an unshrunk counterexample, and the
 * checks every shrunk trace must pass against its original.
 */
import {
  exploreVariant,
  replayTrace,
  type Scenario,
  type ScenarioVariant,
  type Trace,
} from "@interleave/sim";
import { recordRun } from "@interleave/sim/search";
import { ReplayChooser } from "@interleave/sim/strategies";
import { expect } from "vitest";

/** Budget for tests: runs only, so the result does not depend on machine speed. */
export const BUDGET = { runsMax: 2_000, timeBudgetMs: Number.POSITIVE_INFINITY };

/** The unshrunk counterexample `seed` finds in `variant` (which must find one). */
export function counterexample(scenario: Scenario, variant: ScenarioVariant, seed: number): Trace {
  const r = exploreVariant(scenario, variant, { seed, shrink: false });
  expect(r.verdict, `seed ${seed}`).toBe("violation");
  return r.counterexample!;
}

/** What every shrunk trace must satisfy against its original. */
export function expectSound(
  scenario: Scenario,
  variant: ScenarioVariant,
  original: Trace,
  shrunk: Trace,
): void {
  const again = recordRun(
    scenario,
    variant,
    shrunk.seed,
    new ReplayChooser(shrunk.decisions),
    shrunk.strategy,
  );
  expect(again.fingerprint).toBe(shrunk.fingerprint);
  expect(replayTrace(scenario, variant, shrunk)._tag).toBe("Reproduced");
  expect(shrunk.violation?.property).toBe(original.violation?.property);
  expect(shrunk.steps).toBeLessThanOrEqual(original.steps);
  // fewer steps first: more decisions only when the steps went down
  if (shrunk.steps === original.steps)
    expect(shrunk.decisions.length).toBeLessThanOrEqual(original.decisions.length);
  expect(shrunk.violation!.step).toBeLessThanOrEqual(original.violation!.step);
  expect(shrunk.shrunk).toMatchObject({
    originalDecisions: original.decisions.length,
    originalSteps: original.steps,
  });
}
