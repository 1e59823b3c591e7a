/**
 * fast-check integration: a run is a pure function of (scenario params, decision stream), so both can be
 * fast-check arbitraries, generated and shrunk together. `decisionStream` and `StreamChooser` turn an array of
 * integers into a schedule; `scenarioProperty` wraps a variant as a fast-check property; `assertScenario` runs
 * it under `fc.check` from vitest (or any test runner) and turns the shrunk counterexample into a replayable
 * interleave trace.
 */

import { assert } from "@interleave/core";
import fc from "fast-check";
import { relativeToCwd, writeTrace } from "../io/trace-file.js";
import { type Expectation, findVariant, type Scenario, type ScenarioVariant } from "../model/scenario.js";
import type { RunResult } from "../model/world/types.js";
import { runWorld } from "../model/world/world.js";
import { recordRun } from "../search/record.js";
import type { Chooser, DecisionRequest } from "../strategy/chooser.js";
import { ReplayChooser } from "../strategy/replay.js";
import type { Trace } from "../trace/format.js";

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

/**
 * Default bound on the runs {@link assertScenario} spends shrinking a counterexample. A shrink step is a run;
 * the lost-update fixture needs a few hundred, a heartbeat-vs-ack fault schedule can take tens of thousands
 * (about 1 ms each) for little gain.
 */
export const FAST_CHECK_SHRINK_RUNS_MAX_DEFAULT = 5_000;

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

/** The input of one fast-check run of a scenario: the world's parameters and the decision stream. */
export type ScenarioCase<P = unknown> = readonly [params: P, stream: readonly number[]];

/** Options of {@link scenarioProperty}. */
export interface ScenarioPropertyOptions<P> {
  /**
   * The scenario parameters, same shape as the scenario's `params`. Default: the scenario's declared `params`
   * (fixed). An arbitrary must only produce parameters the scenario's machines accept (e.g. a `ClaimQueue`
   * with `heartbeatIntervalMs < leaseTtlMs`): a run that throws is a failure of its own.
   */
  readonly params?: fc.Arbitrary<P>;
  /** Longest decision stream (see {@link decisionStream}). */
  readonly maxLength?: number;
}

/**
 * A variant as a fast-check property over `[params, stream]`: the run builds the variant's world with
 * `params` and takes its decisions from `stream` through a {@link StreamChooser}. The property fails iff the
 * run violates one of the scenario's properties (or throws: a scenario bug). Use it with `fc.assert` /
 * `fc.check` directly, or through {@link assertScenario}, which also writes the counterexample's trace.
 *
 * `variant` is a variant of `scenario` or its name; an unknown name throws `InputError` listing the variants.
 *
 * @example
 * fc.assert(scenarioProperty(scenario, "atomic-increment", { params: fc.record({ writers: fc.integer({ min: 2, max: 5 }) }) }));
 */
export function scenarioProperty<P = unknown>(
  scenario: Scenario,
  variant: ScenarioVariant | string,
  options: ScenarioPropertyOptions<P> = {},
): fc.IPropertyWithHooks<ScenarioCase<P>> {
  const v = typeof variant === "string" ? findVariant([scenario], scenario.name, variant).variant : variant;
  return caseProperty(scenario, v, options, Number.POSITIVE_INFINITY);
}

/**
 * The property of {@link scenarioProperty}, with a shrink budget: once a run has failed, at most
 * `shrinkRunsMax` further runs execute; after that every candidate counts as passing, so fast-check stops
 * shrinking and reports the smallest counterexample so far. Counting runs (not time) keeps it deterministic.
 * The budget is state of the returned property: build one per `fc.check`.
 */
function caseProperty<P>(
  scenario: Scenario,
  variant: ScenarioVariant,
  options: ScenarioPropertyOptions<P>,
  shrinkRunsMax: number,
): fc.IPropertyWithHooks<ScenarioCase<P>> {
  const params = options.params ?? fc.constant(scenario.params as P);
  const stream =
    options.maxLength === undefined ? decisionStream() : decisionStream({ maxLength: options.maxLength });
  let failed = false;
  let shrinkRuns = 0;
  return fc.property(params, stream, (p, s) => {
    if (failed && ++shrinkRuns > shrinkRunsMax) return true;
    let passed = false;
    try {
      passed = runCase(variant, p, s).violation === null;
    } finally {
      failed ||= !passed;
    }
    return passed;
  });
}

