/**
 * @interleave/sim — a seeded discrete-event simulator and race explorer. Scenarios describe processes over
 * @interleave/core machines; the explorer runs them under many schedules, checks properties in virtual time,
 * and records every counterexample as a replayable trace.
 */

export { type AssertVariantOptions, assertVariant } from "./adapters/assert-variant.js";
export {
  type AssertScenarioOptions,
  assertScenario,
  DECISION_STREAM_LENGTH_MAX_DEFAULT,
  DECISION_VALUE_RANGE,
  type DecisionStreamOptions,
  decisionIndex,
  decisionStream,
  FAST_CHECK_SHRINK_RUNS_MAX_DEFAULT,
  type ScenarioCase,
  type ScenarioCheck,
  type ScenarioPropertyOptions,
  StreamChooser,
  scenarioProperty,
} from "./adapters/fast-check.js";
export { expectStateSpaceVerified } from "./adapters/statespace.js";
export { parseSeed } from "./cli/common.js";
export { type CliIo, main as runCli } from "./cli/main.js";
export { WorkerPool } from "./io/parallel.js";
export { findModelRegistry, findRegistry, loadModels, loadScenarios } from "./io/registry.js";
export { readTrace, writeTrace } from "./io/trace-file.js";
export {
  type CheckedModel,
  defineModel,
  isCheckedModel,
  type ModelCheck,
  type ModelDefinition,
  type RenderedStep,
} from "./model/checked-model.js";
export { type Change, diff } from "./model/diff.js";
export {
  constant,
  type Distribution,
  type ExhaustiveSupport,
  supportIndices,
  uniform,
  weighted,
} from "./model/distribution.js";
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
} from "./model/ops.js";
export type { Strategy } from "./model/scenario.js";
export {
  defineScenario,
  type Expectation,
  findScenario,
  findVariant,
  InputError,
  type Scenario,
  type ScenarioDefinition,
  type ScenarioExhaustiveBounds,
  type ScenarioVariant,
  type VariantDefinition,
} from "./model/scenario.js";
export { type FaultPlan, SWARM_RATES } from "./model/world/faults.js";
export type {
  Build,
  EffectIo,
  RunOptions,
  RunResult,
  StoreOptions,
  StoreSnapshots,
  TraceEvent,
  Violation,
  WorldBuilder,
} from "./model/world/types.js";
export { runWorld } from "./model/world/world.js";
export { checkDeterminism } from "./replay/determinism.js";
export {
  END_OF_RUN,
  type EventDifference,
  type ReplayDivergenceReport,
  type ReplayOutcome,
  replaySeed,
  replayTrace,
} from "./replay/replay.js";
export { EXPLORE_SHRINK_RUNS } from "./search/counterexample.js";
export { type ExhaustiveBounds, type ExhaustiveResult, exhaustiveSearch } from "./search/exhaustive.js";
export {
  type ExploreOptions,
  type ExploreProgress,
  exploreVariant,
  type Partition,
  runSeed,
} from "./search/explore.js";
export { recordRun } from "./search/record.js";
export {
  SHRINK_RUNS_MAX_DEFAULT,
  SHRINK_TIME_BUDGET_MS_DEFAULT,
  type ShrinkOptions,
  type ShrinkResult,
  shrinkTrace,
} from "./search/shrink.js";
export {
  type Coverage,
  type Cut,
  describeStrength,
  type Strength,
  strengthOf,
  type VariantResult,
} from "./search/verdict.js";
export { canonicalKey } from "./statespace/canonical.js";
export { checkStateSpace, describeInput, describeState, formatCounterexample } from "./statespace/checker.js";
export type { FingerprintBuilder } from "./statespace/fingerprint.js";
export {
  type CachedStep,
  type Fingerprinted,
  MACHINE_CACHE_SLOTS_DEFAULT,
  MachineCache,
} from "./statespace/machine-cache.js";
export {
  type CheckBounded,
  type CheckOptions,
  type CheckResult,
  type CheckStats,
  type CheckVerified,
  type CheckViolation,
  MAX_STATES_DEFAULT,
  type PathStep,
  type StateInvariant,
  type StateSpaceModel,
} from "./statespace/model.js";
export {
  type Chooser,
  type Decision,
  type DecisionRequest,
  type Footprint,
  independent,
} from "./strategy/chooser.js";
export type { Shard } from "./strategy/dfs.js";
export { PctChooser, type PctOptions } from "./strategy/pct.js";
export { RandomChooser } from "./strategy/random.js";
export {
  chooserFactory,
  describeBounds,
  EXHAUSTIVE_DEFAULTS,
  EXHAUSTIVE_TIME_BUDGET_MS_DEFAULT,
  exhaustiveBounds,
  PCT_DEPTH_DEFAULT,
  pctSteps,
  STRATEGIES,
  type StrategySpec,
  specOf,
  strategyLabel,
} from "./strategy/registry.js";
export { ReplayChooser, ReplayDivergence } from "./strategy/replay.js";
export { fingerprint, TRACE_FORMAT, TRACE_VERSION, type Trace } from "./trace/format.js";
export { escapeHtml, REPORT_GENERATOR, renderReport } from "./view/html.js";
export {
  escapeMermaid,
  MERMAID_BODY_CHARS_MAX,
  MERMAID_MESSAGES_MAX_DEFAULT,
  type MermaidOptions,
  mermaidBlock,
  renderMermaid,
} from "./view/mermaid.js";
export {
  type ReportRun,
  type ReportStep,
  rebuildStore,
  replayStore,
  reportRun,
  reportRunOf,
  type StoreSource,
} from "./view/report-model.js";
export { formatTime, formatValue, renderTimeline, type TimelineOptions } from "./view/timeline.js";
