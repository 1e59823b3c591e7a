/**
 * Exploration: run a scenario variant under many schedules until a property fails or the budget (runs,
 * time) is spent, then turn the counterexample into a trace by re-running its decisions with recording on.
 * Also: replay by seed or by trace, and the determinism self-check.
 */
import {
  type Chooser,
  mix32,
  PctChooser,
  RandomChooser,
  ReplayChooser,
  ReplayDivergence,
} from "./chooser.js";
import type { Scenario, ScenarioVariant } from "./scenario.js";
import { fingerprint, TRACE_FORMAT, TRACE_VERSION, type Trace } from "./trace.js";
import { type RunResult, runWorld } from "./world.js";

export type Strategy = "random" | "pct";
export const STRATEGIES: readonly Strategy[] = ["random", "pct"];

/** Default bug depth targeted by `pct`: most races in the shipped scenarios need one or two preemptions. */
export const PCT_DEPTH_DEFAULT = 3;

/** How each run of an exploration (or a replay by seed) chooses: the strategy and its parameters. */
export interface StrategySpec {
  readonly strategy: Strategy;
  /** `pct` only: the bug depth `d` (default {@link PCT_DEPTH_DEFAULT}). */
  readonly pctDepth?: number;
}

/**
 * PCT's step estimate `k` for `variant`: the steps of one random run (seed 0). Picks happen only at steps, so
 * this bounds the picks of a run whose length does not depend much on the schedule (the theorem needs `k` at
 * least the run's length; a pilot's pick count alone underestimates it, because PCT runs one process long
 * while others wait, and each of those steps is a pick). A function of the variant alone, so a PCT run is
 * fully described by its seed and depth.
 */
export function pctSteps(variant: ScenarioVariant): number {
  const pilot = runWorld(variant.build, new RandomChooser(0));
  return Math.max(1, pilot.steps);
}

/** A chooser factory for `spec` on `variant`: `seed` → the chooser of the run with that seed. */
export function chooserFactory(variant: ScenarioVariant, spec: StrategySpec): (seed: number) => Chooser {
  if (spec.strategy === "random") return (seed) => new RandomChooser(seed);
  const depth = spec.pctDepth ?? PCT_DEPTH_DEFAULT;
  const steps = pctSteps(variant);
  return (seed) => new PctChooser(seed, { depth, steps });
}

/** The strategy as written in traces and tables: `random`, or `pct(d=3)`. */
export function strategyLabel(spec: StrategySpec): string {
  return spec.strategy === "pct" ? `pct(d=${spec.pctDepth ?? PCT_DEPTH_DEFAULT})` : spec.strategy;
}

export interface ExploreOptions {
  /** Schedules to run (default: the scenario's `runs`). A `violation` stops the variant early. */
  readonly runs?: number;
  /** Base seed (uint32); run `i` uses seed `runSeed(seed, i)`: run 0 the base seed itself. */
  readonly seed: number;
  /** Stop after this much wall-clock time (ms) even if runs remain. */
  readonly timeBudgetMs?: number;
  /** Default `random`. */
  readonly strategy?: Strategy;
  /** `pct` only: the bug depth (default {@link PCT_DEPTH_DEFAULT}). */
  readonly pctDepth?: number;
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
  /** The strategy as in {@link strategyLabel}. */
  readonly strategy: string;
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
 * Explore one variant with the chosen strategy (random by default; `pct`). Returns its verdict; for a violation, a recorded trace of the
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
  const spec: StrategySpec =
    options.pctDepth === undefined
      ? { strategy: options.strategy ?? "random" }
      : { strategy: options.strategy ?? "random", pctDepth: options.pctDepth };
  const chooserFor = chooserFactory(variant, spec);
  const label = strategyLabel(spec);
  for (let i = 0; i < runs; i++) {
    const seed = runSeed(options.seed, i);
    let run: RunResult;
    try {
      run = runWorld(variant.build, chooserFor(seed));
    } catch (error) {
      throw new Error(
        `${scenario.name}/${variant.name} threw in the run with seed ${seed} (replay: --variant ${variant.name} --seed ${seed}): ${(error as Error).message}`,
        { cause: error },
      );
    }
    schedules++;
    steps += run.steps;
    if (run.violation !== null) {
      const counterexample = recordRun(scenario, variant, seed, new ReplayChooser(run.decisions), label);
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
        label,
      );
    }
    if (performance.now() > deadline) break;
  }
  return result(scenario, variant, "pass", null, schedules, steps, started, options.seed, null, label);
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
  strategy: string,
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
    strategy,
    counterexample,
  };
}

/** Run `variant` under `chooser` with recording on and package the run as a trace (`strategy` as labelled). */
export function recordRun(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
  chooser: Chooser,
  strategy = "random",
): Trace {
  const run = runWorld(variant.build, chooser, { record: true });
  return toTrace(scenario.name, variant.name, seed, run, strategy);
}

function toTrace(scenario: string, variant: string, seed: number, run: RunResult, strategy: string): Trace {
  const events = run.events ?? [];
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    scenario,
    variant,
    seed,
    strategy,
    processes: run.processes,
    decisions: run.decisions,
    events,
    violation: run.violation,
    steps: run.steps,
    endMs: run.endMs,
    fingerprint: fingerprint(events),
  };
}

/** Re-run seed `seed` of `variant` with the strategy that ran it (random by default), recorded. */
export function replaySeed(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
  spec: StrategySpec = { strategy: "random" },
): Trace {
  return recordRun(scenario, variant, seed, chooserFactory(variant, spec)(seed), strategyLabel(spec));
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
    const again = recordRun(
      scenario,
      variant,
      trace.seed,
      new ReplayChooser(trace.decisions),
      trace.strategy,
    );
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
