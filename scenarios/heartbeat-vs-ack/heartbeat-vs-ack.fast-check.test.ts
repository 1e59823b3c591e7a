/**
 * heartbeat-vs-ack under fast-check: the scenario's parameters (workers, lease TTL, heartbeat interval) are
 * drawn by an arbitrary and shrunk together with the schedule. The example to copy for another scenario.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertScenario, readTrace, replayTrace, type Scenario } from "@interleave/sim";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { variantOf } from "../testing.js";
import scenario, { params } from "./heartbeat-vs-ack.js";

/**
 * The declared params with 1..3 workers, a lease TTL of 10..30 s and a heartbeat every 2..9 s: whole seconds,
 * so steps coincide, and the heartbeat always below the TTL, as `ClaimQueue` requires.
 */
const queueParams = fc
  .record({
    workers: fc.integer({ min: 1, max: 3 }),
    leaseTtlS: fc.integer({ min: 10, max: 30 }),
    heartbeatIntervalS: fc.integer({ min: 2, max: 9 }),
  })
  .map(({ workers, leaseTtlS, heartbeatIntervalS }) => ({
    ...params,
    workers,
    queue: {
      ...params.queue,
      leaseTtlMs: leaseTtlS * 1_000,
      heartbeatIntervalMs: heartbeatIntervalS * 1_000,
    },
  }));

// Counterexample traces go to a temporary directory here; by default they go to `traces/`.
const tracesDir = mkdtempSync(join(tmpdir(), "interleave-heartbeat-vs-ack-"));
afterAll(() => rmSync(tracesDir, { recursive: true, force: true }));

describe("heartbeat-vs-ack under fast-check (seed 002)", () => {
  it("updated-at-guard: the violation shrinks to one worker, the smallest TTL and heartbeat, and replays", () => {
    const r = assertScenario(scenario as Scenario, "updated-at-guard", {
      params: queueParams,
      seed: 2_026,
      numRuns: 50,
      tracesDir,
    });
    expect(r.property).toBe("every enqueued scope is acked or dead-lettered within 240 s");
    expect(r.params).toMatchObject({
      workers: 1,
      queue: { leaseTtlMs: 10_000, heartbeatIntervalMs: 2_000 },
    });
    const trace = readTrace(r.tracePath!);
    expect(
      replayTrace(scenario as Scenario, variantOf(scenario as Scenario, "updated-at-guard"), trace)._tag,
    ).toBe("Reproduced");
  });

  it("retry-without-recheck: a worker stalled past a lease mutates another's claim; the trace replays", () => {
    const r = assertScenario(scenario as Scenario, "retry-without-recheck", {
      params: queueParams,
      seed: 2_026,
      numRuns: 500,
      shrinkRunsMax: 2_000, // a shorter shrink than the default 5,000 runs: a longer, still-replayable trace
      tracesDir,
    });
    expect(r.property).toBe("a claimed item is only mutated by its current holder");
    expect(r.trace!.events.some((e) => e.op === "pause")).toBe(true);
    expect((r.params as typeof params).workers).toBeGreaterThanOrEqual(2);
    const trace = readTrace(r.tracePath!);
    expect(trace.params).toEqual(r.params);
    expect(
      replayTrace(scenario as Scenario, variantOf(scenario as Scenario, "retry-without-recheck"), trace)._tag,
    ).toBe("Reproduced");
  });

  for (const name of ["ownership-only", "retry-with-recheck"]) {
    it(`${name}: passes 300 runs over workers, lease TTLs and heartbeat intervals`, () => {
      const r = assertScenario(scenario as Scenario, name, {
        params: queueParams,
        seed: 2_026,
        numRuns: 300,
        tracesDir,
      });
      expect([r.found, r.numRuns]).toEqual([false, 300]);
    });
  }
});
