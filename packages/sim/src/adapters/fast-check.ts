/**
 * fast-check integration: a run is a pure function of (scenario params, decision stream), so both can be
 * fast-check arbitraries, generated and shrunk together. `decisionStream` and `StreamChooser` turn an array of
 * integers into a schedule; `scenarioProperty` wraps a variant as a fast-check property; `assertScenario` runs
 * it under `fc.check` from vitest (or any test runner) and turns the shrunk counterexample into a replayable
 * interleave trace. Each has an `…Async` twin for variants with async tasks (`world.task`): the same runs,
 * written once as a {@link Sim}, driven with awaits between the steps of async tasks.
 */

import { assert } from "@interleave/core";
import fc from "fast-check";
import { relativeToCwd, writeTrace } from "../io/trace-file.js";
import { type Expectation, findVariant, type Scenario, type ScenarioVariant } from "../model/scenario.js";
import { AsyncTasksError, runAsync, runSync, type Sim } from "../model/world/drive.js";
import type { RunResult } from "../model/world/types.js";
import { runWorldGen } from "../model/world/world.js";
import { recordRunGen } from "../search/record.js";
import { ReplayChooser } from "../strategy/replay.js";
import type { Trace } from "../trace/format.js";
import { decisionStream, StreamChooser } from "./decision-stream.js";

export {
  DECISION_STREAM_LENGTH_MAX_DEFAULT,
  DECISION_VALUE_RANGE,
  type DecisionStreamOptions,
  decisionIndex,
  decisionStream,
  StreamChooser,
} from "./decision-stream.js";

/**
 * Default bound on the runs {@link assertScenario} spends shrinking a counterexample. A shrink step is a run;
 * the lost-update fixture needs a few hundred, a heartbeat-vs-ack fault schedule can take tens of thousands
 * (about 1 ms each) for little gain.
 */
export const FAST_CHECK_SHRINK_RUNS_MAX_DEFAULT = 5_000;

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
 * A variant with async tasks (`world.task`) fails every run with `AsyncTasksError`: use
 * {@link scenarioPropertyAsync}.
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
 * The same as {@link scenarioProperty}, but runs worlds with async tasks (`world.task`), awaiting a macrotask
 * turn between their steps: an async property, for `fc.assert` / `fc.check` awaited.
 *
 * @example
 * await fc.assert(scenarioPropertyAsync(scenario, "fenced-handler"), { numRuns: 50 });
 */
export function scenarioPropertyAsync<P = unknown>(
  scenario: Scenario,
  variant: ScenarioVariant | string,
  options: ScenarioPropertyOptions<P> = {},
): fc.IAsyncPropertyWithHooks<ScenarioCase<P>> {
  const v = typeof variant === "string" ? findVariant([scenario], scenario.name, variant).variant : variant;
  return caseAsyncProperty(scenario, v, options, Number.POSITIVE_INFINITY);
}

/**
 * The shrink budget of a case property: once a run has failed, at most `shrinkRunsMax` further runs execute;
 * after that every candidate counts as passing, so fast-check stops shrinking and reports the smallest
 * counterexample so far. Counting runs (not time) keeps it deterministic. State of one property: build one per
 * `fc.check`.
 */
class ShrinkBudget {
  private failed = false;
  private shrinkRuns = 0;
  constructor(private readonly shrinkRunsMax: number) {}
  /** Whether this candidate is past the budget (counts it when the budget has started). */
  spent(): boolean {
    return this.failed && ++this.shrinkRuns > this.shrinkRunsMax;
  }
  ran(passed: boolean): void {
    this.failed ||= !passed;
  }
}

function caseArbitraries<P>(scenario: Scenario, options: ScenarioPropertyOptions<P>) {
  const params = options.params ?? fc.constant(scenario.params as P);
  const stream =
    options.maxLength === undefined ? decisionStream() : decisionStream({ maxLength: options.maxLength });
  return [params, stream] as const;
}

/** The property of {@link scenarioProperty}, with a shrink budget (see {@link ShrinkBudget}). */
function caseProperty<P>(
  scenario: Scenario,
  variant: ScenarioVariant,
  options: ScenarioPropertyOptions<P>,
  shrinkRunsMax: number,
): fc.IPropertyWithHooks<ScenarioCase<P>> {
  const budget = new ShrinkBudget(shrinkRunsMax);
  const what = `${scenario.name}/${variant.name}`;
  return fc.property(...caseArbitraries(scenario, options), (p, s) => {
    if (budget.spent()) return true;
    let passed = false;
    try {
      passed = runSync(runCaseGen(variant, p, s), what).violation === null;
    } finally {
      budget.ran(passed);
    }
    return passed;
  });
}