function runCase(variant: ScenarioVariant, params: unknown, stream: readonly number[]): RunResult {
  return runWorld(variant.buildWith(params), new StreamChooser(stream));
}

/** Options of {@link assertScenario}. */
export interface AssertScenarioOptions<P> extends ScenarioPropertyOptions<P> {
  /** fast-check runs (default 100, fast-check's own default). A `violation` variant must fail within them. */
  readonly numRuns?: number;
  /** fast-check seed (32-bit integer). Default: fast-check draws one; it is reported either way. */
  readonly seed?: number;
  /**
   * fast-check replay path (`"0:1:3"`, printed with a failure, with its `seed`): re-runs exactly that
   * counterexample, without shrinking further.
   */
  readonly path?: string;
  /**
   * Bound on the runs spent shrinking after the first failure (integer ≥ 0, default
   * {@link FAST_CHECK_SHRINK_RUNS_MAX_DEFAULT}); at the bound the smallest counterexample so far is reported.
   */
  readonly shrinkRunsMax?: number;
  /** Where counterexample traces are written (default `"traces"`, relative to the working directory). */
  readonly tracesDir?: string;
  /** The verdict required (default: the variant's `expect`). */
  readonly expect?: Expectation;
}

/** What {@link assertScenario} found when the verdict was the expected one. */
export interface ScenarioCheck<P = unknown> {
  /** Whether fast-check found a violation (true iff the verdict is `violation`). */
  readonly found: boolean;
  /** The violated property's sentence, or null. */
  readonly property: string | null;
  /** The shrunk counterexample's parameters and decision stream, or null when none was found. */
  readonly params: P | null;
  readonly stream: readonly number[] | null;
  /** The recorded shrunk counterexample, and the path it was written to; null when none was found. */
  readonly trace: Trace | null;
  readonly tracePath: string | null;
  /** fast-check's seed, and the path of the counterexample (absent when none was found). */
  readonly fcSeed: number;
  readonly fcPath?: string;
  /** fast-check runs up to the first failure (or all of them), and shrink steps that followed it. */
  readonly numRuns: number;
  readonly numShrinks: number;
}

/**
 * Run a scenario variant under `fc.check` and throw an `Error` when the verdict is not the expected one, so it
 * can be called from a vitest, Jest or node:test body. Parameters come from `options.params` (default: the
 * scenario's, fixed) and the schedule from {@link decisionStream}; fast-check shrinks both together.
 *
 * - A counterexample (shrunk) is re-run with recording on and written as a trace to
 *   `<tracesDir>/<scenario>.<variant>.fast-check.json` (never overwriting: see `writeTrace`). The trace's
 *   decisions are those the world took, its `seed` is fast-check's seed as uint32, its strategy `fast-check`,
 *   and it carries `params` when they came from an arbitrary, so `npx interleave replay <trace>` shows the very run.
 * - `expect: "pass"`: returns `{ found: false, … }` if all runs pass; otherwise throws an Error naming the
 *   violated property, the shrunk params (JSON), fast-check's seed and path, and `npx interleave replay <tracePath>`.
 * - `expect: "violation"`: returns the shrunk counterexample; throws
 *   `expected a violation of <scenario>/<variant>, none in N runs (fast-check seed S)` if there is none.
 * - A run that throws (a scenario bug, or params the machines reject) throws whatever the expectation, with
 *   the shrunk params, seed and path; no trace is written.
 *
 * Deterministic for a given `seed` (and `path`): the same counterexample, trace and message every time.
 * Bad options (`numRuns` not a positive integer, a non-integer `seed`, an unknown variant) throw first.
 *
 * @example
 * it("finds the lost update with the fewest writers", () => {
 *   const r = assertScenario(lostUpdate, "read-then-write", {
 *     params: fc.record({ writers: fc.integer({ min: 2, max: 5 }) }), seed: 42, tracesDir: "test-output",
 *   });
 *   expect(r.params).toEqual({ writers: 2 });
 * });
 */
