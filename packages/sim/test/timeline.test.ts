/**
 * The terminal timeline (view/timeline.ts) on small hand-made traces: the line that closes a failed
 * `eventually` says what happened — the run ended early, or the deadline passed — and idle-poll folding keeps
 * the violating process's last steps. Folding on a shipped scenario: scenarios/timeline.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../src/index.js";
import type { Violation } from "../src/model/world/types.js";
import { TRACE_FORMAT, TRACE_VERSION, type Trace } from "../src/trace/format.js";
import { foldIdle, isIdleResult, livenessOutcome, renderTimeline } from "../src/view/timeline.js";

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

function traceOf(events: TraceEvent[], violation: Violation | null): Trace {
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    scenario: "s",
    variant: "v",
    seed: 1,
    strategy: "random",
    processes: ["worker", "producer"],
    decisions: [],
    events,
    violation,
    steps: events.length,
    endMs: violation?.t ?? 0,
    fingerprint: "0".repeat(64),
  };
}

const poll = (step: number, t: number): TraceEvent => ({
  step,
  t,
  process: "worker",
  op: "tx",
  key: "queue",
  input: { _tag: "Claim", atMs: t },
  result: { _tag: "Claimed", claims: [] },
  changes: [],
});

const eventually = (over: Partial<Violation>): Violation => ({
  property: "every enqueued scope is acked within 60 s",
  kind: "eventually",
  step: 3,
  t: 2_000,
  message: "the run finished at t=2000ms and it never held",
  withinMs: 60_000,
  cut: "finished",
  ...over,
});

describe("the liveness line", () => {
  it("TC finished early: the run finished at t=2 s with the property unmet; deadline 60 s", () => {
    const v = eventually({});
    expect(livenessOutcome(v)).toBe("the run finished at t=2 s with the property unmet; deadline 60 s");
    const text = renderTimeline(traceOf([poll(1, 0), poll(2, 1_000)], v)).replace(ANSI, "");
    expect(text).toContain(
      "✗ the run finished at t=2 s with the property unmet; deadline 60 s: every enqueued scope is acked within 60 s",
    );
    expect(text).not.toContain("deadline passed");
  });

  it("TC deadline passed: deadline 60 s passed at t=60 s with the property unmet", () => {
    const v = eventually({
      t: 60_000,
      cut: "deadline",
      message: "it did not hold within 60000ms of virtual time",
    });
    expect(livenessOutcome(v)).toBe("deadline 60 s passed at t=60 s with the property unmet");
    const text = renderTimeline(traceOf([poll(1, 0)], v)).replace(ANSI, "");
    expect(text).toMatch(/60\.000s +│ ✗ deadline 60 s passed at t=60 s with the property unmet: every/);
  });

  it("TC went quiet, and a trace written before withinMs/cut existed (the message says why)", () => {
    expect(livenessOutcome(eventually({ cut: "quiescent", t: 2_500 }))).toBe(
      "the run went quiet at t=2.5 s with the property unmet; deadline 60 s",
    );
    const { withinMs: _w, cut: _c, ...old } = eventually({});
    expect(livenessOutcome(old)).toBe("the run finished at t=2 s with the property unmet");
    const {
      withinMs: _w2,
      cut: _c2,
      ...oldDeadline
    } = eventually({
      t: 60_000,
      message: "it did not hold within 60000ms of virtual time",
    });
    expect(livenessOutcome(oldDeadline)).toBe("deadline passed at t=60 s with the property unmet");
  });
});

describe("idle-poll folding", () => {
  it("an idle result is empty: no data beside its tag", () => {
    expect(isIdleResult(undefined)).toBe(true);
    expect(isIdleResult({ _tag: "Claimed", claims: [] })).toBe(true);
    expect(isIdleResult({ _tag: "Empty" })).toBe(true);
    expect(isIdleResult({ _tag: "QueueFull", scope: "a", itemCountMax: 1 })).toBe(false);
    expect(isIdleResult({ _tag: "Ownership", owned: true })).toBe(false);
    expect(isIdleResult("ok")).toBe(false);
  });

  it("folds repeated idle polls but keeps the violating process's last three steps", () => {
    const events = Array.from({ length: 8 }, (_, i) => poll(i + 1, i * 1_000));
    const always: Violation = {
      property: "p",
      kind: "always",
      step: 8,
      t: 7_000,
      message: "invariant broken at step 8 (t=7000ms)",
    };
    const { shown, hidden } = foldIdle(traceOf(events, always));
    // the first poll, then polls 2–5 folded, the last three kept
    expect(shown).toEqual([true, false, false, false, false, true, true, true]);
    expect(hidden).toBe(4);
    expect(foldIdle(traceOf(events, always), true).hidden).toBe(0);
  });

  it("never folds a step with an effect or a change", () => {
    const withEffect = { ...poll(2, 1_000), effects: [{ _tag: "Dispatch" }] };
    const withChange = { ...poll(3, 2_000), changes: [{ path: "n", before: 0, after: 1 }] };
    const { hidden } = foldIdle(traceOf([poll(1, 0), withEffect, withChange], null));
    expect(hidden).toBe(0);
  });
});