/** The property of {@link scenarioPropertyAsync}, with a shrink budget (see {@link ShrinkBudget}). */
function caseAsyncProperty<P>(
  scenario: Scenario,
  variant: ScenarioVariant,
  options: ScenarioPropertyOptions<P>,
  shrinkRunsMax: number,
): fc.IAsyncPropertyWithHooks<ScenarioCase<P>> {
  const budget = new ShrinkBudget(shrinkRunsMax);
  return fc.asyncProperty(...caseArbitraries(scenario, options), async (p, s) => {
    if (budget.spent()) return true;
    let passed = false;
    try {
      passed = (await runAsync(runCaseGen(variant, p, s))).violation === null;
    } finally {
      budget.ran(passed);
    }
    return passed;
  });
}

function runCaseGen(variant: ScenarioVariant, params: unknown, stream: readonly number[]): Sim<RunResult> {
  return runWorldGen(variant.buildWith(params), new StreamChooser(stream));
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
 *
 * A variant with async tasks (`world.task`) throws `AsyncTasksError`: use {@link assertScenarioAsync}.
 */
export function assertScenario<P = unknown>(
  scenario: Scenario,
  variantName: string,
  options: AssertScenarioOptions<P> = {},
): ScenarioCheck<P> {
  const plan = planOf(scenario, variantName, options);
  const details = fc.check(
    caseProperty(scenario, plan.variant, options, plan.shrinkRunsMax),
    plan.parameters,
  );
  // A world with async tasks fails every run at its first step: say so, not "the counterexample threw".
  if (details.errorInstance instanceof AsyncTasksError) throw details.errorInstance;
  return runSync(conclude(scenario, plan, options, details), plan.name);
}

/**
 * The same as {@link assertScenario}, but runs worlds with async tasks (`world.task`), awaiting a macrotask turn
 * between their steps (fast-check drives an async property): it rejects where `assertScenario` throws.
 */
export async function assertScenarioAsync<P = unknown>(
  scenario: Scenario,
  variantName: string,
  options: AssertScenarioOptions<P> = {},
): Promise<ScenarioCheck<P>> {
  const plan = planOf(scenario, variantName, options);
  const property = caseAsyncProperty(scenario, plan.variant, options, plan.shrinkRunsMax);
  const details = await fc.check(property, plan.parameters);
  return runAsync(conclude(scenario, plan, options, details));
}

/** What {@link assertScenario} checks and sets up before running fast-check. */
interface Plan<P> {
  readonly variant: ScenarioVariant;
  readonly name: string;
  readonly expect: Expectation;
  readonly shrinkRunsMax: number;
  readonly parameters: fc.Parameters<ScenarioCase<P>>;
}

/** The options of {@link assertScenario} checked (throwing `AssertionError`) and resolved. */
function planOf<P>(scenario: Scenario, variantName: string, options: AssertScenarioOptions<P>): Plan<P> {
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
  const parameters = {
    numRuns,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    // A path re-runs exactly the counterexample it names: no further shrinking.
    ...(options.path === undefined ? {} : { path: options.path, endOnFailure: true }),
  };
  return { variant, name: `${scenario.name}/${variant.name}`, expect, shrinkRunsMax, parameters };
}

/** fast-check's verdict turned into {@link ScenarioCheck} (or the Error of an unexpected one), as a {@link Sim}. */
function* conclude<P>(
  scenario: Scenario,
  { variant, name, expect }: Plan<P>,
  options: AssertScenarioOptions<P>,
  details: fc.RunDetails<ScenarioCase<P>>,
): Sim<ScenarioCheck<P>> {
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
    trace = yield* recordCase(scenario, variant, params, stream, fcSeed, options.params !== undefined);
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
function* recordCase(
  scenario: Scenario,
  variant: ScenarioVariant,
  params: unknown,
  stream: readonly number[],
  fcSeed: number,
  withParams: boolean,
): Sim<Trace> {
  const run = yield* runCaseGen(variant, params, stream);
  const built = { ...variant, build: variant.buildWith(params) };
  const trace = yield* recordRunGen(
    scenario,
    built,
    fcSeed >>> 0,
    new ReplayChooser(run.decisions),
    "fast-check",
  );
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
