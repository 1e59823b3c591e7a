/**
 * Exploration: run a scenario variant under many schedules until a property fails or the budget (runs,
 * time) is spent, then turn the counterexample into a trace by re-running its decisions with recording on
 * (counterexample.ts). Each run's chooser comes from the strategy registry (strategy/registry.ts); an exhaustive
 * exploration hands the search to the exhaustive driver (exhaustive.ts). Written once as a {@link Sim}
 * ({@link exploreVariantGen}): {@link exploreVariant} drives it synchronously, {@link exploreVariantAsync} awaits
 * between the steps of async tasks.
 */
import type { Scenario, ScenarioVariant, Strategy } from "../model/scenario.js";
import { runAsync, runSync, SETTLE, type Sim } from "../model/world/drive.js";
import type { Build, RunResult } from "../model/world/types.js";
import { runWorldGen } from "../model/world/world.js";
import { runSeed } from "../strategy/chooser.js";

export { runSeed };

import { FeedbackCampaign, type FeedbackChooser } from "../strategy/feedback.js";
import {
  chooserFactoryGen,
  describeBounds,
  EXHAUSTIVE_TIME_BUDGET_MS_DEFAULT,
  exhaustiveBounds,
  feedbackCampaignSeed,
  type StrategySpec,
  specOf,
  strategyLabel,
} from "../strategy/registry.js";
import type { Trace } from "../trace/format.js";
import { counterexampleOfGen } from "./counterexample.js";
import { exhaustiveSearchGen } from "./exhaustive.js";
import { type Coverage, type Cut, type Strength, strengthOf, type VariantResult } from "./verdict.js";

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
   * `index` of the search tree. The union of the parts is the whole exploration — except for `feedback`, where
   * each part runs its own campaign (seeded by base seed, index and count) that learns from its runs only: the
   * result is deterministic for a given `count`, but not the single-thread one.
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
   * Seeded strategies: the runs this exploration takes, for threads that share one partition's runs (work
   * stealing). Each call returns the position (0, 1, 2, … within the partition: run `index + position · count`)
   * of the next run to explore, larger than the one before; a position past the partition's last run ends the
   * exploration. Default: every position in order. The result is that of the runs taken, in order.
   */
  readonly nextRun?: () => number;
  /**
   * Async drivers only: called between runs; when it returns true the exploration awaits one macrotask turn, so
   * its thread's event loop can serve timers and messages while it explores. Changes no result.
   */
  readonly pause?: () => boolean;
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

/**
 * Explore one variant with the chosen strategy (default: the scenario's). Returns its verdict; for a
 * violation, a recorded trace of the first failing schedule, shrunk (the original kept beside it). Throws if
 * re-running the failing decisions does not reproduce the violation (nondeterminism in the scenario: a
 * clock, `Math.random`, or shared mutable state outside the world), or if a process throws; throws
 * `AsyncTasksError` (naming `<scenario>/<variant>`) when the variant has async tasks: use
 * {@link exploreVariantAsync} for those.
 */
export function exploreVariant(
  scenario: Scenario,
  variant: ScenarioVariant,
  options: ExploreOptions,
): VariantResult {
  return runSync(exploreVariantGen(scenario, variant, options), `${scenario.name}/${variant.name}`);
}

/**
 * The same as {@link exploreVariant}, but runs worlds with async tasks (`world.task`), awaiting a macrotask
 * turn between their steps. For a variant of generator processes it resolves to the same result (verdict,
 * seed, schedules, traces) as `exploreVariant`; `options.onProgress` and `stopBefore` stay synchronous.
 *
 * @example
 * const r = await exploreVariantAsync(scenario, variant, { seed: 1 });
 * if (r.verdict !== r.expect) console.log(r.counterexample);
 */
export function exploreVariantAsync(
  scenario: Scenario,
  variant: ScenarioVariant,
  options: ExploreOptions,
): Promise<VariantResult> {
  return runAsync(exploreVariantGen(scenario, variant, options));
}

/** {@link exploreVariant} as a {@link Sim}, to `yield*` from another one. */
export function* exploreVariantGen(
  scenario: Scenario,
  variant: ScenarioVariant,
  options: ExploreOptions,
): Sim<VariantResult> {
  const spec = specOf(scenario, options);
  const swarm = options.swarm ?? scenario.swarm;
  if (spec.strategy === "exhaustive")
    return yield* exploreExhaustive(scenario, variant, options, spec, swarm);
  const runs = options.runs ?? scenario.runs;
  const started = performance.now();
  const deadline =
    options.timeBudgetMs === undefined ? Number.POSITIVE_INFINITY : started + options.timeBudgetMs;
  let steps = 0;
  let schedules = 0;
  const part = options.partition ?? { index: 0, count: 1 };
  // feedback: one campaign per part, learning from the part's runs in order (strategy/feedback.ts); its
  // PARALLELISM is `sequential`, so no pool hands it runs out of order
  const campaign =
    spec.strategy === "feedback" ? new FeedbackCampaign(feedbackCampaignSeed(options.seed, part)) : null;
  if (campaign !== null && options.nextRun !== undefined)
    throw new Error(
      "the feedback strategy runs its part's runs in order: it cannot take runs from a shared counter",
    );
  const chooserFor = campaign === null ? yield* chooserFactoryGen(variant, spec) : null;
  const label = strategyLabel(spec, scenario);
  let position = -1;
  const nextRun = options.nextRun ?? (() => ++position);
  for (let i = part.index + nextRun() * part.count; i < runs; i = part.index + nextRun() * part.count) {
    if (options.stopBefore !== undefined && options.stopBefore() < i) break;
    if (options.pause?.() === true) yield SETTLE;
    const seed = runSeed(options.seed, i);
    const chooser = campaign === null ? chooserFor!(seed) : campaign.chooser(seed);
    let run: RunResult;
    try {
      run = yield* runWorldGen(variant.build, chooser, { swarm });
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
      const found = yield* counterexampleOfGen(
        scenario,
        variant,
        seed,
        run,
        label,
        swarm,
        options.shrink ?? true,
      );
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
    if (campaign !== null) campaign.learn(chooser as FeedbackChooser, run.decisions);
    if (performance.now() > deadline) break;
  }
  return finish(started, {
    ...base(scenario, variant, label),
    schedules,
    steps,
    seed: options.seed,
  });
}

function* exploreExhaustive(
  scenario: Scenario,
  variant: ScenarioVariant,
  options: ExploreOptions,
  spec: StrategySpec,
  swarm: boolean,
): Sim<VariantResult> {
  const started = performance.now();
  const bounds = exhaustiveBounds(scenario, spec);
  const label = strategyLabel(spec, scenario);
  const build: Build = variant.build;
  const onProgress = options.onProgress;
  const progress = { schedules: 0, steps: 0 };
  const timeBudgetMs =
    options.timeBudgetMs ?? (bounds.deepen ? EXHAUSTIVE_TIME_BUDGET_MS_DEFAULT : undefined);
  const r = yield* exhaustiveSearchGen(
    build,
    {
      ...bounds,
      ...(timeBudgetMs === undefined ? {} : { timeBudgetMs }),
      ...(options.runs === undefined ? {} : { schedulesMax: options.runs }),
      ...(options.stopBefore === undefined ? {} : { shouldStop: () => options.stopBefore!() < NO_VIOLATION }),
      ...(options.pause === undefined ? {} : { pause: options.pause }),
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
  const found = yield* counterexampleOfGen(
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

function finish(started: number, r: VariantResult): VariantResult {
  return { ...r, ...strengthOf(r), elapsedMs: Math.round(performance.now() - started) };
}
