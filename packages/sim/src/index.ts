/**
 * @interleave/sim — a seeded discrete-event simulator and race explorer. Scenarios describe processes over
 * @interleave/core machines; the explorer runs them under many schedules, checks properties in virtual time,
 * and records every counterexample as a replayable trace.
 */
export {
  type Chooser,
  type Decision,
  type DecisionRequest,
  PctChooser,
  type PctOptions,
  RandomChooser,
  ReplayChooser,
  ReplayDivergence,
} from "./chooser.js";
export { type CliIo, main as runCli, parseSeed } from "./cli/main.js";
export { type Change, diff } from "./diff.js";
export { constant, type Distribution, uniform, weighted } from "./distribution.js";
export {
  checkDeterminism,
  chooserFactory,
  type ExploreOptions,
  exploreVariant,
  PCT_DEPTH_DEFAULT,
  pctSteps,
  type ReplayOutcome,
  recordRun,
  replaySeed,
  replayTrace,
  runSeed,
  STRATEGIES,
  type Strategy,
  type StrategySpec,
  strategyLabel,
  type VariantResult,
} from "./explore.js";
export {
  type AnyStoreRef,
  choose,
  type EventOf,
  kill,
  type LastTx,
  note,
  type Op,
  type ProcessBody,
  type ProcessContext,
  type ProcessHandle,
  type ResultOf,
  type StoreRef,
  sleep,
  spawn,
  tx,
  txAt,
  until,
  type View,
} from "./ops.js";
export { findRegistry, loadScenarios } from "./registry.js";
export {
  defineScenario,
  type Expectation,
  findScenario,
  findVariant,
  InputError,
  type Scenario,
  type ScenarioDefinition,
  type ScenarioVariant,
  type VariantDefinition,
} from "./scenario.js";
export { formatTime, formatValue, renderTimeline, type TimelineOptions } from "./timeline.js";
export { fingerprint, readTrace, TRACE_FORMAT, TRACE_VERSION, type Trace, writeTrace } from "./trace.js";
export {
  type Build,
  type EffectIo,
  type FaultPlan,
  type RunOptions,
  type RunResult,
  runWorld,
  type StoreOptions,
  type TraceEvent,
  type Violation,
  type WorldBuilder,
} from "./world.js";
