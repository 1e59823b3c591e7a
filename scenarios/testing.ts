/** Helpers shared by the scenarios' tests (imported by *.test.ts only). */
import { checkDeterminism, type Scenario, type ScenarioVariant } from "@interleave/sim";
import { canonicalKey, type StateSpaceModel } from "@interleave/sim/statespace";
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

/**
 * Plain BFS over structural keys (canonicalKey, no fingerprints, no cache): the distinct-state count and
 * the depth of the first violating state, to compare the checker against.
 */
export function bruteForce<S, I>(
  model: StateSpaceModel<S, I>,
): { states: number; violationDepth: number | null } {
  const initials = (Array.isArray(model.initial) ? model.initial : [model.initial]) as S[];
  const seen = new Set<string>();
  let level: S[] = [];
  const visit = (s: S, into: S[]) => {
    const k = canonicalKey(s);
    if (seen.has(k)) return false;
    seen.add(k);
    into.push(s);
    return model.invariants.some((inv) => !inv.holds(s));
  };
  for (const s of initials) if (visit(s, level)) return { states: seen.size, violationDepth: 0 };
  for (let depth = 1; level.length > 0; depth++) {
    const next: S[] = [];
    for (const s of level) {
      for (const input of model.inputs(s)) {
        const t = model.next(s, input);
        if (t !== null && visit(t, next)) return { states: seen.size, violationDepth: depth };
      }
    }
    level = next;
  }
  return { states: seen.size, violationDepth: null };
}
