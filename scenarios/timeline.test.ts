/**
 * The terminal timeline's folding of idle polls on a shipped scenario: heartbeat-vs-ack with a queue that holds
 * one item, so the producer's Enqueue of a second scope is skipped (`QueueFull`, nothing changes) — the very
 * step that loses the work. Folding must hide only true idle polls (`Claim` → `Claimed claims=[]` again), never
 * that Enqueue. The liveness line's wording on synthetic traces: packages/sim/test/timeline.test.ts.
 */
import { constant, type Trace, type TraceEvent, uniform } from "@interleave/sim";
import { recordRun } from "@interleave/sim/search";
import { RandomChooser } from "@interleave/sim/strategies";
import { foldIdle, renderTimeline } from "@interleave/sim/view";
import { describe, expect, it } from "vitest";
import { params } from "./heartbeat-vs-ack/heartbeat-vs-ack.js";
import scenarios from "./index.js";
import { variantOf } from "./testing.js";

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const heartbeat = scenarios.find((s) => s.name === "heartbeat-vs-ack")!;

/** One item at most; "small" is enqueued, then "large" twice while "small" is still there: both skipped. */
const fullQueue = {
  ...params,
  queue: { ...params.queue, itemCountMax: 1 },
  scopes: [
    { scope: "small", processingMs: constant(4_000) },
    { scope: "large", processingMs: constant(6_000) },
    { scope: "large", processingMs: constant(6_000) },
  ],
  enqueueGapMs: constant(0),
  reenqueue: { scope: "large", afterMs: uniform(1_000, 2_000, 1_000) },
};

function run(seed: number): Trace {
  const base = variantOf(heartbeat, "updated-at-guard");
  const variant = { ...base, build: base.buildWith(fullQueue) };
  return recordRun(heartbeat, variant, seed, new RandomChooser(seed));
}

const isSkippedEnqueue = (e: TraceEvent) =>
  e.op === "tx" &&
  (e.input as { _tag?: string })._tag === "Enqueue" &&
  (e.result as { _tag?: string })._tag === "QueueFull";

describe("foldIdle on heartbeat-vs-ack with a full queue", () => {
  const trace = run(1);
  const skipped = trace.events.filter(isSkippedEnqueue);

  it("the run repeats the same skipped Enqueue (QueueFull, nothing changed)", () => {
    expect(skipped.length).toBeGreaterThanOrEqual(2);
    for (const e of skipped) expect(e.changes ?? []).toEqual([]);
    const [first, ...rest] = skipped.map((e) => JSON.stringify({ ...(e.input as object), atMs: 0 }));
    expect(rest).toContain(first);
  });

  it("shows every skipped Enqueue: a result that carries data is never an idle poll", () => {
    const { shown } = foldIdle(trace);
    for (const e of skipped) expect(shown[trace.events.indexOf(e)]).toBe(true);
    const timeline = renderTimeline(trace).replace(ANSI, "");
    const lines = timeline.split("\n").filter((l) => /● Enqueue scope="large" \[queue\] → QueueFull/.test(l));
    expect(lines).toHaveLength(skipped.length);
  });

  it("still folds the true idle polls: repeated Claim → Claimed claims=[]", () => {
    const { shown, hidden } = foldIdle(trace);
    expect(hidden).toBeGreaterThan(0);
    const folded = trace.events.filter((_, i) => !shown[i]);
    for (const e of folded) {
      expect((e.input as { _tag: string })._tag).toBe("Claim");
      expect(e.result).toEqual({ _tag: "Claimed", claims: [] });
    }
  });
});
