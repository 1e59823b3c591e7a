/**
 * What every real-code scenario's test checks (imported by *.test.ts only): each variant's verdict under
 * random, PCT and exhaustive search equals its expect, with the verdict words (a fixed variant is `sampled`
 * or `bounded`, never `verified`: these searches are cut); a counterexample is shrunk and replays exactly, twice, by trace
 * and by seed; and the determinism self-check gives the same fingerprint twice for the same seed.
 */
import {
  checkDeterminismAsync,
  exploreVariantAsync,
  replaySeedAsync,
  replayTraceAsync,
  type Scenario,
  type Strategy,
} from "@interleave/sim";
import { describe, expect, it } from "vitest";

export interface RealCodeBudget {
  /** Schedules per variant under random and PCT (from seed 1). */
  readonly runs: number;
  /**
   * Schedules the exhaustive search may run per variant (a count, not a time, so the verdict does not depend
   * on the machine's load); its time budget is lifted.
   */
  readonly exhaustiveSchedules: number;
}

export function describeRealCode(scenario: Scenario, budget: RealCodeBudget): void {
  describe(`${scenario.name} (real code on the simulated Redis)`, () => {
    for (const strategy of ["random", "pct", "exhaustive"] as const satisfies readonly Strategy[]) {
      for (const v of scenario.variants) {
        it(`${strategy}: ${v.name} — ${v.expect}`, async () => {
          const r = await exploreVariantAsync(scenario, v, {
            seed: 1,
            strategy,
            ...(strategy === "exhaustive"
              ? { runs: budget.exhaustiveSchedules, timeBudgetMs: 600_000 }
              : { runs: budget.runs }),
          });
          expect(r.verdict, `${v.name} under ${strategy}: ${r.property ?? ""}`).toBe(v.expect);
          if (r.verdict === "pass") {
            expect(r.strength).toBe(strategy === "exhaustive" ? "bounded" : "sampled");
            return;
          }
          // The counterexample is shrunk (never larger) and replays exactly: by trace, twice, and by its seed.
          const cx = r.counterexample!;
          expect(cx.violation?.property).toBe(r.original!.violation?.property);
          expect(cx.steps).toBeLessThanOrEqual(r.original!.steps);
          expect((await replayTraceAsync(scenario, v, r.original!))._tag).toBe("Reproduced");
          for (let i = 0; i < 2; i++) {
            const again = await replayTraceAsync(scenario, v, cx);
            expect(again._tag).toBe("Reproduced");
          }
          if (strategy === "random") {
            const bySeed = await replaySeedAsync(scenario, v, r.seed!);
            expect(bySeed.violation?.property).toBe(r.property);
            expect(bySeed.fingerprint).toBe(r.original!.fingerprint);
          }
        });
      }
    }
    for (const v of scenario.variants) {
      it(`determinism self-check: ${v.name} gives the same fingerprint twice for the same seed`, async () => {
        for (const seed of [1, 2]) {
          const { first, second } = await checkDeterminismAsync(scenario, v, seed);
          expect(second).toBe(first);
        }
      });
    }
  });
}
