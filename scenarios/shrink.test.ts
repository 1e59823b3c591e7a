/**
 * `shrinkTrace` on a counterexample of a shipped scenario: a random-strategy counterexample of
 * heartbeat-vs-ack shrinks to fewer steps and decisions, and the shrunk trace is sound. The shrinker on the
 * simulator's own small worlds: packages/sim/test/shrink.test.ts.
 */
import { shrinkTrace } from "@interleave/sim/search";
import { describe, expect, it } from "vitest";
import { BUDGET, counterexample, expectSound } from "../test/support/shrink.js";
import scenarios from "./index.js";
import { variantOf } from "./testing.js";

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
