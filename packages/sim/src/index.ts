/**
 * @interleave/sim — a seeded discrete-event simulator and race explorer. Scenarios describe processes over
 * @interleave/core machines; the explorer runs them under many schedules, checks properties in virtual time,
 * and records every counterexample as a replayable trace.
 *
 * This entry holds what a scenario author and a test need: defining scenarios (processes, operations, delay
 * distributions, faults, properties), exploring and asserting a variant, replaying a trace or a seed, the
 * fast-check integration, and defining explicit-state models for `interleave check`. Each function that runs
 * worlds has an `…Async` twin (`exploreVariantAsync`, `assertVariantAsync`, `replayTraceAsync`, …) for worlds
 * with async tasks (`world.task`); the synchronous one throws {@link AsyncTasksError} on those. The engine's
 * parts have their own entries:
 * - `@interleave/sim/strategies` — the chooser interface, the strategies (random, PCT, replay, the fast-check
 *   stream) and the strategy registry with its defaults;
 * - `@interleave/sim/search` — running one world, the exploration pieces (run seeds, exhaustive search,
 *   recording, shrinking, verdict strength);
 * - `@interleave/sim/statespace` — the explicit-state checker, state keys and fingerprints, the machine cache;
 * - `@interleave/sim/trace` — the trace format's constants, fingerprint and parser;
 * - `@interleave/sim/view` — the timeline, the HTML report, the Mermaid diagram and a linearizability verdict's page;
 * - `@interleave/sim/cli` — the `interleave` command line, the registry loaders and the worker pool.
 */

export { type AssertVariantOptions, assertVariant, assertVariantAsync } from "./adapters/assert-variant.js";
export {
  type AssertScenarioOptions,
  assertScenario,
  assertScenarioAsync,
  DECISION_STREAM_LENGTH_MAX_DEFAULT,
  type DecisionStreamOptions,
  decisionStream,
  FAST_CHECK_SHRINK_RUNS_MAX_DEFAULT,
  type ScenarioCase,
  type ScenarioCheck,
  type ScenarioPropertyOptions,
  scenarioProperty,
  scenarioPropertyAsync,
} from "./adapters/fast-check.js";
export { expectStateSpaceVerified } from "./adapters/statespace.js";
export { DeterminismError } from "./async/globals.js";
export type {
  NetworkFault,
  ServerConnection,
  ServerHandlers,
  ServerProtocol,
  TaskBody,
  TaskContext,
} from "./async/types.js";
export { readTrace, writeTrace } from "./io/trace-file.js";
export {
  checkLinearizable,
  formatHistory,
  type History,
  type HistoryHeader,
  type LinMachine,
  type LinOperation,
  type LinOptions,
  type LinResult,
  type LinSpec,
  type LinWindow,
  type LinWindowOp,
  parseHistory,
  renderWindow,
  type StepOutcome,
  withEffects,
} from "./lincheck/index.js";
export {
  type CheckedModel,
  defineModel,
  type ModelCheck,
  type ModelDefinition,
  type RenderedStep,
} from "./model/checked-model.js";
export type { Change } from "./model/diff.js";
export {
  constant,
  type Distribution,
  type ExhaustiveSupport,
  uniform,
  weighted,
} from "./model/distribution.js";
export {
  type AddedEvent,
  type AddedHandler,
  type AddedResult,
  extendMachine,
  type TransitionMachine,
  type TransitionOf,
} from "./model/extend.js";
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
  read,
  type StateOf,
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
  type Strategy,
  type VariantDefinition,
} from "./model/scenario.js";
export { AsyncTasksError, runAsync, runSync, SETTLE, type Sim } from "./model/world/drive.js";
export type { FaultPlan } from "./model/world/faults.js";
export type { EffectIo, StoreOptions, TraceEvent, Violation, WorldBuilder } from "./model/world/types.js";
export { checkDeterminism, checkDeterminismAsync, type DeterminismCheck } from "./replay/determinism.js";
export {
  END_OF_RUN,
  type EventDifference,
  type ReplayDivergenceReport,
  type ReplayOutcome,
  replaySeed,
  replaySeedAsync,
  replayTrace,
  replayTraceAsync,
} from "./replay/replay.js";
export {
  type ExploreOptions,
  type ExploreProgress,
  exploreVariant,
  exploreVariantAsync,
} from "./search/explore.js";
export {
  type Coverage,
  type Cut,
  describeStrength,
  type Strength,
  type VariantResult,
} from "./search/verdict.js";
export type { Trace } from "./trace/format.js";