export function assertScenario<P = unknown>(
  scenario: Scenario,
  variantName: string,
  options: AssertScenarioOptions<P> = {},
): ScenarioCheck<P> {
  const { variant } = findVariant([scenario], scenario.name, variantName);
  const expect = options.expect ?? variant.expect;
  const numRuns = options.numRuns ?? 100;
  assert(
    Number.isInteger(numRuns) && numRuns >= 1,
    `assertScenario: numRuns must be a positive integer, got ${numRuns}`,
  );
  assert(
    options.seed === undefined || Number.isInteger(options.seed),
    `assertScenario: seed must be an integer, got ${options.seed}`,
  );
  assert(
    expect === "violation" || expect === "pass",
    `assertScenario: expect must be "violation" or "pass", got ${JSON.stringify(expect)}`,
  );
  const shrinkRunsMax = options.shrinkRunsMax ?? FAST_CHECK_SHRINK_RUNS_MAX_DEFAULT;
  assert(
    Number.isInteger(shrinkRunsMax) && shrinkRunsMax >= 0,
    `assertScenario: shrinkRunsMax must be a non-negative integer, got ${shrinkRunsMax}`,
  );
  const name = `${scenario.name}/${variant.name}`;
  const details = fc.check(caseProperty(scenario, variant, options, shrinkRunsMax), {
    numRuns,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    // A path re-runs exactly the counterexample it names: no further shrinking.
    ...(options.path === undefined ? {} : { path: options.path, endOnFailure: true }),
  });
  const fcSeed = details.seed;
  const counterexample = details.counterexample;
  if (!details.failed || counterexample === null) {
    if (expect === "violation") {
      throw new Error(
        `expected a violation of ${name}, none in ${details.numRuns} runs (fast-check seed ${fcSeed})`,
      );
    }
    return {
      found: false,
      property: null,
      params: null,
      stream: null,
      trace: null,
      tracePath: null,
      fcSeed,
      numRuns: details.numRuns,
      numShrinks: 0,
    };
  }
  const [params, stream] = counterexample;
  const fcPath = details.counterexamplePath ?? "";
  const where = `fast-check seed ${fcSeed}, path "${fcPath}" (rerun: { seed: ${fcSeed}, path: "${fcPath}" })`;
  const paramsLine = `params: ${options.params === undefined ? "the scenario's declared params" : safeJson(params)}`;
  const streamLine = `decision stream (${stream.length} entries): ${summarize(stream)}`;
  let trace: Trace;
  try {
    trace = recordCase(scenario, variant, params, stream, fcSeed, options.params !== undefined);
  } catch (error) {
    throw new Error(
      [
        `${name} threw in the shrunk fast-check counterexample: ${(error as Error).message}`,
        `  ${paramsLine}`,
        `  ${streamLine}`,
        `  ${where}`,
      ].join("\n"),
      { cause: error },
    );
  }
  const violation = trace.violation;
  assert(
    violation !== null,
    `nondeterminism in ${name}: the shrunk counterexample (${where}) passes when re-run with recording on`,
  );
  const written = writeTrace(
    `${options.tracesDir ?? "traces"}/${scenario.name}.${variant.name}.fast-check.json`,
    trace,
  );
  const tracePath = relativeToCwd(written);
  if (expect === "pass") {
    throw new Error(
      [
        `${name} is expected to pass, but fast-check found a violation of "${violation.property}" (${violation.kind}, ${violation.message}) after ${details.numRuns} runs and ${details.numShrinks} shrinks`,
        `  ${paramsLine}`,
        `  ${streamLine}`,
        `  ${where}`,
        `  trace: ${tracePath}`,
        `  replay: npx interleave replay ${tracePath}`,
      ].join("\n"),
    );
  }
  return {
    found: true,
    property: violation.property,
    params,
    stream,
    trace,
    tracePath,
    fcSeed,
    fcPath,
    numRuns: details.numRuns,
    numShrinks: details.numShrinks,
  };
}

/**
 * Re-run a counterexample and record it as a trace: the decisions come from replaying those the world took
 * under the stream, so the trace replays with a plain `ReplayChooser`.
 */
function recordCase(
  scenario: Scenario,
  variant: ScenarioVariant,
  params: unknown,
  stream: readonly number[],
  fcSeed: number,
  withParams: boolean,
): Trace {
  const run = runCase(variant, params, stream);
  const built = { ...variant, build: variant.buildWith(params) };
  const trace = recordRun(scenario, built, fcSeed >>> 0, new ReplayChooser(run.decisions), "fast-check");
  return withParams ? { ...trace, params } : trace;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The stream as JSON, cut after 32 entries. */
function summarize(stream: readonly number[]): string {
  const head = stream.slice(0, 32).join(",");
  return stream.length > 32 ? `[${head},…]` : `[${head}]`;
}
