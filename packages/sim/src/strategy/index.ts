/**
 * @interleave/sim/strategies — how a run's choices are made. The {@link Chooser} interface every strategy
 * implements; the strategies themselves (seeded random, PCT, replay of a recorded stream, the stream a
 * fast-check arbitrary drives); and the registry of strategies: their names, defaults and labels, and how a
 * {@link StrategySpec} becomes a chooser per seed or the bounds of an exhaustive search. For writing or
 * testing a strategy, and for tools that run worlds with their own chooser (see `@interleave/sim/search`).
 */

export { DECISION_VALUE_RANGE, decisionIndex, StreamChooser } from "../adapters/fast-check.js";
export { supportIndices } from "../model/distribution.js";
export { type Chooser, type Decision, type DecisionRequest, type Footprint, independent } from "./chooser.js";
export { abstractHash, FEEDBACK_CORPUS_MAX, FeedbackCampaign, FeedbackChooser } from "./feedback.js";
export { PctChooser, type PctOptions } from "./pct.js";
export { RandomChooser } from "./random.js";
export {
  chooserFactory,
  chooserFactoryAsync,
  chooserFactoryGen,
  describeBounds,
  EXHAUSTIVE_DEFAULTS,
  EXHAUSTIVE_TIME_BUDGET_MS_DEFAULT,
  exhaustiveBounds,
  feedbackCampaignSeed,
  feedbackChooserAtGen,
  PARALLELISM,
  type Parallelism,
  PCT_DEPTH_DEFAULT,
  pctSteps,
  pctStepsAsync,
  pctStepsGen,
  STRATEGIES,
  type StrategySpec,
  specOf,
  strategyLabel,
} from "./registry.js";
export { ReplayChooser, ReplayDivergence } from "./replay.js";
