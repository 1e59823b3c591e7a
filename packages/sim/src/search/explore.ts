/**
 * Exploration: run a scenario variant under many schedules until a property fails or the budget (runs,
 * time) is spent, then turn the counterexample into a trace by re-running its decisions with recording on.
 * Also: replay by seed or by trace, and the determinism self-check.
 */

import { InputError, type Scenario, type ScenarioVariant, type Strategy } from "../model/scenario.js";
import {
  type Chooser,
  mix32,
  PctChooser,
  RandomChooser,
  ReplayChooser,
  ReplayDivergence,
} from "../strategy/chooser.js";
import { type ExhaustiveBounds, exhaustiveSearch } from "./exhaustive.js";
import { recordRun } from "./record.js";
import { shrinkTrace } from "./shrink.js";

export { recordRun } from "./record.js";

import { type Build, type RunResult, runWorld } from "../model/world.js";
import type { Trace } from "../trace/trace.js";
import { formatValue } from "../view/timeline.js";

export type { Strategy } from "../model/scenario.js";
export const STRATEGIES: readonly Strategy[] = ["random", "pct", "exhaustive"];

/** Default bug depth targeted by `pct`: most races in the shipped scenarios need one or two preemptions. */
export const PCT_DEPTH_DEFAULT = 3;

/**
 * Default bounds of `exhaustive` when neither the scenario nor the caller sets them: nothing bounded — the
 * deviation budget deepens by itself (0, 1, 2, …) until the search is complete or its time budget
 * ({@link EXHAUSTIVE_TIME_BUDGET_MS_DEFAULT}) ends.
 */
export const EXHAUSTIVE_DEFAULTS: Required<Pick<ExhaustiveBounds, "depth" | "preemptions" | "deviations">> = {
  depth: Number.POSITIVE_INFINITY,
  preemptions: Number.POSITIVE_INFINITY,
  deviations: Number.POSITIVE_INFINITY,
};

/**
 * Wall-clock budget (ms) per variant of a self-deepening exhaustive search (no deviation bound given by the
 * caller or the scenario) when the caller gives no `timeBudgetMs`: 10 s.
 */
export const EXHAUSTIVE_TIME_BUDGET_MS_DEFAULT = 10_000;

/** How strong a `pass` is (DESIGN.md "Verdicts and what backs them"); a violation has none. */
export type Strength = "verified" | "bounded" | "sampled";

