/**
 * `shrinkTrace` on counterexamples of shipped scenarios, with the budget `explore` gives it: a random-strategy
 * counterexample of heartbeat-vs-ack shrinks to fewer steps and decisions and is sound, and on a few variants
 * shrinking reaches a counterexample within 1.5× of the shortest one known (docs/benchmarks.md, "Shrinking":
 * the shortest shrunk counterexample over seeds 1–20). Counts only, no time. The shrinker on the simulator's own
 * small worlds: packages/sim/test/shrink.test.ts.
 */
import type { Trace } from "@interleave/sim";
import { EXPLORE_SHRINK_RUNS, shrinkTrace } from "@interleave/sim/search";
import { describe, expect, it } from "vitest";
import { BUDGET, counterexample, expectSound } from "../test/support/shrink.js";
import scenarios from "./index.js";
import { variantOf } from "./testing.js";

const EXPLORE_BUDGET = { runsMax: EXPLORE_SHRINK_RUNS, timeBudgetMs: Number.POSITIVE_INFINITY };
const scenario = (name: string) => scenarios.find((s) => s.name === name)!;

describe("shrinkTrace", () => {
  it("heartbeat-vs-ack: a random-strategy counterexample shrinks to fewer steps", () => {
    const heartbeat = scenario("heartbeat-vs-ack");
    const variant = variantOf(heartbeat, "retry-without-recheck");
    const original = counterexample(heartbeat, variant, 3);
    const { trace } = shrinkTrace(heartbeat, variant, original, BUDGET);
    expectSound(heartbeat, variant, original, trace);
    expect(trace.steps).toBeLessThan(original.steps);
    expect(trace.decisions.length).toBeLessThan(original.decisions.length);
  });

  it("sync-vs-reset flag-turned-on-in-flight: 22 steps shrink to the shortest known, 10 (another outcome for both syncs)", () => {
    const syncVsReset = scenario("sync-vs-reset");
    const variant = variantOf(syncVsReset, "flag-turned-on-in-flight");
    const original = counterexample(syncVsReset, variant, 2);
    expect(original.steps).toBe(22);
    const { trace, attempts } = shrinkTrace(syncVsReset, variant, original, EXPLORE_BUDGET);
    expectSound(syncVsReset, variant, original, trace);
    expect(trace.steps).toBeLessThanOrEqual(10);
    expect(attempts).toBeLessThanOrEqual(EXPLORE_SHRINK_RUNS);
  });

  it("heartbeat-vs-ack updated-at-guard: a liveness violation at the 240 s deadline takes fewer steps with longer processing", () => {
    const heartbeat = scenario("heartbeat-vs-ack");
    const variant = variantOf(heartbeat, "updated-at-guard");
    const original = counterexample(heartbeat, variant, 4);
    const { trace } = shrinkTrace(heartbeat, variant, original, EXPLORE_BUDGET);
    expectSound(heartbeat, variant, original, trace);
    expect(trace.violation?.t).toBe(original.violation?.t); // the deadline: time cannot shrink, steps can
    expect(trace.steps).toBeLessThanOrEqual(Math.floor(original.steps * 0.8));
    // the steps saved are idle polls: workers spend the time processing (delays raised, not lowered)
    const polls = (t: Trace) =>
      t.events.filter((e) => e.op === "tx" && (e.input as { _tag?: string })._tag === "Claim").length;
    expect(polls(trace)).toBeLessThan(polls(original));
  });
});
