/**
 * Properties of a run: invariants (`always`, checked in the initial state and after every change) and bounded
 * liveness (`eventually … withinMs`, discharged when its predicate holds, failed when its deadline passes or
 * the run ends without it). The world asks; this module says which property failed, and when.
 */
import { assert } from "@interleave/core";
import type { View } from "../ops.js";
import type { Violation } from "./types.js";

/** Why the run is about to move past a liveness deadline: the clock jumps, the run went quiet, or it finished. */
export type LivenessCut = "quiescent" | "finished" | "deadline";

export class Properties {
  private readonly always: { name: string; predicate: (view: View) => boolean }[] = [];
  private readonly eventually: {
    name: string;
    predicate: (view: View) => boolean;
    withinMs: number;
    satisfied: boolean;
  }[] = [];

  addAlways(name: string, predicate: (view: View) => boolean): void {
    this.always.push({ name, predicate });
  }

  addEventually(name: string, predicate: (view: View) => boolean, withinMs: number): void {
    assert(
      Number.isInteger(withinMs) && withinMs > 0,
      `eventually "${name}": withinMs must be a positive integer`,
    );
    this.eventually.push({ name, predicate, withinMs, satisfied: false });
  }

  /** Every liveness deadline must fall within the run's horizon. */
  assertWithin(horizonMs: number): void {
    for (const e of this.eventually) {
      assert(
        e.withinMs <= horizonMs,
        `eventually "${e.name}": withinMs (${e.withinMs}) is beyond the horizon (${horizonMs})`,
      );
    }
  }

  /** Liveness deadlines (absolute ms) not yet discharged, appended to `out`. */
  deadlines(out: number[]): void {
    for (const e of this.eventually) if (!e.satisfied) out.push(e.withinMs);
  }

  /**
   * Check invariants and discharge liveness obligations after a change at step `step`, time `now`: the first
   * broken invariant, or null.
   */
  check(view: View, step: number, now: number): Violation | null {
    for (const a of this.always) {
      if (!a.predicate(view)) {
        return {
          property: a.name,
          kind: "always",
          step,
          t: now,
          message: `invariant broken at step ${step} (t=${now}ms)`,
        };
      }
    }
    for (const e of this.eventually) if (!e.satisfied && e.predicate(view)) e.satisfied = true;
    return null;
  }

  /**
   * Before time moves to `limitMs` (or the run ends: `why`), the first liveness property whose deadline falls
   * before it, failed at the later of `now` and its deadline (the violation's `t`: the world's clock moves
   * there); null when none is overdue.
   */
  overdue(limitMs: number, why: LivenessCut, step: number, now: number): Violation | null {
    for (const e of this.eventually) {
      if (e.satisfied) continue;
      if (why !== "deadline" || e.withinMs < limitMs) {
        const t = Math.max(now, why !== "deadline" ? now : e.withinMs);
        return {
          property: e.name,
          kind: "eventually",
          step,
          t,
          withinMs: e.withinMs,
          cut: why,
          message:
            why === "deadline"
              ? `it did not hold within ${e.withinMs}ms of virtual time`
              : `the run ${why === "quiescent" ? "went quiet" : "finished"} at t=${t}ms and it never held`,
        };
      }
    }
    return null;
  }
}