/** How each run of an exploration (or a replay by seed) chooses: the strategy and its parameters. */
export interface StrategySpec {
  readonly strategy: Strategy;
  /** `pct` only: the bug depth `d` (default {@link PCT_DEPTH_DEFAULT}). */
  readonly pctDepth?: number;
  /** `exhaustive` only: its bounds (default: the scenario's, else {@link EXHAUSTIVE_DEFAULTS}). */
  readonly bounds?: Partial<Pick<ExhaustiveBounds, "depth" | "preemptions" | "deviations">>;
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

/**
 * A chooser factory for `spec` on `variant`: `seed` → the chooser of the run with that seed. Only the seeded
 * strategies have one; `exhaustive` is a search over runs (see {@link exhaustiveSearch}), not a chooser per seed.
 */
export function chooserFactory(variant: ScenarioVariant, spec: StrategySpec): (seed: number) => Chooser {
  if (spec.strategy === "random") return (seed) => new RandomChooser(seed);
  if (spec.strategy === "exhaustive")
    throw new InputError(
      "the exhaustive strategy has no seeds: replay its counterexample from the trace file",
    );
  const depth = spec.pctDepth ?? PCT_DEPTH_DEFAULT;
  const steps = pctSteps(variant);
  return (seed) => new PctChooser(seed, { depth, steps });
}

/**
 * The exhaustive bounds `spec` asks for on `scenario` (caller's, else the scenario's, else the defaults), and
 * `deepen`: true when neither the caller nor the scenario bounds the deviations, so the search raises the
 * deviation budget by itself.
 */
export function exhaustiveBounds(
  scenario: Scenario,
  spec: StrategySpec,
): Required<Pick<ExhaustiveBounds, "depth" | "preemptions" | "deviations" | "deepen">> {
  const merged = { ...EXHAUSTIVE_DEFAULTS, ...scenario.exhaustive, ...spec.bounds };
  const deepen = spec.bounds?.deviations === undefined && scenario.exhaustive.deviations === undefined;
  return { ...merged, deepen };
}

/**
 * Bounds as people read them: `deviations ≤ 2`, `deepening` (the deviation budget raised by itself); unbounded ones are left out;
 * `unbounded` if all are.
 */
export function describeBounds(
  bounds: Pick<ExhaustiveBounds, "depth" | "preemptions" | "deviations" | "deepen">,
): string {
  const parts: string[] = [];
  if (bounds.depth !== Number.POSITIVE_INFINITY) parts.push(`depth ≤ ${bounds.depth}`);
  if ((bounds.deviations ?? Number.POSITIVE_INFINITY) !== Number.POSITIVE_INFINITY)
    parts.push(`deviations ≤ ${bounds.deviations}`);
  else if (bounds.deepen === true) parts.push("deepening");
  if ((bounds.preemptions ?? Number.POSITIVE_INFINITY) !== Number.POSITIVE_INFINITY)
    parts.push(`preemptions ≤ ${bounds.preemptions}`);
  return parts.length === 0 ? "unbounded" : parts.join(", ");
}

/** The strategy as written in traces and tables: `random`, `pct(d=3)`, `exhaustive(deviations ≤ 2)`. */
export function strategyLabel(spec: StrategySpec, scenario?: Scenario): string {
  if (spec.strategy === "pct") return `pct(d=${spec.pctDepth ?? PCT_DEPTH_DEFAULT})`;
  if (spec.strategy === "exhaustive") {
    const bounds =
      scenario === undefined
        ? { ...EXHAUSTIVE_DEFAULTS, ...spec.bounds, deepen: spec.bounds?.deviations === undefined }
        : exhaustiveBounds(scenario, spec);
    return `exhaustive(${describeBounds(bounds)})`;
  }
  return spec.strategy;
}

/** A part of an exploration, for `--shard i/n` and worker threads: `index` (0-based) of `count`. */
export interface Partition {
  readonly index: number;
  readonly count: number;
}

export interface ExploreOptions {
  /**
   * Schedules to run (default: the scenario's `runs`). A `violation` stops the variant early. Exhaustive: a cap
   * on schedules (none by default); reaching it leaves the search incomplete.
   */
  readonly runs?: number;
  /** Base seed (uint32); run `i` uses seed `runSeed(seed, i)`: run 0 the base seed itself. */
  readonly seed: number;
  /** Stop after this much wall-clock time (ms) even if runs remain (exhaustive: the search is then incomplete). */
  readonly timeBudgetMs?: number;
  /** Default: the scenario's default strategy (`Scenario.strategy`). */
  readonly strategy?: Strategy;
  /** `pct` only: the bug depth (default {@link PCT_DEPTH_DEFAULT}). */
  readonly pctDepth?: number;
  /** `exhaustive` only: bounds overriding the scenario's. */
  readonly bounds?: StrategySpec["bounds"];
  /** Swarm testing: every run draws its own fault plan (see `RunOptions.swarm`). Default: the scenario's. */
  readonly swarm?: boolean;
  /**
   * Only this part: for seeded strategies the runs `i` with `i mod count = index`; for exhaustive the shard
   * `index` of the search tree. The union of the parts is the whole exploration.
   */
  readonly partition?: Partition;
  /** Shrink a counterexample before returning it (default true). */
  readonly shrink?: boolean;
  /**
   * Seeded strategies with a partition: stop before run `i` when this returns a run index below `i` (another
   * worker found an earlier violation). Lets parallel workers return the same first violation as one thread.
   */
  readonly stopBefore?: () => number;
  /**
   * Called after every schedule this exploration counts (seeded strategies: every run; exhaustive: every
   * schedule of this part run to its end, as in `VariantResult.schedules`), with running totals. For progress
   * displays: it must be cheap (the loop runs ~10,000 schedules/s) and it changes no result, decision or trace.
   */
  readonly onProgress?: (progress: ExploreProgress) => void;
}

/** Running totals of one variant's exploration, passed to `ExploreOptions.onProgress`. */
export interface ExploreProgress {
  /** Schedules run so far (the final call's count equals the result's `schedules`). */
  readonly schedules: number;
  /** Steps over those schedules. */
  readonly steps: number;
  /** Whether the schedule just run violated a property. */
  readonly violation: boolean;
}

/** A cut of an exhaustive search: what left schedules out (see {@link Coverage.cutBy}). */
export type Cut = "depth" | "deviations" | "preemptions" | "delays" | "steps";

/** What an exhaustive search covered (null for seeded strategies). */
export interface Coverage {
  /** The bounds asked for, as in {@link describeBounds}. */
  readonly bounds: string;
  /**
   * The search ran to its end (no time budget, schedule cap or cancellation stopped it). With nothing in
   * `cutBy` that is every schedule within the scenario's own parameters: a `pass` is `verified`.
   */
  readonly complete: boolean;
  /** Why an incomplete search stopped. */
  readonly stoppedBy: "time" | "schedules" | "violation" | "cancelled" | null;
  /** Runs cut by sleep sets (redundant reorderings). */
  readonly pruned: number;
  /** Whether sleep sets were on (they are off under any deviation or preemption bound, which makes them unsound). */
  readonly sleepSets: boolean;
  /**
   * What actually cut the tree: `depth`, `deviations`, `preemptions` (a bound that was reached), `delays` (a delay
   * enumerated over its declared exhaustive support, fewer values than its distribution has) and `steps` (a run
   * ended at the world's step bound).
   */
  readonly cutBy: readonly Cut[];
  /** The bounds asked for as numbers (`Infinity`, written `"unbounded"` in JSON, when not bounded). */
  readonly limits: { readonly depth: number; readonly deviations: number; readonly preemptions: number };
  /** The deviation budget deepened by itself (no deviation bound was given). */
  readonly deepen: boolean;
  /**
   * With a deviation budget: the largest number of deviations whose every schedule was explored, or null when
   * no level completed (or there was no deviation budget).
   */
  readonly deepest: number | null;
  /** Schedules with at most `k` deviations, for each completed level `k` (see `ExhaustiveResult.levelSchedules`). */
  readonly levelSchedules: readonly number[];
}

export interface VariantResult {
  readonly scenario: string;
  readonly variant: string;
  readonly expect: "violation" | "pass";
  readonly verdict: "violation" | "pass";
  /**
   * How strong a `pass` is (null for a violation): `verified` — an exhaustive search that was complete and cut by
   * nothing (every schedule within the scenario's parameters); `bounded` — complete up to `bound` only;
   * `sampled` — `schedules` schedules of a seeded strategy from `seed` (or an exhaustive search stopped before it
   * completed any bound). See {@link describeStrength}.
   */
  readonly strength: Strength | null;
  /**
   * For a `bounded` pass, the bound within which the search was complete, as people read it: e.g.
   * `≤ 3 deviations`, `≤ 2 deviations, delays at their declared exhaustive supports`. Null otherwise.
   */
  readonly bound: string | null;
  /** The violated property's sentence, or null. */
  readonly property: string | null;
  /** Schedules (runs) executed. */
  readonly schedules: number;
  /** Distinct states visited; null for the strategies here, which do not count them (see `checkStateSpace`). */
  readonly states: number | null;
  /** Total steps over all schedules. */
  readonly steps: number;
  readonly elapsedMs: number;
  /** The failing run's seed for a violation, else the base seed (exhaustive: the base seed). */
  readonly seed: number;
  /** Index of the failing run among the exploration's runs (seeded strategies), else null. */
  readonly runIndex: number | null;
  /** The strategy as in {@link strategyLabel}. */
  readonly strategy: string;
  /** Exhaustive only: what was covered. */
  readonly coverage: Coverage | null;
  /** The counterexample as printed and written: shrunk unless shrinking was off. */
  readonly counterexample: Trace | null;
  /** The counterexample as found, before shrinking (null when not shrunk). */
  readonly original: Trace | null;
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
 * Explore one variant with the chosen strategy (default: the scenario's). Returns its verdict; for a
 * violation, a recorded trace of the first failing schedule, shrunk (the original kept beside it). Throws if
 * re-running the failing decisions does not reproduce the violation (nondeterminism in the scenario: a
 * clock, `Math.random`, or shared mutable state outside the world), or if a process throws.
 */
export function exploreVariant(
  scenario: Scenario,
  variant: ScenarioVariant,
  options: ExploreOptions,
): VariantResult {
  const spec = specOf(scenario, options);
  const swarm = options.swarm ?? scenario.swarm;
  if (spec.strategy === "exhaustive") return exploreExhaustive(scenario, variant, options, spec, swarm);
  const runs = options.runs ?? scenario.runs;
  const started = performance.now();
  const deadline =
    options.timeBudgetMs === undefined ? Number.POSITIVE_INFINITY : started + options.timeBudgetMs;
  let steps = 0;
  let schedules = 0;
  const chooserFor = chooserFactory(variant, spec);
  const label = strategyLabel(spec, scenario);
  const part = options.partition ?? { index: 0, count: 1 };
  for (let i = part.index; i < runs; i += part.count) {
    if (options.stopBefore !== undefined && options.stopBefore() < i) break;
    const seed = runSeed(options.seed, i);
    let run: RunResult;
    try {
      run = runWorld(variant.build, chooserFor(seed), { swarm });
    } catch (error) {
      throw new Error(
        `${scenario.name}/${variant.name} threw in the run with seed ${seed} (replay: --variant ${variant.name} --seed ${seed}): ${(error as Error).message}`,
        { cause: error },
      );
    }
    schedules++;
    steps += run.steps;
    options.onProgress?.({ schedules, steps, violation: run.violation !== null });
    if (run.violation !== null) {
      const found = counterexampleOf(scenario, variant, seed, run, label, swarm, options.shrink ?? true);
      return finish(started, {
        ...base(scenario, variant, label),
        verdict: "violation",
        property: run.violation.property,
        schedules,
        steps,
        seed,
        runIndex: i,
        ...found,
      });
    }
    if (performance.now() > deadline) break;
  }
  return finish(started, {
    ...base(scenario, variant, label),
    schedules,
    steps,
    seed: options.seed,
  });
}

/** The strategy spec of `options` on `scenario` (its default strategy when none is given). */
export function specOf(
  scenario: Scenario,
  options: Pick<ExploreOptions, "strategy" | "pctDepth" | "bounds">,
): StrategySpec {
  const strategy = options.strategy ?? scenario.strategy;
  return {
    strategy,
    ...(strategy === "pct" && options.pctDepth !== undefined ? { pctDepth: options.pctDepth } : {}),
    ...(strategy === "exhaustive" && options.bounds !== undefined ? { bounds: options.bounds } : {}),
  };
}

function exploreExhaustive(
  scenario: Scenario,
  variant: ScenarioVariant,
  options: ExploreOptions,
  spec: StrategySpec,
  swarm: boolean,
): VariantResult {
  const started = performance.now();
  const bounds = exhaustiveBounds(scenario, spec);
  const label = strategyLabel(spec, scenario);
  const build: Build = variant.build;
  const onProgress = options.onProgress;
  const progress = { schedules: 0, steps: 0 };
  const timeBudgetMs =
    options.timeBudgetMs ?? (bounds.deepen ? EXHAUSTIVE_TIME_BUDGET_MS_DEFAULT : undefined);
  const r = exhaustiveSearch(
    build,
    {
      ...bounds,
      ...(timeBudgetMs === undefined ? {} : { timeBudgetMs }),
      ...(options.runs === undefined ? {} : { schedulesMax: options.runs }),
      ...(options.stopBefore === undefined ? {} : { shouldStop: () => options.stopBefore!() < NO_VIOLATION }),
      ...(onProgress === undefined
        ? {}
        : {
            onSchedule: (run: RunResult) => {
              progress.schedules++;
              progress.steps += run.steps;
              onProgress({ ...progress, violation: run.violation !== null });
            },
          }),
    },
    options.partition ?? null,
    { swarm },
  );
  const cutBy: Cut[] = [];
  if (r.depthBound) cutBy.push("depth");
  if (r.deviationBound) cutBy.push("deviations");
  if (r.preemptionBound) cutBy.push("preemptions");
  if (r.delayBound) cutBy.push("delays");
  if (r.stepsBound) cutBy.push("steps");
  const coverage: Coverage = {
    bounds: describeBounds(bounds),
    complete: r.complete,
    stoppedBy: r.stoppedBy,
    pruned: r.pruned,
    sleepSets: r.sleepSets,
    cutBy,
    limits: { depth: bounds.depth, deviations: bounds.deviations, preemptions: bounds.preemptions },
    deepen: bounds.deepen,
    deepest: r.deepestComplete,
    levelSchedules: r.levelSchedules,
  };
  const common = {
    ...base(scenario, variant, label),
    schedules: r.schedules,
    steps: r.steps,
    seed: options.seed,
    coverage,
  };
  if (r.violation === null || r.violation.violation === null) return finish(started, common);
  const found = counterexampleOf(
    scenario,
    variant,
    options.seed,
    r.violation,
    label,
    swarm,
    options.shrink ?? true,
  );
  return finish(started, {
    ...common,
    verdict: "violation",
    property: r.violation.violation.property,
    ...found,
  });
}

function base(scenario: Scenario, variant: ScenarioVariant, strategy: string) {
  return {
    scenario: scenario.name,
    variant: variant.name,
    expect: variant.expect,
    verdict: "pass" as "violation" | "pass",
    strength: null as Strength | null,
    bound: null as string | null,
    property: null as string | null,
    states: null,
    elapsedMs: 0,
    runIndex: null as number | null,
    strategy,
    coverage: null as Coverage | null,
    counterexample: null as Trace | null,
    original: null as Trace | null,
  };
}

/** What `ExploreOptions.stopBefore` returns while no worker has found a violation. */
export const NO_VIOLATION = 0x7fff_ffff;

/** Candidate runs the shrinker may spend on a counterexample found by `explore`. */
export const EXPLORE_SHRINK_RUNS = 500;

function finish(started: number, r: VariantResult): VariantResult {
  return { ...r, ...strengthOf(r), elapsedMs: Math.round(performance.now() - started) };
}

/**
 * The strength of `r`'s verdict and, for a `bounded` pass, its bound (see {@link VariantResult.strength}),
 * from its verdict and coverage alone — so parts of a sharded search combine by recomputing it.
 *
 * - A violation: none. A seeded strategy's pass: `sampled`.
 * - An exhaustive pass: `verified` when the search was complete and nothing cut it; else `bounded` by what it
 *   completed — the deepest deviation level (when a deviation budget cut it or the time ran out in the next
 *   level), and each other cut (depth, preemptions, reduced delay supports, the step bound); `sampled` when it
 *   stopped before completing any bound.
 */
export function strengthOf(r: Pick<VariantResult, "verdict" | "coverage">): {
  readonly strength: Strength | null;
  readonly bound: string | null;
} {
  if (r.verdict === "violation") return { strength: null, bound: null };
  const c = r.coverage;
  if (c === null) return { strength: "sampled", bound: null };
  if (c.complete && c.cutBy.length === 0) return { strength: "verified", bound: null };
  const budgeted = c.deepen || c.limits.deviations !== Number.POSITIVE_INFINITY;
  if (!c.complete && (!budgeted || c.deepest === null)) return { strength: "sampled", bound: null };
  const parts: string[] = [];
  if (budgeted && c.deepest !== null && (!c.complete || c.cutBy.includes("deviations")))
    parts.push(`≤ ${c.deepest} deviation${c.deepest === 1 ? "" : "s"}`);
  if (c.cutBy.includes("preemptions")) parts.push(`≤ ${c.limits.preemptions} preemptions`);
  if (c.cutBy.includes("depth")) parts.push(`branching only in the first ${c.limits.depth} decisions`);
  if (c.cutBy.includes("delays")) parts.push("delays at their declared exhaustive supports");
  if (c.cutBy.includes("steps")) parts.push("runs cut at the step bound");
  return { strength: "bounded", bound: parts.join(", ") };
}

/**
 * One line saying what `r`'s verdict means, as the table, `assertVariant`, the soak and the report print it:
 * - `verified — every schedule within the scenario's parameters: 437 schedules (12 more cut by sleep sets)`
 * - `bounded — no violation with ≤ 3 deviations: 10,085 schedules; deeper not searched (sleep sets off: unsound
 *   under a deviation bound)`
 * - `sampled — 10,000 schedules of random from base seed 2026; other schedules not searched`
 * - for a violation: `violation — <property>`.
 */
export function describeStrength(
  r: Pick<
    VariantResult,
    "verdict" | "strength" | "bound" | "coverage" | "schedules" | "strategy" | "seed" | "property"
  >,
): string {
  const n = (x: number) => x.toLocaleString("en");
  if (r.verdict === "violation") return `violation — ${r.property ?? "a property failed"}`;
  const c = r.coverage;
  if (r.strength === "verified") {
    const pruned = c?.sleepSets && c.pruned > 0 ? ` (${n(c.pruned)} more cut by sleep sets)` : "";
    return `verified — every schedule within the scenario's parameters: ${n(r.schedules)} schedules${pruned}`;
  }
  if (r.strength === "bounded" && c !== null) {
    // Complete: every schedule run is within the bound; stopped in a deeper level: those of the levels done.
    const schedules = c.complete || c.deepest === null ? r.schedules : (c.levelSchedules[c.deepest] ?? 0);
    const stopper =
      c.stoppedBy === "time"
        ? "the time budget ended"
        : c.stoppedBy === "schedules"
          ? "the schedule cap was reached"
          : "the search was cancelled";
    const deeper = c.complete
      ? "other schedules not searched"
      : `deeper not searched (${stopper} in the next level)`;
    const boundCut = !c.complete || c.cutBy.includes("deviations") || c.cutBy.includes("preemptions");
    const sleep =
      c.sleepSets || !boundCut ? "" : "; sleep sets off (unsound under a deviation or preemption bound)";
    const within = r.bound?.startsWith("≤") === true ? `with ${r.bound}` : `in any schedule with ${r.bound}`;
    return `bounded — no violation ${within}: ${n(schedules)} schedules; ${deeper}${sleep}`;
  }
  if (c !== null)
    return `sampled — the exhaustive search stopped (${c.stoppedBy ?? "early"}) after ${n(r.schedules)} schedules before completing any bound; nothing was proven beyond them`;
  return `sampled — ${n(r.schedules)} schedules of ${r.strategy} from base seed ${r.seed}; other schedules not searched`;
}

/** Record the failing run as a trace (checking it reproduces), then shrink it. */
function counterexampleOf(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
  run: RunResult,
  label: string,
  swarm: boolean,
  shrink: boolean,
): { counterexample: Trace; original: Trace | null } {
  const original = recordRun(scenario, variant, seed, new ReplayChooser(run.decisions), label, { swarm });
  if (original.violation?.property !== run.violation?.property) {
    throw new Error(
      `nondeterminism in ${scenario.name}/${variant.name} seed ${seed}: re-running the recorded decisions gave ${
        original.violation?.property ?? "no violation"
      } instead of "${run.violation?.property}"`,
    );
  }
  if (!shrink) return { counterexample: original, original: null };
  // A run budget, not a time budget: the written trace must not depend on the machine's speed.
  const shrunk = shrinkTrace(scenario, variant, original, {
    runsMax: EXPLORE_SHRINK_RUNS,
    timeBudgetMs: Number.POSITIVE_INFINITY,
  });
  return { counterexample: shrunk.trace, original };
}

/** Re-run seed `seed` of `variant` with the strategy that ran it (random by default), recorded. */
export function replaySeed(
  scenario: Scenario,
  variant: ScenarioVariant,
  seed: number,
  spec: StrategySpec = { strategy: "random" },
  options: { readonly swarm?: boolean } = {},
): Trace {
  return recordRun(
    scenario,
    variant,
    seed,
    chooserFactory(variant, spec)(seed),
    strategyLabel(spec, scenario),
    options,
  );
}

/**
 * Where a replay left the recorded schedule: the code asked for a decision the trace does not hold there, or
 * ended the run with recorded decisions unused.
 */
export interface ReplayDivergenceReport {
  /** The world step, and virtual time in ms, at which the code asked (unused decisions: where the run ended). */
  readonly step: number;
  readonly t: number;
  /** 0-based index into the trace's decisions. */
  readonly decisionIndex: number;
  /** The label the trace recorded at `decisionIndex`; null when the trace holds no more decisions. */
  readonly expectedLabel: string | null;
  /** The label the code asked for; {@link END_OF_RUN} when the run ended before using every recorded decision. */
  readonly foundLabel: string;
  /** One sentence saying all of the above. */
  readonly message: string;
}

/** `foundLabel` of a divergence where the run ended while the trace still held decisions. */
export const END_OF_RUN = "end of run";

/** The first event where a replayed run's log departs from the recorded one (both summarised on one line). */
export interface EventDifference {
  /** 0-based position in the event logs. */
  readonly index: number;
  /** Step and virtual time (ms) of the event found (of the expected one when the current run's log ended). */
  readonly step: number;
  readonly t: number;
  /** The recorded event (`process: op [key] input → result`); null when the recorded log ended first. */
  readonly expected: string | null;
  /** The event the current code produced there; null when the current run's log ended first. */
  readonly found: string | null;
  /** The event fields that differ (`input`, `result`, `changes`, …); empty when one log ended first. */
  readonly fields: readonly string[];
}

export type ReplayOutcome =
  | { readonly _tag: "Reproduced"; readonly trace: Trace }
  | {
      readonly _tag: "Changed";
      readonly trace: Trace;
      /** The recorded fingerprint (`trace.fingerprint` is the current run's). */
      readonly expected: string;
      /** Null only when the logs are equal and the recorded fingerprint was altered. */
      readonly firstDifference: EventDifference | null;
    }
  | ({ readonly _tag: "Diverged" } & ReplayDivergenceReport);

/**
 * Feed a trace's decisions back into the current code (with the trace's `params` and swarm mode); it never
 * silently runs a different schedule:
 * - `Reproduced`: every decision fit and was used, and the fingerprint is the same: the very run. The
 *   returned trace is the re-recorded one, with the original's `params` and `shrunk`.
 * - `Diverged`: the code asked for a decision whose label or option count differs from the recorded one, or
 *   for more decisions than the trace holds (`expectedLabel` null), or ended the run with recorded decisions
 *   unused (`foundLabel` {@link END_OF_RUN}, `step`/`t` where it ended). The replay stops there; decisions
 *   are matched by position and label, so a decision the code added or removed is reported, not realigned.
 * - `Changed`: every decision fit and was used but the run differs (the code changed what a step does);
 *   `firstDifference` is the first event that differs. The current run counts as not reproduced.
 */
export function replayTrace(scenario: Scenario, variant: ScenarioVariant, trace: Trace): ReplayOutcome {
  const chooser = new ReplayChooser(trace.decisions);
  let again: Trace;
  try {
    again = recordRun(
      scenario,
      trace.params === undefined ? variant : { ...variant, build: variant.buildWith(trace.params) },
      trace.seed,
      chooser,
      trace.strategy,
      { swarm: trace.swarm === true },
    );
  } catch (error) {
    if (!(error instanceof ReplayDivergence)) throw error;
    const { step, t, decisionIndex, expectedLabel, foundLabel, message } = error;
    return { _tag: "Diverged", step, t, decisionIndex, expectedLabel, foundLabel, message };
  }
  if (trace.params !== undefined) again = { ...again, params: trace.params };
  const used = chooser.consumed;
  const unused = trace.decisions[used];
  if (unused !== undefined) {
    return {
      _tag: "Diverged",
      step: again.steps,
      t: again.endMs,
      decisionIndex: used,
      expectedLabel: unused.label,
      foundLabel: END_OF_RUN,
      message: `the run ended at step ${again.steps} (t=${again.endMs}ms) after ${used} of the trace's ${trace.decisions.length} decisions; decision #${used} ("${unused.label}") was never asked for`,
    };
  }
  if (again.fingerprint === trace.fingerprint) {
    return {
      _tag: "Reproduced",
      trace: trace.shrunk === undefined ? again : { ...again, shrunk: trace.shrunk },
    };
  }
  return {
    _tag: "Changed",
    trace: again,
    expected: trace.fingerprint,
    firstDifference: firstEventDifference(trace.events, again.events),
  };
}

type RecordedEvent = Trace["events"][number];

/** The first position where two event logs differ (key order ignored), or null when they are equal. */
function firstEventDifference(
  expected: readonly RecordedEvent[],
  found: readonly RecordedEvent[],
): EventDifference | null {
  for (let i = 0; i < Math.max(expected.length, found.length); i++) {
    const e = expected[i];
    const f = found[i];
    if (e !== undefined && f !== undefined && stableJson(e) === stableJson(f)) continue;
    const at = (f ?? e)!;
    const fields =
      e === undefined || f === undefined
        ? []
        : [...new Set([...Object.keys(e), ...Object.keys(f)] as (keyof RecordedEvent)[])].filter(
            (k) => stableJson(e[k]) !== stableJson(f[k]),
          );
    return {
      index: i,
      step: at.step,
      t: at.t,
      expected: e === undefined ? null : describeEvent(e),
      found: f === undefined ? null : describeEvent(f),
      fields,
    };
  }
  return null;
}

const EVENT_SUMMARY_CHARS_MAX = 200;

/** One line: `process: op [key] input → result`, cut to {@link EVENT_SUMMARY_CHARS_MAX} characters. */
function describeEvent(e: RecordedEvent): string {
  const text = [
    `${e.process}: ${e.op}`,
    e.key === undefined ? "" : ` [${e.key}]`,
    e.input === undefined ? "" : ` ${formatValue(e.input)}`,
    e.result === undefined ? "" : ` → ${formatValue(e.result)}`,
  ].join("");
  return text.length <= EVENT_SUMMARY_CHARS_MAX ? text : `${text.slice(0, EVENT_SUMMARY_CHARS_MAX - 1)}…`;
}

/** JSON with object keys sorted, so that logs read from a file compare equal to freshly recorded ones. */
function stableJson(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
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
