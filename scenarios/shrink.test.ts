/**
 * `shrinkTrace` on a counterexample of a shipped scenario: a random-strategy counterexample of
 * heartbeat-vs-ack shrinks to fewer steps and decisions, and the shrunk trace is sound. The shrinker on the
 * simulator's own small worlds: packages/sim/test/shrink.test.ts.
 */
import {
  exploreVariant,
  replayTrace,
  type Scenario,
  type ScenarioVariant,
  type Trace,
} from "@interleave/sim";
import { recordRun, shrinkTrace } from "@interleave/sim/search";
import { ReplayChooser } from "@interleave/sim/strategies";
import { describe, expect, it } from "vitest";
import scenarios from "./index.js";
import { variantOf } from "./testing.js";

/** Budget for tests: runs only, so the result does not depend on machine speed. */
const BUDGET = { runsMax: 2_000, timeBudgetMs: Number.POSITIVE_INFINITY };

function counterexample(scenario: Scenario, variant: ScenarioVariant, seed: number): Trace {
  const r = exploreVariant(scenario, variant, { seed, shrink: false });
  expect(r.verdict, `seed ${seed}`).toBe("violation");
  return r.counterexample!;
}

/** What every shrunk trace must satisfy against its original. */
function expectSound(scenario: Scenario, variant: ScenarioVariant, original: Trace, shrunk: Trace): void {
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
  expect(shrunk.decisions.length).toBeLessThanOrEqual(original.decisions.length);
  expect(shrunk.steps).toBeLessThanOrEqual(original.steps);
  expect(shrunk.violation!.step).toBeLessThanOrEqual(original.violation!.step);
  expect(shrunk.shrunk).toMatchObject({
    originalDecisions: original.decisions.length,
    originalSteps: original.steps,
  });
}
describe("shrinkTrace", () => {
  it("heartbeat-vs-ack: a random-strategy counterexample shrinks to fewer steps", () => {
    const heartbeat = scenarios.find((s) => s.name === "heartbeat-vs-ack")!;
    const variant = variantOf(heartbeat, "retry-without-recheck");
    const original = counterexample(heartbeat, variant, 3);
    const { trace } = shrinkTrace(heartbeat, variant, original, BUDGET);
    expectSound(heartbeat, variant, original, trace);
    expect(trace.steps).toBeLessThan(original.steps);
    expect(trace.decisions.length).toBeLessThan(original.decisions.length);
  });
});
