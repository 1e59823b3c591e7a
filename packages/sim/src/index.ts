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
export { parseSeed } from "./cli/common.js";
export { type CliIo, main as runCli } from "./cli/main.js";
export { WorkerPool } from "./io/parallel.js";
export { findModelRegistry, findRegistry, loadModels, loadScenarios } from "./io/registry.js";
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
export {
  type Build,
  type EffectIo,
  type FaultPlan,
  type RunOptions,
  type RunResult,
  runWorld,
  type StoreOptions,
  type StoreSnapshots,
  SWARM_RATES,
  type TraceEvent,
  type Violation,
  type WorldBuilder,
} from "./model/world.js";
export {
  type ExhaustiveBounds,
  type ExhaustiveResult,
  exhaustiveSearch,
  type Shard,
} from "./search/exhaustive.js";
export {
  type Coverage,
  type Cut,
  checkDeterminism,
  chooserFactory,
  describeBounds,
  describeStrength,
  END_OF_RUN,
  type EventDifference,
  EXHAUSTIVE_DEFAULTS,
  EXHAUSTIVE_TIME_BUDGET_MS_DEFAULT,
  EXPLORE_SHRINK_RUNS,
  type ExploreOptions,
  type ExploreProgress,
  exhaustiveBounds,
  exploreVariant,
  type Partition,
  PCT_DEPTH_DEFAULT,
  pctSteps,
  type ReplayDivergenceReport,
  type ReplayOutcome,
  recordRun,
  replaySeed,
  replayTrace,
  runSeed,
  STRATEGIES,
  type Strategy,
  type StrategySpec,
  type Strength,
  specOf,
  strategyLabel,
  strengthOf,
  type VariantResult,
} from "./search/explore.js";
export {
  SHRINK_RUNS_MAX_DEFAULT,
  SHRINK_TIME_BUDGET_MS_DEFAULT,
  type ShrinkOptions,
  type ShrinkResult,
  shrinkTrace,
} from "./search/shrink.js";
export {
  type CachedStep,
  type CheckBounded,
  type CheckOptions,
  type CheckResult,
  type CheckStats,
  type CheckVerified,
  type CheckViolation,
  canonicalKey,
  checkStateSpace,
  describeInput,
  describeState,
  expectStateSpaceVerified,
  type FingerprintBuilder,
  type Fingerprinted,
  formatCounterexample,
  MACHINE_CACHE_SLOTS_DEFAULT,
  MAX_STATES_DEFAULT,
  MachineCache,
  type PathStep,
  type StateInvariant,
  type StateSpaceModel,
} from "./statespace/checker.js";
export {
  type Chooser,
  type Decision,
  type DecisionRequest,
  type Footprint,
  independent,
  PctChooser,
  type PctOptions,
  RandomChooser,
  ReplayChooser,
  ReplayDivergence,
} from "./strategy/chooser.js";
export {
  fingerprint,
  readTrace,
  TRACE_FORMAT,
  TRACE_VERSION,
  type Trace,
  writeTrace,
} from "./trace/trace.js";
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
