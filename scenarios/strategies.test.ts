/**
 * Every shipped scenario under each systematic strategy: the verdict must equal the variant's `expect`.
 * - pct (seeded): violation variants are found within the scenario's budget; pass variants pass 300 runs.
 * - exhaustive, self-deepening (no scenario declares a deviation bound) within a test budget of 2 s per variant:
 *   violation variants are found — except sync-vs-reset `coordinator-entry-check`, whose race needs four
 *   non-default decisions (push B's gap, a failed first sync, the drained reset's pickup landing on B's start,
 *   and a pick at that instant): `--deviations 4` finds it after 175,512 schedules (~43 s on the project's
 *   machine, docs/benchmarks.md), too long for the test suite. Its pass must then say `bounded` with the bound it
 *   reached — never `verified` (issue 17's third wrong verdict). Pass variants are `bounded` or `verified`.
 */
import { exploreVariant, replayTrace } from "@interleave/sim";
import { describe, expect, it } from "vitest";
// The real-code scenarios run under every strategy, with schedule budgets, in their own tests (real-code-testing.ts).
import { modelScenarios as scenarios } from "./index.js";

const beyondExhaustiveBounds = new Set(["sync-vs-reset/coordinator-entry-check"]);

describe("pct over the shipped scenarios", () => {
  for (const scenario of scenarios) {
    for (const variant of scenario.variants) {
      it(`${scenario.name}/${variant.name}: ${variant.expect}`, () => {
        const r = exploreVariant(scenario, variant, {
          seed: 7,
          strategy: "pct",
          shrink: false,
          ...(variant.expect === "pass" ? { runs: 300 } : {}),
        });
        expect(r.verdict).toBe(variant.expect);
      }, 60_000);
    }
  }
});

describe("exhaustive search over the shipped scenarios, deepening within a test budget", () => {
  for (const scenario of scenarios) {
    for (const variant of scenario.variants) {
      const id = `${scenario.name}/${variant.name}`;
      const limit = beyondExhaustiveBounds.has(id);
      it(`${id}: ${limit ? "no violation within the budget, and it says bounded (a known limit)" : variant.expect}`, () => {
        const r = exploreVariant(scenario, variant, {
          seed: 1,
          strategy: "exhaustive",
          shrink: false,
          timeBudgetMs: 2_000,
        });
        expect(r.coverage).toMatchObject({ deepen: true });
        if (variant.expect === "violation" && !limit) {
          expect(r.verdict).toBe("violation");
          return;
        }
        expect(r.verdict).toBe("pass");
        // A buggy variant is never called verified; a fixed one is verified or bounded with its bound.
        if (variant.expect === "violation") expect(r.strength).toBe("bounded");
        else expect(["verified", "bounded"]).toContain(r.strength);
        if (r.strength === "bounded") expect(r.bound).toMatch(/deviation|delays|steps/);
        expect(r.coverage?.deepest).not.toBeNull();
      }, 60_000);
    }
  }
});

describe("shrinking and durable replay over the shipped scenarios", () => {
  for (const scenario of scenarios) {
    for (const variant of scenario.variants.filter((v) => v.expect === "violation")) {
      it(`${scenario.name}/${variant.name}: the shrunk counterexample is no larger and replays`, () => {
        const r = exploreVariant(scenario, variant, { seed: 11 });
        const shrunk = r.counterexample!;
        const original = r.original!;
        expect(shrunk.violation?.property).toBe(original.violation?.property);
        expect(shrunk.steps).toBeLessThanOrEqual(original.steps);
        // fewer steps first: more decisions only when the steps went down
        if (shrunk.steps === original.steps)
          expect(shrunk.decisions.length).toBeLessThanOrEqual(original.decisions.length);
        expect(shrunk.shrunk?.originalSteps).toBe(original.steps);
        expect(replayTrace(scenario, variant, shrunk)._tag).toBe("Reproduced");
        expect(replayTrace(scenario, variant, original)._tag).toBe("Reproduced");
      }, 60_000);
    }
  }
});
