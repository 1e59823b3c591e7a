/**
 * Exploration: run a scenario variant under many schedules until a property fails or the budget (runs,
 * time) is spent, then turn the counterexample into a trace by re-running its decisions with recording on.
 * Also: replay by seed or by trace, and the determinism self-check.
 */
import { type Chooser, mix32, RandomChooser, ReplayChooser, ReplayDivergence } from "./chooser.js";
import type { Scenario, ScenarioVariant } from "./scenario.js";
import { fingerprint, TRACE_FORMAT, TRACE_VERSION, type Trace } from "./trace.js";
import { type RunResult, runWorld } from "./world.js";

export type Strategy = "random";
export const STRATEGIES: readonly Strategy[] = ["random"];

export interface ExploreOptions {
  /** Schedules to run (default: the scenario's `runs`). A `violation` stops the variant early. */
  readonly runs?: number;
  /** Base seed (uint32); run `i` uses seed `runSeed(seed, i)`: run 0 the base seed itself. */
  readonly seed: number;
  /** Stop after this much wall-clock time (ms) even if runs remain. */
  readonly timeBudgetMs?: number;
  readonly strategy?: Strategy;
}

export interface VariantResult {
  readonly scenario: string;
  readonly variant: string;
  readonly expect: "violation" | "pass";
  readonly verdict: "violation" | "pass";
  /** The violated property's sentence, or null. */
  readonly property: string | null;
  /** Schedules (runs) executed. */
  readonly schedules: number;
  /** Distinct states visited; null for the random strategy, which does not count them. */
  readonly states: number | null;
  /** Total steps over all schedules. */
  readonly steps: number;
  readonly elapsedMs: number;
  /** The failing run's seed for a violation, else the base seed. */
  readonly seed: number;
  readonly strategy: Strategy;
  readonly counterexample: Trace | null;
}

/**
 * The seed (uint32) of run `i` of an exploration from base seed `base`: the base itself for run 0, then a
 * 32-bit hash (murmur3's finaliser) of (base, i), so explorations from nearby base seeds do not share runs.
 */
export function runSeed(base: number, i: number): number {
  if (i === 0) return base >>> 0;
  return mix32((Math.imul(base >>> 0, 0x9e3779b1) + Math.imul(i, 0x85ebca6b)) >>> 0);
}

/**
 * Explore one variant with the random strategy. Returns its verdict; for a violation, a recorded trace of the
 * first failing schedule. Throws if re-running the failing decisions does not reproduce the violation
 * (nondeterminism in the scenario: a clock, `Math.random`, or shared mutable state outside the world).
 */
export function exploreVariant(
  scenario: Scenario,
  variant: ScenarioVariant,
  options: ExploreOptions,
): VariantResult {
  const runs = options.runs ?? scenario.runs;
  const started = performance.now();
  const deadline =
    options.timeBudgetMs === undefined ? Number.POSITIVE_INFINITY : started + options.timeBudgetMs;
  let steps = 0;
  let schedules = 0;
  for (let i = 0; i < runs; i++) {
    const seed = runSeed(options.seed, i);
    let run: RunResult;
    try {
      run = runWorld(variant.build, new RandomChooser(seed));
    } catch (error) {
      throw new Error(
        `${scenario.name}/${variant.name} threw in the run with seed ${seed} (replay: --variant ${variant.name} --seed ${seed}): ${(error as Error).message}`,
        { cause: error },
      );
    }
    schedules++;
    steps += run.steps;
    if (run.violation !== null) {
      const counterexample = recordRun(scenario, variant, seed, new ReplayChooser(run.decisions));
      if (counterexample.violation?.property !== run.violation.property) {
        throw new Error(
          `nondeterminism in ${scenario.name}/${variant.name} seed ${seed}: re-running the recorded decisions gave ${
            counterexample.violation?.property ?? "no violation"
          } instead of "${run.violation.property}"`,
        );
      }
      return result(
        scenario,
        variant,
        "violation",
        counterexample.violation.property,
        schedules,
        steps,
        started,
        seed,
        counterexample,
      );
    }
    if (performance.now() > deadline) break;
  }
  return result(scenario, variant, "pass", null, schedules, steps, started, options.seed, null);
}

function result(
  scenario: Scenario,
  variant: ScenarioVariant,
  verdict: "violation" | "pass",
  property: string | null,
  schedules: number,
  steps: number,
  started: number,
  seed: number,
  counterexample: Trace | null,
): VariantResult {
  return {
    scenario: scenario.name,
    variant: variant.name,
    expect: variant.expect,
    verdict,
    property,
    schedules,
    states: null,
    steps,
    elapsedMs: Math.round(performance.now() - started),
    seed,
    strategy: "random",
    counterexample,
  };
}

/** Run `variant` under `chooser` with recording on and package the run as a trace. */
export function recordRun(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
  chooser: Chooser,
): Trace {
  const run = runWorld(variant.build, chooser, { record: true });
  return toTrace(scenario.name, variant.name, seed, run);
}

function toTrace(scenario: string, variant: string, seed: number, run: RunResult): Trace {
  const events = run.events ?? [];
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    scenario,
    variant,
    seed,
    strategy: "random",
    processes: run.processes,
    decisions: run.decisions,
    events,
    violation: run.violation,
    steps: run.steps,
    endMs: run.endMs,
    fingerprint: fingerprint(events),
  };
}

/** Re-run seed `seed` of `variant` with the random strategy, recorded. */
export function replaySeed(scenario: Scenario, variant: ScenarioVariant, seed: number): Trace {
  return recordRun(scenario, variant, seed, new RandomChooser(seed));
}

export type ReplayOutcome =
  | { readonly _tag: "Reproduced"; readonly trace: Trace }
  | { readonly _tag: "Changed"; readonly trace: Trace; readonly expected: string }
  | { readonly _tag: "Diverged"; readonly decisionIndex: number; readonly message: string };

/**
 * Feed a trace's decisions back into the current code. `Reproduced`: same fingerprint, the very run.
 * `Changed`: the decisions still fit but the run differs (the code changed what a step does).
 * `Diverged`: the code asked for a different decision at `decisionIndex` (the schedule no longer applies).
 */
export function replayTrace(scenario: Scenario, variant: ScenarioVariant, trace: Trace): ReplayOutcome {
  try {
    const again = recordRun(scenario, variant, trace.seed, new ReplayChooser(trace.decisions));
    return again.fingerprint === trace.fingerprint
      ? { _tag: "Reproduced", trace: again }
      : { _tag: "Changed", trace: again, expected: trace.fingerprint };
  } catch (error) {
    if (error instanceof ReplayDivergence) {
      return { _tag: "Diverged", decisionIndex: error.decisionIndex, message: error.message };
    }
    throw error;
  }
}

/**
 * Determinism self-check: run `seed` twice, recorded, and compare fingerprints (FoundationDB's unseed check,
 * madsim's CHECK_DETERMINISM). Returns both fingerprints.
 */
export function checkDeterminism(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
): { readonly first: string; readonly second: string; readonly deterministic: boolean } {
  const first = replaySeed(scenario, variant, seed).fingerprint;
  const second = replaySeed(scenario, variant, seed).fingerprint;
  return { first, second, deterministic: first === second };
}
