/**
 * The registry of strategies: their names, their defaults, and how a {@link StrategySpec} becomes a chooser
 * per seed (random, pct) or the bounds of a search (exhaustive), and a label for traces and tables. Add a
 * strategy here, beside its chooser in this folder.
 */
import { InputError, type Scenario, type ScenarioVariant, type Strategy } from "../model/scenario.js";
import { runAsync, runSync, type Sim } from "../model/world/drive.js";
import { runWorldGen } from "../model/world/world.js";
import type { ExhaustiveBounds } from "../search/exhaustive.js";
import { type Chooser, mix32, runSeed } from "./chooser.js";
import { FeedbackCampaign, type FeedbackChooser } from "./feedback.js";
import { PctChooser } from "./pct.js";
import { RandomChooser } from "./random.js";

export const STRATEGIES: readonly Strategy[] = ["random", "pct", "exhaustive", "feedback"];

/**
 * How worker threads (`--workers K`) may share a strategy's exploration:
 * - `runs`: every run depends on its seed alone, so the threads take run indices from one shared counter (work
 *   stealing) and the first failing run in run order is the single thread's;
 * - `shards`: a search tree (exhaustive), cut into more shards than threads, which the threads take in turn;
 * - `sequential`: a run depends on the runs before it (a feedback-guided strategy's corpus), so the exploration
 *   runs on one thread, unsplit, and gives the single thread's result.
 * A new strategy declares its entry here; `sequential` is always correct, the others are faster.
 */
export type Parallelism = "runs" | "shards" | "sequential";

/** Each strategy's {@link Parallelism}. */
export const PARALLELISM: Readonly<Record<Strategy, Parallelism>> = {
  random: "runs",
  pct: "runs",
  exhaustive: "shards",
  feedback: "sequential",
};

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
 * fully described by its seed and depth. Throws `AsyncTasksError` when the variant has async tasks (use
 * {@link pctStepsAsync}).
 */
export function pctSteps(variant: ScenarioVariant): number {
  return runSync(pctStepsGen(variant), `the PCT pilot run of variant ${variant.name}`);
}

/**
 * The same as {@link pctSteps}, but runs worlds with async tasks (`world.task`), awaiting a macrotask turn
 * between their steps.
 */
export function pctStepsAsync(variant: ScenarioVariant): Promise<number> {
  return runAsync(pctStepsGen(variant));
}

/** {@link pctSteps} as a {@link Sim}, to `yield*` from another one. */
export function* pctStepsGen(variant: ScenarioVariant): Sim<number> {
  const pilot = yield* runWorldGen(variant.build, new RandomChooser(0));
  return Math.max(1, pilot.steps);
}

/**
 * A chooser factory for `spec` on `variant`: `seed` → the chooser of the run with that seed. Only the seeded
 * strategies have one; `exhaustive` is a search over runs (see {@link exhaustiveSearch}), not a chooser per seed:
 * it throws an `InputError`. `pct` runs the variant once ({@link pctSteps}), so this throws `AsyncTasksError`
 * for a variant with async tasks (use {@link chooserFactoryAsync}).
 */
export function chooserFactory(variant: ScenarioVariant, spec: StrategySpec): (seed: number) => Chooser {
  return runSync(chooserFactoryGen(variant, spec), `the PCT pilot run of variant ${variant.name}`);
}

/**
 * The same as {@link chooserFactory}, but runs worlds with async tasks (`world.task`; `pct`'s pilot run),
 * awaiting a macrotask turn between their steps.
 */
export function chooserFactoryAsync(
  variant: ScenarioVariant,
  spec: StrategySpec,
): Promise<(seed: number) => Chooser> {
  return runAsync(chooserFactoryGen(variant, spec));
}

/** {@link chooserFactory} as a {@link Sim}, to `yield*` from another one. */
export function* chooserFactoryGen(
  variant: ScenarioVariant,
  spec: StrategySpec,
): Sim<(seed: number) => Chooser> {
  if (spec.strategy === "random") return (seed: number) => new RandomChooser(seed);
  if (spec.strategy === "exhaustive")
    throw new InputError(
      "the exhaustive strategy has no seeds: replay its counterexample from the trace file",
    );
  if (spec.strategy === "feedback")
    throw new InputError(
      "a feedback run depends on the runs before it: replay it from its trace file, or by its campaign's base seed and run index (feedbackChooserAt, `replay --strategy feedback --seed <base> --run <i>`)",
    );
  const depth = spec.pctDepth ?? PCT_DEPTH_DEFAULT;
  const steps = yield* pctStepsGen(variant);
  return (seed: number) => new PctChooser(seed, { depth, steps });
}

/**
 * The seed (uint32) of the feedback campaign of part `index` of `count` of an exploration from base seed
 * `base`: each part (`--shard`; under `--workers` it runs on one thread, unsplit) runs its own campaign over its runs, so a part's runs depend only
 * on the base seed, the part and the runs before them in that part.
 */
export function feedbackCampaignSeed(
  base: number,
  part: { readonly index: number; readonly count: number },
): number {
  return mix32(
    (mix32(base >>> 0) ^ Math.imul(part.index + 1, 0x9e3779b1) ^ Math.imul(part.count, 0x85ebca6b)) >>> 0,
  );
}

/**
 * The chooser of run `run` of the feedback campaign from base seed `base` whose exploration was split in
 * `parts` (default 1; the run belongs to part `run mod parts`): re-runs that part's campaign over its runs
 * before `run` (each learned from in order), so replaying by seed costs up to `run / parts` runs. Throws what the runs throw; `AsyncTasksError` from a synchronous driver on a variant
 * with async tasks.
 */
export function* feedbackChooserAtGen(
  variant: ScenarioVariant,
  base: number,
  run: number,
  options: { readonly parts?: number; readonly swarm?: boolean } = {},
): Sim<FeedbackChooser> {
  const count = options.parts ?? 1;
  if (!Number.isInteger(run) || run < 0) throw new InputError(`--run must be a run index ≥ 0, got ${run}`);
  if (!Number.isInteger(count) || count < 1) throw new InputError(`--parts must be ≥ 1, got ${count}`);
  const index = run % count;
  const campaign = new FeedbackCampaign(feedbackCampaignSeed(base, { index, count }));
  for (let i = index; i < run; i += count) {
    const chooser = campaign.chooser(runSeed(base, i));
    const result = yield* runWorldGen(variant.build, chooser, { swarm: options.swarm === true });
    campaign.learn(chooser, result.decisions);
  }
  return campaign.chooser(runSeed(base, run));
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

/** The strategy spec of `options` on `scenario` (its default strategy when none is given). */
export function specOf(
  scenario: Scenario,
  options: {
    readonly strategy?: Strategy;
    readonly pctDepth?: number;
    readonly bounds?: StrategySpec["bounds"];
  },
): StrategySpec {
  const strategy = options.strategy ?? scenario.strategy;
  return {
    strategy,
    ...(strategy === "pct" && options.pctDepth !== undefined ? { pctDepth: options.pctDepth } : {}),
    ...(strategy === "exhaustive" && options.bounds !== undefined ? { bounds: options.bounds } : {}),
  };
}
