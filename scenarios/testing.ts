/** Helpers shared by the scenarios' tests (imported by *.test.ts only). */
import { checkDeterminism, type Scenario, type ScenarioVariant } from "@interleave/sim";
import { expect, it } from "vitest";

/** The variant `name` of `scenario`; throws naming it when there is none. */
export function variantOf(scenario: Scenario, name: string): ScenarioVariant {
  const v = scenario.variants.find((x) => x.name === name);
  if (v === undefined) throw new Error(`scenario ${scenario.name} has no variant ${name}`);
  return v;
}

/** One determinism self-check per variant: the same seed gives the same fingerprint twice. */
export function itIsDeterministic(scenario: Scenario, seeds: readonly number[]): void {
  for (const v of scenario.variants) {
    it(`determinism self-check: ${v.name} gives the same fingerprint twice for the same seed`, () => {
      for (const seed of seeds) {
        const { first, second } = checkDeterminism(scenario, v, seed);
        expect(second).toBe(first);
      }
    });
  }
}
