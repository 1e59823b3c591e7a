/**
 * Decision streams: a run's schedule as an array of integers, so that a fast-check arbitrary can generate and
 * shrink it. {@link decisionStream} is the arbitrary, {@link StreamChooser} the chooser that reads one, and
 * {@link decisionIndex} how a value selects an option. Used by the fast-check integration (fast-check.ts).
 */

import { assert } from "@interleave/core";
import fc from "fast-check";
import type { Chooser, DecisionRequest } from "../strategy/chooser.js";

/**
 * Decision values are integers in `[0, DECISION_VALUE_RANGE)`. A value is read as a quantile: `v / 65536` of
 * the way through the options' cumulative weights (see {@link StreamChooser}).
 */
export const DECISION_VALUE_RANGE = 0x1_0000;

/**
 * Default bound on the length of a generated decision stream. The shipped scenarios take 5 to 260 decisions
 * per run; decisions past the end of the stream take option 0, so a longer run is still well defined.
 */
export const DECISION_STREAM_LENGTH_MAX_DEFAULT = 512;

/** Options of {@link decisionStream}. */
export interface DecisionStreamOptions {
  /** Longest stream generated (entries, integer ≥ 0). Default {@link DECISION_STREAM_LENGTH_MAX_DEFAULT}. */
  readonly maxLength?: number;
}

/**
 * A fast-check arbitrary of decision streams: arrays (length `0..maxLength`) of integers in
 * `[0, DECISION_VALUE_RANGE)`, to be consumed by a {@link StreamChooser}. Lengths are drawn over the whole
 * range `0..maxLength` (fast-check's `size: "max"`), since a stream shorter than the run leaves its later
 * decisions at option 0. fast-check shrinks a stream by dropping its last entries first (then others) and
 * moving values toward 0; both move the run toward option 0 of every decision (the first enabled process, the
 * smallest drawn delay, no fault), so a shrunk stream is a shorter, plainer schedule.
 *
 * Throws `AssertionError` when `maxLength` is not a non-negative integer.
 *
 * @example
 * fc.assert(fc.property(decisionStream(), (stream) => runWorld(build, new StreamChooser(stream)).violation === null));
 */
export function decisionStream(options: DecisionStreamOptions = {}): fc.Arbitrary<readonly number[]> {
  const maxLength = options.maxLength ?? DECISION_STREAM_LENGTH_MAX_DEFAULT;
  assert(
    Number.isInteger(maxLength) && maxLength >= 0,
    `decisionStream: maxLength must be a non-negative integer, got ${maxLength}`,
  );
  // fast-check shrinks an array's length by keeping a suffix; a schedule keeps its meaning when its tail is
  // dropped, not its head. So the array is generated reversed and mapped back: shrinking keeps a prefix.
  return fc
    .array(fc.nat({ max: DECISION_VALUE_RANGE - 1 }), { maxLength, size: "max" })
    .map(reversed, (value) => {
      if (!Array.isArray(value)) throw new TypeError("a decision stream is an array");
      return reversed(value as number[]);
    });
}

function reversed(values: readonly number[]): number[] {
  return values.slice().reverse();
}

/**
 * The option a decision value selects: `value` is read as the quantile `value / DECISION_VALUE_RANGE` of the
 * request's weights (uniform when it has none, or when they do not sum to a positive finite number), so a
 * uniformly drawn value gives the same distribution as {@link RandomChooser}. Monotone: a smaller value never
 * selects a later option, and 0 selects the first option of positive weight (option 0 when unweighted).
 */
export function decisionIndex(value: number, request: DecisionRequest): number {
  const { count, weights } = request;
  const q = value / DECISION_VALUE_RANGE;
  let total = 0;
  if (weights !== undefined) for (let i = 0; i < count; i++) total += weights[i] ?? 0;
  if (weights === undefined || !(total > 0) || !Number.isFinite(total)) {
    return Math.min(count - 1, Math.floor(q * count));
  }
  const x = q * total;
  let cumulative = 0;
  for (let i = 0; i < count; i++) {
    cumulative += weights[i] ?? 0;
    if (x < cumulative) return i;
  }
  for (let i = count - 1; i > 0; i--) if ((weights[i] ?? 0) > 0) return i;
  return 0;
}

/**
 * A chooser that reads its decisions from a stream of integers (a {@link decisionStream} value): decision `i`
 * takes `decisionIndex(stream[i], request)`, and every decision past the end of the stream takes option 0.
 * Records nothing itself (the world records the decisions taken, and `ReplayChooser` replays those).
 *
 * Why a quantile and not `min(stream[i], count − 1)`: the arbitrary cannot know each decision's option count,
 * and clamping a value drawn over a fixed range makes the last option of every small decision near certain
 * (a 5 % pause fault would fire at almost every step). The quantile keeps clamping's useful property — values
 * shrink toward option 0, monotonically — while sampling options as `RandomChooser` does.
 *
 * Throws `RangeError` on construction when an entry is not an integer in `[0, DECISION_VALUE_RANGE)`.
 */
export class StreamChooser implements Chooser {
  private index = 0;
  constructor(private readonly stream: readonly number[]) {
    stream.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0 || v >= DECISION_VALUE_RANGE) {
        throw new RangeError(
          `decision stream entry #${i} must be an integer in [0, ${DECISION_VALUE_RANGE}), got ${v}`,
        );
      }
    });
  }
  choose(request: DecisionRequest): number {
    const value = this.stream[this.index] ?? 0;
    this.index++;
    return decisionIndex(value, request);
  }
  /** Number of decisions taken so far, including those past the end of the stream. */
  get consumed(): number {
    return this.index;
  }
}
