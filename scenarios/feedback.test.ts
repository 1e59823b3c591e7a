/**
 * The feedback-guided strategy (packages/sim/src/strategy/feedback.ts) on the shipped model scenarios:
 * deterministic per seed, replayable by trace and by (base seed, run index), its counterexamples shrunk, the
 * deepest race and another violation found within a schedule budget, every pass variant passing.
 */
import { exploreVariant, replaySeed, replayTrace, type Scenario } from "@interleave/sim";
import { runSeed, runWorld } from "@interleave/sim/search";
import { FeedbackCampaign } from "@interleave/sim/strategies";
import { describe, expect, it } from "vitest";
import { modelScenarios as scenarios } from "./index.js";

function variantOf(scenarioName: string, variantName: string) {
  const scenario = scenarios.find((s) => s.name === scenarioName) as Scenario;
  return { scenario, variant: scenario.variants.find((v) => v.name === variantName)! };
}

/** The decision streams of the first `runs` runs of a campaign from `seed`. */
function campaignDecisions(seed: number, runs: number): string[] {
  const { variant } = variantOf("sync-vs-reset", "coordinator-entry-check");
  const campaign = new FeedbackCampaign(seed);
  const out: string[] = [];
  for (let i = 0; i < runs; i++) {
    const chooser = campaign.chooser(runSeed(seed, i));
    const run = runWorld(variant.build, chooser);
    campaign.learn(chooser, run.decisions);
    out.push(JSON.stringify(run.decisions));
  }
  return out;
}

describe("feedback strategy", () => {
  it("is deterministic: the same seed gives the same runs, another seed others", () => {
    const a = campaignDecisions(3, 60);
    expect(campaignDecisions(3, 60)).toEqual(a);
    expect(campaignDecisions(4, 60)).not.toEqual(a);
  });

  it("finds coordinator-entry-check within 2,000 schedules, shrinks it, and replays it by trace and by seed", () => {
    const { scenario, variant } = variantOf("sync-vs-reset", "coordinator-entry-check");
    const r = exploreVariant(scenario, variant, { seed: 1, strategy: "feedback", runs: 2_000 });
    expect(r.verdict).toBe("violation");
    expect(r.strategy).toBe("feedback");
    const again = exploreVariant(scenario, variant, { seed: 1, strategy: "feedback", runs: 2_000 });
    expect([again.schedules, again.seed, again.counterexample!.fingerprint]).toEqual([
      r.schedules,
      r.seed,
      r.counterexample!.fingerprint,
    ]);
    // the counterexample went through the shrinker, and both traces replay
    expect(r.counterexample!.shrunk).toBeDefined();
    expect(replayTrace(scenario, variant, r.counterexample!)._tag).toBe("Reproduced");
    expect(replayTrace(scenario, variant, r.original!)._tag).toBe("Reproduced");
    // by seed: the campaign re-run up to the failing run gives the very run
    const bySeed = replaySeed(scenario, variant, 1, { strategy: "feedback" }, { run: r.runIndex! });
    expect(bySeed.seed).toBe(r.seed);
    expect(bySeed.fingerprint).toBe(r.original!.fingerprint);
    expect(() => replaySeed(scenario, variant, 1, { strategy: "feedback" })).toThrow(/--run/);
  }, 120_000);

  it("finds heartbeat-vs-ack retry-without-recheck within 1,000 schedules", () => {
    const { scenario, variant } = variantOf("heartbeat-vs-ack", "retry-without-recheck");
    const r = exploreVariant(scenario, variant, {
      seed: 2,
      strategy: "feedback",
      runs: 1_000,
      shrink: false,
    });
    expect(r.verdict).toBe("violation");
  }, 120_000);

  it("runs one campaign per part: a part's result is the same on every call, and replays by seed with --parts", () => {
    const { scenario, variant } = variantOf("sync-vs-reset", "coordinator-entry-check");
    const part = (index: number) =>
      exploreVariant(scenario, variant, {
        seed: 5,
        strategy: "feedback",
        runs: 4_000,
        shrink: false,
        partition: { index, count: 2 },
      });
    const first = part(1);
    expect(first.verdict).toBe("violation");
    expect(first.runIndex! % 2).toBe(1);
    expect(part(1).runIndex).toBe(first.runIndex);
    const bySeed = replaySeed(
      scenario,
      variant,
      5,
      { strategy: "feedback" },
      { run: first.runIndex!, parts: 2 },
    );
    expect(bySeed.fingerprint).toBe(first.counterexample!.fingerprint);
  }, 120_000);
});

describe("feedback strategy: every pass variant passes 500 schedules", () => {
  for (const scenario of scenarios) {
    for (const variant of scenario.variants.filter((v) => v.expect === "pass")) {
      it(`${scenario.name}/${variant.name}`, () => {
        const r = exploreVariant(scenario, variant, { seed: 11, strategy: "feedback", runs: 500 });
        expect(r.verdict).toBe("pass");
        expect(r.schedules).toBe(500);
      }, 120_000);
    }
  }
});
