/**
 * Decisions of a run: every nondeterministic choice goes to the chooser here, is checked and recorded; a
 * drawn delay becomes a decision over its distribution's values (with its exhaustive support as candidates
 * for systematic strategies). A replay divergence is stamped with the step and time at which it was asked.
 */
import { assert } from "@interleave/core";
import type { Chooser, DecisionRequest } from "../../strategy/chooser.js";
import { ReplayDivergence } from "../../strategy/replay.js";
import { type Distribution, isDistribution, supportIndices } from "../distribution.js";
import type { Recorder } from "./recorder.js";

/** Where the run is when it asks: its step, its virtual time (ms), and the absolute times at which something is due. */
export interface DecisionClock {
  readonly steps: number;
  readonly now: number;
  deadlines(): number[];
}

export class Decisions {
  /** The chooser is systematic: requests carry candidates (and `current` for picks). */
  private readonly systematic: boolean;

  constructor(
    private readonly chooser: Chooser,
    private readonly recorder: Recorder,
    private readonly clock: DecisionClock,
  ) {
    this.systematic = chooser.wantsCandidates === true;
  }

  /** Ask the chooser for `request`, check its answer and record it; a replay divergence learns where it was asked. */
  decide(request: DecisionRequest): number {
    let choice: number;
    try {
      choice = this.chooser.choose(request);
    } catch (error) {
      if (error instanceof ReplayDivergence) {
        error.step = this.clock.steps;
        error.t = this.clock.now;
      }
      throw error;
    }
    assert(
      Number.isInteger(choice) && choice >= 0 && choice < request.count,
      `chooser returned ${choice} for "${request.label}" with ${request.count} options`,
    );
    this.recorder.decision(request, choice);
    return choice;
  }

  /** A delay: a fixed number as is, else a value of the distribution, chosen (a decision when it has several). */
  draw(delay: number | Distribution, label: string): number {
    if (!isDistribution(delay)) {
      assert(
        Number.isInteger(delay) && delay >= 0,
        `${label}: a delay must be a non-negative integer, got ${delay}`,
      );
      return delay;
    }
    if (delay.values.length === 1) return delay.values[0]!;
    if (!this.systematic)
      return delay.values[this.decide({ label, count: delay.values.length, weights: delay.weights })]!;
    const deadlines = this.clock.deadlines();
    return delay.values[
      this.decide({
        label,
        count: delay.values.length,
        weights: delay.weights,
        candidates: supportIndices(delay, this.clock.now, deadlines),
        ties: tieIndices(delay.values, this.clock.now, deadlines),
      })
    ]!;
  }
}

/** The indices of `values` (ms from `nowMs`) that land exactly on one of the absolute `deadlines` (ms). */
function tieIndices(values: readonly number[], nowMs: number, deadlines: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (deadlines.includes(nowMs + values[i]!)) out.push(i);
  return out;
}
