/**
 * Replay as a strategy: a chooser that feeds a recorded decision stream back and reports, as a
 * {@link ReplayDivergence}, the first decision where the code under replay asks for something else.
 */
import type { Chooser, Decision, DecisionRequest } from "./chooser.js";

/** Raised by {@link ReplayChooser} when the code under replay asks for a different decision than recorded. */
export class ReplayDivergence extends Error {
  readonly decisionIndex: number;
  /** The label the trace recorded at `decisionIndex` (null when the trace had no more decisions). */
  readonly expectedLabel: string | null;
  /** The label the run asked for instead. */
  readonly foundLabel: string;
  /** The world step (and virtual time, ms) at which the run asked; set by the world, -1 until then. */
  step = -1;
  t = -1;
  constructor(decisionIndex: number, message: string, expectedLabel: string | null = null, foundLabel = "") {
    super(message);
    this.name = "ReplayDivergence";
    this.decisionIndex = decisionIndex;
    this.expectedLabel = expectedLabel;
    this.foundLabel = foundLabel;
  }
}

/**
 * Feeds a recorded decision stream back. Each request must match the recorded label and option count;
 * otherwise it throws {@link ReplayDivergence} naming the decision index and both sides, so a replay after a
 * code change reports where it diverged instead of silently running a different schedule.
 */
export class ReplayChooser implements Chooser {
  private index = 0;
  constructor(private readonly decisions: readonly Decision[]) {}
  choose(request: DecisionRequest): number {
    const i = this.index;
    const d = this.decisions[i];
    if (d === undefined) {
      throw new ReplayDivergence(
        i,
        `the trace has ${this.decisions.length} decisions but the run asked for decision #${i} ("${request.label}", ${request.count} options)`,
        null,
        request.label,
      );
    }
    if (d.label !== request.label || d.count !== request.count) {
      throw new ReplayDivergence(
        i,
        `decision #${i}: the trace recorded "${d.label}" with ${d.count} options, the run asked for "${request.label}" with ${request.count} options`,
        d.label,
        request.label,
      );
    }
    this.index = i + 1;
    return d.choice;
  }
  /** Number of recorded decisions consumed so far. */
  get consumed(): number {
    return this.index;
  }
}
